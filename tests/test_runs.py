"""The run manager with real trainers and a real store: records, failures, stops, interruptions."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from conftest import REPO
from trainers.api import Metric, Status
from tutor.runs import RunError, RunManager, explain_failure, make_config
from tutor.store import Store


def drain_until_done(run, timeout=120):
    events = []
    deadline = time.monotonic() + timeout
    while True:
        events += run.events()
        if any(isinstance(e, Status) and e.state in ("finished", "stopped", "failed") for e in events):
            return events
        assert time.monotonic() < deadline, "run did not end"
        time.sleep(0.02)


@pytest.mark.parametrize("backend", ["torch", "mlx"])
def test_a_run_is_recorded_with_its_metrics(tmp_path, backend):
    store = Store.open(tmp_path)
    manager = RunManager(store)
    run = manager.start("mlp", {"backend": backend, "epochs": 2, "hidden": [32]}, experiment_id="w03.x")
    events = drain_until_done(run)
    summary = run.join()
    assert summary.status == "finished" and summary.framework == backend and summary.device == "cpu"
    metrics = [e for e in events if isinstance(e, Metric)]
    assert {"train_loss", "val_loss", "val_acc"} <= {m.name for m in metrics}
    # Not one event per step: the trainer reads values back every log_every steps.
    assert len([m for m in metrics if m.name == "train_loss"]) <= summary.steps // run.config.log_every + 2
    record = store.runs()[0]
    assert record.status == "finished" and record.backend == backend and record.experiment_id == "w03.x"
    assert record.summary["final"]["test_acc"] > 0.5
    assert record.peak_memory_bytes and record.peak_memory_bytes > 0
    saved = store.run_metrics(run.id, "train_loss")
    assert len(saved) == len([m for m in metrics if m.name == "train_loss"])


def test_one_run_at_a_time(tmp_path):
    manager = RunManager(Store.open(tmp_path))
    run = manager.start("mlp", {"epochs": 300})
    with pytest.raises(RunError, match="already training"):
        manager.start("mlp", {})
    run.request_stop()
    assert run.join(5).status == "stopped"


def test_bad_settings_are_refused_before_anything_runs(tmp_path):
    store = Store.open(tmp_path)
    manager = RunManager(store)
    with pytest.raises(RunError, match="unknown trainer 'gpt'"):
        manager.start("gpt", {})
    with pytest.raises(RunError, match="no setting colour"):
        manager.start("mlp", {"colour": "red"})
    with pytest.raises(RunError, match="batch_size"):
        make_config("mlp", {"batch_size": 0})
    assert store.runs() == []


def test_a_crashing_trainer_becomes_a_failed_run(tmp_path, monkeypatch):
    import trainers.registry as registry

    def explode(config, emit, stop):
        emit(Metric("x", 1, 0.1, "train_loss", 2.0))
        raise RuntimeError("MPS backend out of memory (MPS allocated: 30 GB)")

    monkeypatch.setitem(registry.TRAINERS, "boom", {**registry.TRAINERS["mlp"], "backends": {"torch": "test_runs:EXPLODE"}})
    monkeypatch.setattr(sys.modules[__name__], "EXPLODE", explode, raising=False)
    store = Store.open(tmp_path)
    run = RunManager(store).start("boom", {})
    drain_until_done(run)
    summary = run.join()
    assert summary.status == "failed"
    assert summary.error.startswith("out of memory:") and "smaller batch_size" in summary.error
    record = store.runs()[0]
    assert record.status == "failed" and record.error == summary.error
    assert store.run_metrics(run.id) == [(1, 0.1, "train_loss", 2.0)]  # what it did before failing is kept


def test_explain_failure_passes_learner_errors_through():
    from trainers.data import DatasetNotCached

    err = DatasetNotCached("mnist is not downloaded yet: run `tutor data fetch mnist`")
    assert explain_failure(err) == "mnist is not downloaded yet: run `tutor data fetch mnist`"
    assert explain_failure(ValueError("x")) == "ValueError: x"


def test_a_killed_process_leaves_an_interrupted_run(tmp_path):
    script = (
        "import sys, time; sys.path.insert(0, %r)\n"
        "from tutor.store import Store\nfrom tutor.runs import RunManager\n"
        "run = RunManager(Store.open(%r)).start('mlp', {'epochs': 1000})\n"
        "print('started', flush=True); time.sleep(60)\n"
    ) % (str(REPO), str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    proc.kill()
    proc.wait()
    store = Store.open(tmp_path)
    assert store.runs()[0].status == "running"
    gone = store.mark_interrupted_runs()
    record = store.runs()[0]
    assert gone == [record.id] and record.status == "interrupted" and "ended while" in record.error
    # A run of a process that is still alive (this one) is left alone.
    store.begin_run("live", "mlp", "torch", {}, None)
    assert store.mark_interrupted_runs() == []
    assert {r.id: r.status for r in store.runs()}["live"] == "running"
