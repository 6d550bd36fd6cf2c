"""The MLP trainers, both frameworks, for real on the CPU with the bundled digits.

Kept small and fast: a few epochs of a small model. Speed is measured in
bench/trainer_overhead.py, not here.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from pydantic import ValidationError

from conftest import REPO
from stopping import stop_after_first_loss
from trainers import data, registry
from trainers.api import Metric, Status, Summary
from trainers.configs import MLPConfig
from trainers.devices import DeviceUnavailable, choose_threads

BACKENDS = ["torch", "mlx"]


def run(backend: str, **overrides):
    config = MLPConfig(backend=backend, **{"device": "cpu", **overrides})
    events: list = []
    summary = registry.load("mlp", backend)(config, events.append, threading.Event())
    return summary, events


def metrics(events, name):
    return [e for e in events if isinstance(e, Metric) and e.name == name]


def gpu_present(backend: str) -> bool:
    if backend == "torch":
        import torch

        return torch.backends.mps.is_available()
    import mlx.core as mx

    return mx.metal.is_available()


# ----------------------------------------------------------------------------- training


@pytest.mark.parametrize("backend", BACKENDS)
def test_learns_digits_on_the_cpu(backend):
    summary, events = run(backend, epochs=3, log_every=5)
    losses = [m.value for m in metrics(events, "train_loss")]
    assert losses[0] > 1.5 and losses[-1] < 0.6 * losses[0]  # starts near ln(10) = 2.3
    assert summary.final["test_acc"] > 0.8 and summary.final["val_acc"] > 0.8  # chance: 0.1
    assert summary.status == "finished" and summary.device == "cpu"
    assert summary.framework == backend and summary.framework_version
    steps_per_epoch = -(-len(data.load("digits", 0).x_train) // 64)
    assert summary.steps == 3 * steps_per_epoch and summary.epochs == pytest.approx(3)
    assert summary.samples == 3 * 1295 and summary.samples_per_second > 0
    assert summary.config["backend"] == backend and summary.config["hidden"] == [128]
    assert summary.threads == (1 if backend == "torch" else 0)  # MLX has no thread setting
    if backend == "mlx":
        assert summary.peak_memory_bytes and summary.peak_memory_bytes > 0
    else:
        assert summary.peak_memory_bytes is None  # CPU: no honest counter
    states = [e.state for e in events if isinstance(e, Status)]
    assert states == ["running", "finished"]
    assert len(metrics(events, "val_acc")) == 3 and len(metrics(events, "samples_per_s")) == 3
    Summary.model_validate(summary.model_dump())  # serialisable and complete


@pytest.mark.parametrize("backend", BACKENDS)
def test_emit_is_called_sparingly(backend):
    summary, events = run(backend, epochs=2, log_every=7)
    per_epoch = 3  # val_loss, val_acc, samples_per_s
    assert len(metrics(events, "train_loss")) <= summary.steps // 7 + 1
    assert len(events) <= summary.steps // 7 + 1 + per_epoch * 2 + 4  # + status and log lines
    assert len(events) < summary.steps  # never once per step


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_steps_is_honoured(backend):
    summary, events = run(backend, epochs=50, max_steps=12, log_every=5)
    assert summary.steps == 12 and summary.samples == 12 * 64
    assert summary.status == "finished" and "test_acc" in summary.final
    assert [m.step for m in metrics(events, "train_loss")] == [5, 10, 12]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_is_prompt_and_leaves_a_valid_summary(backend):
    config = MLPConfig(backend=backend, device="cpu", epochs=1000, log_every=5)
    summary, events, seconds = stop_after_first_loss(registry.load("mlp", backend), config)
    assert seconds < 0.5
    assert summary.status == "stopped" and 0 < summary.steps < 1000 * 21
    assert "train_loss" in summary.final and "test_acc" not in summary.final
    assert events[-1] == Status(summary.run, "stopped", events[-1].detail, events[-1].wall)


@pytest.mark.parametrize("backend", BACKENDS)
def test_both_frameworks_see_the_same_batches(backend, monkeypatch):
    seen = []
    original = data.batches

    def recording(n, batch_size, seed, epoch):
        for idx in original(n, batch_size, seed, epoch):
            seen.append(idx.copy())
            yield idx

    monkeypatch.setattr(data, "batches", recording)
    run(backend, max_steps=30, seed=3)
    expected = [b for e in range(2) for b in original(1295, 64, 3, e)][:30]
    assert len(seen) >= 30 and all(np.array_equal(a, b) for a, b in zip(seen[:30], expected))


@pytest.mark.parametrize("backend", BACKENDS)
def test_trains_on_idx_files_from_the_cache(backend, monkeypatch, tmp_path):
    """The mnist path end to end (IDX files, checksums, 784 features), on small files
    made here and put where `tutor data fetch mnist` would put the real ones."""
    import hashlib
    from dataclasses import replace

    from test_data import tiny_idx_set

    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    _, blobs = tiny_idx_set()
    files = []
    for name, blob in blobs.items():
        (tmp_path / "mnist" / name).write_bytes(blob)
        files.append(data.DataFile(name, len(blob), hashlib.sha256(blob).hexdigest(), ()))
    monkeypatch.setitem(data.DATASETS, "mnist", replace(data.DATASETS["mnist"], files=tuple(files)))
    summary, _ = run(backend, dataset="mnist", epochs=2, batch_size=8)
    assert summary.status == "finished" and summary.dataset == "mnist"
    assert summary.samples == 2 * 30 and summary.steps == 2 * 4  # 40 images, 10 held out for validation
    assert 0 <= summary.final["test_acc"] <= 1


def test_same_seed_same_run_different_seed_different_run():
    a, _ = run("torch", max_steps=20)
    b, _ = run("torch", max_steps=20)
    c, _ = run("torch", max_steps=20, seed=1)
    assert a.final["train_loss"] == b.final["train_loss"] != c.final["train_loss"]


# ----------------------------------------------------------------------------- devices


@pytest.mark.parametrize("backend", BACKENDS)
def test_asking_for_a_missing_gpu_is_an_error(backend):
    if gpu_present(backend):
        pytest.skip("this machine has the GPU")
    with pytest.raises(DeviceUnavailable, match="MPS" if backend == "torch" else "Metal"):
        run(backend, device="gpu")


@pytest.mark.parametrize("backend", BACKENDS)
def test_auto_reports_the_device_that_ran(backend):
    summary, _ = run(backend, device="auto", max_steps=2)
    expected = ("mps" if backend == "torch" else "gpu") if gpu_present(backend) else "cpu"
    assert summary.device == expected


def test_choose_threads():
    assert choose_threads(3, 10) == 3
    assert choose_threads(0, 100_000) == 1
    assert 1 <= choose_threads(0, 50_000_000) <= (os.cpu_count() or 1)


def test_missing_dataset_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    with pytest.raises(data.DatasetNotCached, match="tutor data fetch mnist"):
        run("torch", dataset="mnist")


# ----------------------------------------------------------------------------- registry and configs


def test_registry_and_configs_import_no_framework():
    script = (
        "import sys, json\n"
        "import trainers.api, trainers.configs, trainers.registry as r\n"
        "assert r.names() == {'mlp', 'cnn', 'devbench', 'autograd'}\n"
        "r.config_class('mlp')(epochs=2)\n"
        "r.config_class('cnn')(epochs=2)\n"
        "json.dumps(r.describe())\n"
        "heavy = {'torch', 'mlx', 'numpy', 'sklearn', 'scipy', 'pooch'}\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"imported at start-up: {out.stdout.strip()}"


def test_registry_resolves_and_describes():
    from trainers import mlp_mlx, mlp_torch

    assert registry.load("mlp", "torch") is mlp_torch.train
    assert registry.load("mlp", "mlx") is mlp_mlx.train
    assert registry.config_class("mlp") is MLPConfig
    entry = next(e for e in registry.describe() if e["name"] == "mlp")
    assert entry["name"] == "mlp" and entry["backends"] == ["torch", "mlx"]
    assert set(entry["description"]) == {"zh", "en"}
    fields = {f["name"]: f for f in entry["config"]}
    assert fields["hidden"]["type"] == "list[int]" and fields["hidden"]["default"] == [128]
    assert fields["dataset"]["choices"] == ["digits", "mnist", "fashion-mnist"]
    assert fields["lr"]["type"] == "float" and fields["lr"]["description"]


def test_unknown_trainer_or_backend_lists_the_known_ones():
    with pytest.raises(registry.UnknownTrainer, match="unknown trainer 'rnn'; known: autograd, cnn, devbench, mlp") as err:
        registry.load("rnn", "torch")
    assert isinstance(err.value, KeyError) and not str(err.value).startswith("'")
    with pytest.raises(registry.UnknownTrainer, match="no backend 'jax'; known: torch, mlx"):
        registry.load("mlp", "jax")
    with pytest.raises(registry.UnknownTrainer):
        registry.config_class("rnn")


@pytest.mark.parametrize(
    "bad",
    [
        {"epochs": 0},
        {"lr": -1},
        {"batch_size": 0},
        {"hidden": []},
        {"hidden": [0]},
        {"hidden": [64] * 9},
        {"dataset": "cifar10"},
        {"backend": "jax"},
        {"device": "cuda"},
        {"val_fraction": 1.0},
        {"log_every": 0},
        {"epochs": "many"},
        {"learning_rate": 0.1},  # a typo is an error, not silently ignored
    ],
)
def test_bad_config_values_are_rejected(bad):
    with pytest.raises(ValidationError):
        MLPConfig(**bad)


def test_defaults_are_the_documented_ones():
    c = MLPConfig()
    assert (c.dataset, c.hidden, c.epochs, c.batch_size, c.lr, c.backend, c.device) == ("digits", [128], 10, 64, 3e-3, "torch", "auto")


def test_trainers_import_neither_tutor_nor_textual():
    for path in (REPO / "trainers").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in {"tutor", "textual"}, f"{path.name} imports {name}"
