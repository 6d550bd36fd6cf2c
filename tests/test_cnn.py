"""The CNN trainers, both frameworks, for real on the CPU.

Kept small: digits (8x8) for training, tiny CIFAR-shaped files made here for the
cifar10 path. MLX's Linux CPU wheel runs convolutions slowly, so MLX runs here are a
few epochs of digits at most. Speed is measured in bench/trainer_overhead.py, not here.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from pydantic import ValidationError

from stopping import stop_after_first_loss
from trainers import data, registry
from trainers.api import Log, Metric, Status, Summary, TrainerError
from trainers.configs import CNNConfig

BACKENDS = ["torch", "mlx"]


def run(backend: str, **overrides):
    config = CNNConfig(backend=backend, **{"device": "cpu", **overrides})
    events: list = []
    summary = registry.load("cnn", backend)(config, events.append, threading.Event())
    return summary, events


def metrics(events, name):
    return [e for e in events if isinstance(e, Metric) and e.name == name]


# ----------------------------------------------------------------------------- training


@pytest.mark.parametrize("backend", BACKENDS)
def test_learns_digits_on_the_cpu(backend):
    summary, events = run(backend, epochs=4, log_every=5)
    losses = [m.value for m in metrics(events, "train_loss")]
    assert losses[0] > 1.5 and losses[-1] < 0.5 * losses[0]  # starts near ln(10) = 2.3
    assert summary.final["test_acc"] > 0.75 and summary.final["val_acc"] > 0.75  # chance: 0.1
    assert summary.status == "finished" and summary.device == "cpu" and summary.trainer == "cnn"
    assert summary.framework == backend and summary.framework_version and summary.dataset == "digits"
    assert summary.steps == 4 * 21 and summary.epochs == pytest.approx(4)  # 1,295 images, batch 64
    assert summary.samples == 4 * 1295 and summary.samples_per_second > 0
    assert summary.config["channels"] == [16, 32] and summary.config["augment"] is False
    assert summary.threads == (1 if backend == "torch" else 0)  # MLX has no thread setting
    assert (summary.peak_memory_bytes or 0) > 0 if backend == "mlx" else summary.peak_memory_bytes is None
    assert [e.state for e in events if isinstance(e, Status)] == ["running", "finished"]
    assert len(metrics(events, "val_acc")) == 4 and len(metrics(events, "samples_per_s")) == 4
    assert len(losses) <= summary.steps // 5 + 1 and len(events) < summary.steps  # never once per step
    log = " ".join(e.message for e in events if isinstance(e, Log))
    assert "8x8x1" in log and "25,274 parameters" in log
    Summary.model_validate(summary.model_dump())


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_steps_is_honoured(backend):
    summary, events = run(backend, epochs=50, max_steps=12, log_every=5)
    assert summary.steps == 12 and summary.samples == 12 * 64
    assert summary.status == "finished" and "test_acc" in summary.final
    assert [m.step for m in metrics(events, "train_loss")] == [5, 10, 12]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_is_prompt_and_leaves_a_valid_summary(backend):
    config = CNNConfig(backend=backend, device="cpu", epochs=1000, log_every=5)
    summary, events, seconds = stop_after_first_loss(registry.load("cnn", backend), config)
    assert seconds < 0.5
    assert summary.status == "stopped" and 0 < summary.steps < 1000 * 21
    assert "train_loss" in summary.final and "test_acc" not in summary.final
    assert events[-1] == Status(summary.run, "stopped", events[-1].detail, events[-1].wall)


def test_both_frameworks_train_on_the_same_augmented_batches(monkeypatch):
    """Augmentation happens in numpy, from (seed, epoch, step): torch and MLX get the
    very same crops, in the same order, and a digit is never mirrored."""
    seen: dict[str, list] = {"torch": [], "mlx": []}
    original = data.augment
    backend = "torch"

    def recording(images, pad, flip, seed, epoch, step):
        out = original(images, pad, flip, seed, epoch, step)
        seen[backend].append(((pad, flip, seed, epoch, step), images.copy(), out.copy()))
        return out

    monkeypatch.setattr(data, "augment", recording)
    for backend in BACKENDS:
        summary, events = run(backend, augment=True, max_steps=25, seed=4)  # 21 steps an epoch: crosses into epoch 1
        assert summary.steps == 25
    assert "random crops ±1 px (no flips" in " ".join(e.message for e in events if isinstance(e, Log))
    torch_calls, mlx_calls = seen["torch"], seen["mlx"]
    assert len(torch_calls) == len(mlx_calls) == 25
    assert [c[0] for c in torch_calls] == [c[0] for c in mlx_calls]
    assert [c[0][3:] for c in torch_calls] == [(0, s) for s in range(21)] + [(1, s) for s in range(21, 25)]
    assert all(args[:3] == (1, False, 4) for args, _, _ in torch_calls)  # 8x8: 1 px, digits: no flips
    for (_, xa, oa), (_, xb, ob) in zip(torch_calls, mlx_calls):
        assert np.array_equal(xa, xb) and np.array_equal(oa, ob)
    assert not all(np.array_equal(x, o) for _, x, o in torch_calls)  # it did move the images


def test_same_seed_same_run_with_augmentation():
    a, _ = run("torch", augment=True, max_steps=15)
    b, _ = run("torch", augment=True, max_steps=15)
    c, _ = run("torch", augment=True, max_steps=15, seed=1)
    assert a.final["train_loss"] == b.final["train_loss"] != c.final["train_loss"]


# ----------------------------------------------------------------------------- one architecture, two layouts


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
def test_the_two_files_build_the_same_network(shape):
    """With torch's weights copied into the MLX model (conv weights turned from
    out,in,kh,kw to out,kh,kw,in; the first dense layer's inputs from channel-first to
    channel-last order), both give the same class scores for the same images."""
    import mlx.core as mx
    import torch
    from mlx.utils import tree_flatten

    from trainers import cnn_mlx, cnn_torch

    channels, hidden = [4, 8], 16
    torch.manual_seed(0)
    t_model = cnn_torch.CNN(shape, channels, hidden, 10)
    m_model = cnn_mlx.CNN(shape, channels, hidden, 10)
    assert sum(p.numel() for p in t_model.parameters()) == sum(p.size for _, p in tree_flatten(m_model.parameters()))

    h, w = shape[0] >> len(channels), shape[1] >> len(channels)
    weights = []
    for name, value in t_model.state_dict().items():
        value = value.detach()
        if name.startswith("features.") and value.ndim == 4:
            value = value.permute(0, 2, 3, 1)  # (out, in, kh, kw) -> (out, kh, kw, in)
        if name == "hidden.weight":
            value = value.reshape(hidden, channels[-1], h, w).permute(0, 2, 3, 1).reshape(hidden, -1)  # C,H,W -> H,W,C inputs
        weights.append((name.replace("features.", "features.layers."), mx.array(value.contiguous().numpy())))
    m_model.load_weights(weights)

    images = np.random.default_rng(0).random((5, *shape), dtype=np.float32)  # (N, H, W, C), as data.py gives
    with torch.no_grad():
        t_out = t_model(cnn_torch.to_nchw(images, torch.device("cpu"))).numpy()
    m_out = np.array(m_model(mx.array(images)))
    assert t_out.shape == m_out.shape == (5, 10)
    np.testing.assert_allclose(m_out, t_out, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_too_many_blocks_for_the_image_is_a_clear_error(backend):
    module = __import__(f"trainers.cnn_{backend}", fromlist=["CNN"])
    with pytest.raises(TrainerError, match="4 conv blocks halve a 8x8 image 4 times.*at most 3"):
        module.CNN((8, 8, 1), [8, 8, 8, 8], 16, 10)
    module.CNN((8, 8, 1), [8, 8, 8], 16, 10)  # 8 -> 4 -> 2 -> 1: fine


# ----------------------------------------------------------------------------- other datasets


@pytest.mark.parametrize("backend", BACKENDS)
def test_trains_on_cifar10_from_the_cache(backend, monkeypatch, tmp_path):
    """The cifar10 path end to end (tarball, checksum, binary records, 32x32x3, crops
    and flips), on a tiny tarball made here and put where `tutor data fetch cifar10`
    would put the real one."""
    from test_data import cifar_table, tiny_cifar_tarball

    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    _, blob = tiny_cifar_tarball()
    (tmp_path / "cifar10").mkdir()
    (tmp_path / "cifar10" / "cifar-10-binary.tar.gz").write_bytes(blob)
    monkeypatch.setitem(data.DATASETS, "cifar10", cifar_table(blob)["cifar10"])
    summary, events = run(backend, dataset="cifar10", channels=[4, 8], hidden=16, epochs=2, batch_size=8, augment=True)
    assert summary.status == "finished" and summary.dataset == "cifar10"
    assert summary.samples == 2 * 40 and summary.steps == 2 * 5  # 50 images, 10 held out for validation
    assert 0 <= summary.final["test_acc"] <= 1
    log = " ".join(e.message for e in events if isinstance(e, Log))
    assert "32x32x3" in log and "random crops ±4 px, horizontal flips" in log


def test_trains_on_synthetic_cifar():
    summary, events = run("torch", dataset="synthetic-cifar", max_steps=3, batch_size=32)
    assert summary.status == "finished" and summary.dataset == "synthetic-cifar" and summary.steps == 3
    assert "4500 train" in " ".join(e.message for e in events if isinstance(e, Log))


def test_missing_cifar10_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path))
    with pytest.raises(data.DatasetNotCached, match="tutor data fetch cifar10"):
        run("torch", dataset="cifar10")


# ----------------------------------------------------------------------------- registry and config


def test_registry_resolves_and_describes_the_cnn():
    from trainers import cnn_mlx, cnn_torch

    assert registry.load("cnn", "torch") is cnn_torch.train
    assert registry.load("cnn", "mlx") is cnn_mlx.train
    assert registry.config_class("cnn") is CNNConfig
    entry = next(e for e in registry.describe() if e["name"] == "cnn")
    assert entry["backends"] == ["torch", "mlx"] and set(entry["description"]) == {"zh", "en"}
    fields = {f["name"]: f for f in entry["config"]}
    assert fields["channels"]["type"] == "list[int]" and fields["channels"]["default"] == [16, 32]
    assert fields["augment"]["type"] == "bool" and fields["augment"]["default"] is False
    assert fields["dataset"]["choices"] == ["digits", "mnist", "fashion-mnist", "cifar10", "synthetic-cifar"]
    assert all(f["description"] for f in entry["config"])


def test_defaults_are_the_documented_ones():
    c = CNNConfig()
    assert (c.dataset, c.channels, c.hidden, c.augment, c.crop_padding, c.epochs, c.batch_size, c.lr) == (
        "digits", [16, 32], 64, False, 0, 8, 64, 3e-3,
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"channels": []},
        {"channels": [0]},
        {"channels": [8] * 5},
        {"hidden": 0},
        {"dataset": "imagenet"},
        {"dataset": "cifar-10"},
        {"crop_padding": -1},
        {"crop_padding": 9},
        {"augment": "sometimes"},
        {"kernel": 5},  # a typo or an unknown knob is an error, not silently ignored
    ],
)
def test_bad_config_values_are_rejected(bad):
    with pytest.raises(ValidationError):
        CNNConfig(**bad)
