"""Every experiment a shipped lesson names runs, for a few steps, on the CPU.

One parametrised test over the lesson files, so a new experiment cannot be left
untested. Datasets that need a download (MNIST, Fashion-MNIST, CIFAR-10) cannot be
fetched here; for them the cache is filled with small files in the official formats
(gzipped IDX, the CIFAR binary tarball), and the checksum table is pointed at those
files, so the real loading, verification and parsing code runs. The experiment's own
settings are kept; only the length is capped (`max_steps`, and few repeats for the
device bench).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import threading

import pytest

from test_data import cifar_bytes, cifar_tarball, tiny_cifar_set, tiny_idx_set
from trainers import data, registry
from tutor.course import load_tree
from tutor.runs import make_config

TREE = load_tree()
EXPERIMENTS = [x for week in TREE.weeks for lesson in week.lessons for x in lesson.experiments]
# Caps that keep a run to a few steps; each applies only where the trainer has the setting.
SHORT = {"max_steps": 3, "epochs": 1, "repeats": 1, "sizes": [64], "channels": [4]}


def fake_download(name: str) -> dict[str, bytes]:
    """Files in the official format of `name`, small."""
    if name == "cifar10":
        blobs = {f: cifar_bytes(*arrays) for f, arrays in tiny_cifar_set().items()}
        (only,) = data.DATASETS["cifar10"].files
        return {only.name: cifar_tarball(blobs)}
    _arrays, blobs = tiny_idx_set()
    return blobs


@pytest.fixture
def cached_datasets(tmp_path, monkeypatch):
    """A cache holding every downloadable dataset, with checksums that match it."""
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path / "cache"))
    table = dict(data.DATASETS)
    for name, ds in data.DATASETS.items():
        if ds.bundled:
            continue
        blobs = fake_download(name)
        folder = tmp_path / "cache" / name
        folder.mkdir(parents=True)
        files = []
        for f in ds.files:
            blob = blobs[f.name]
            (folder / f.name).write_bytes(blob)
            files.append(dataclasses.replace(f, size=len(blob), sha256=hashlib.sha256(blob).hexdigest()))
        table[name] = dataclasses.replace(ds, files=tuple(files))
    monkeypatch.setattr(data, "DATASETS", table)
    return table


def test_the_fake_idx_files_are_really_gzipped_idx():
    _arrays, blobs = tiny_idx_set()
    images = data.parse_idx(gzip.decompress(blobs["train-images-idx3-ubyte.gz"]), ndim=3)
    assert images.shape == (40, 28, 28)


def test_the_lessons_name_experiments():
    assert len(EXPERIMENTS) >= 10
    assert {x.trainer for x in EXPERIMENTS} <= registry.names()


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=[x.id for x in EXPERIMENTS])
def test_experiment_runs_on_the_cpu(experiment, cached_datasets):
    cls = registry.config_class(experiment.trainer)
    caps = {k: v for k, v in SHORT.items() if k in cls.model_fields}
    config = make_config(experiment.trainer, {**experiment.config, **caps, "device": "cpu"})
    events = []
    summary = registry.load(experiment.trainer, config.backend)(config, events.append, threading.Event())
    assert summary.status == "finished", summary.error
    assert summary.device == "cpu" and summary.framework == config.backend
    assert summary.final, "a run reports what it measured"
    assert events, "a run says what it is doing as it goes"
