"""`tutor train`, `tutor trainers`, `tutor data` and `tutor doctor`, run as a learner runs them."""

from __future__ import annotations

import json

from test_cli import run
from tutor.headless import parse_settings


def test_train_json_summary_and_metrics_file(home, tmp_path):
    metrics = tmp_path / "m.jsonl"
    out = run("train", "mlp", "--set", "epochs=2", "--set", "hidden=[32]", "--metrics", str(metrics), "--json", home=home)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["status"] == "finished" and summary["framework"] == "torch" and summary["device"] == "cpu"
    assert summary["steps"] > 0 and summary["samples_per_second"] > 0 and summary["wall_seconds"] > 0
    assert 0 < summary["final"]["test_acc"] <= 1 and summary["process_peak_rss_bytes"] > 0
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert {"train_loss", "val_acc"} <= {p["name"] for p in lines}
    assert all(p["run"] == summary["run"] for p in lines)
    prog = run("progress", "--json", home=home)
    assert prog.returncode == 0


def test_train_mlx_on_cpu_prints_a_summary(home):
    out = run("train", "mlp", "--backend", "mlx", "--device", "cpu", "--set", "epochs=1", home=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("finished: mlx") and "on cpu" in out.stdout and "test_acc" in out.stdout


def test_train_refuses_bad_input_with_exit_2(home):
    assert "unknown trainer 'gpt'; known: autograd, cnn, devbench, mlp" in run("train", "gpt", home=home).stderr
    bad_key = run("train", "mlp", "--set", "epoch=3", home=home)
    assert bad_key.returncode == 2 and "no setting epoch" in bad_key.stderr
    bad_value = run("train", "mlp", "--set", "lr=fast", home=home)
    assert bad_value.returncode == 2 and "lr" in bad_value.stderr
    no_equals = run("train", "mlp", "--set", "lr", home=home)
    assert no_equals.returncode == 2 and "key=value" in no_equals.stderr


def test_train_without_data_or_gpu_fails_clearly(home, tmp_path):
    out = run("train", "mlp", "--set", "dataset=mnist", home=home, env_extra={"TUTOR_DATA": str(tmp_path / "cache")})
    assert out.returncode == 1 and "tutor data fetch mnist" in out.stderr and "Traceback" not in out.stderr
    gpu = run("train", "mlp", "--device", "gpu", home=home)
    assert gpu.returncode == 1 and "device='gpu'" in gpu.stderr and "Traceback" not in gpu.stderr


def test_trainers_lists_fields():
    out = run("trainers", "--json")
    mlp = next(t for t in json.loads(out.stdout) if t["name"] == "mlp")
    assert mlp["name"] == "mlp" and set(mlp["backends"]) == {"torch", "mlx"}
    fields = {f["name"]: f for f in mlp["config"]}
    assert {"dataset", "epochs", "batch_size", "lr", "seed", "device", "threads"} <= set(fields)
    assert "epochs" in run("trainers").stdout


def test_data_list(tmp_path):
    out = run("data", "list", "--json", env_extra={"TUTOR_DATA": str(tmp_path)})
    data = json.loads(out.stdout)
    names = {d["name"]: d for d in data["datasets"]}
    assert names["digits"]["bundled"] and not names["mnist"]["cached"]
    assert data["cache"] == str(tmp_path)
    assert "not cached" in run("data", "list", env_extra={"TUTOR_DATA": str(tmp_path)}).stdout


def test_data_fetch_unknown_name(tmp_path):
    out = run("data", "fetch", "imagenet", env_extra={"TUTOR_DATA": str(tmp_path)})
    assert out.returncode == 1 and "imagenet" in out.stderr


def test_doctor_reports_this_machine_honestly(home):
    out = run("doctor", "--json", home=home)
    checks = {c["name"]: c for c in json.loads(out.stdout)}
    assert out.returncode == 0, out.stdout
    assert checks["torch"]["status"] == "ok" and "device cpu" in checks["torch"]["found"]
    assert checks["mlx"]["status"] == "ok" and "cpu" in checks["mlx"]["found"].lower()
    assert checks["python"]["status"] == "ok"
    assert {"memory", "disk", "data cache", "textual", "librosa", "gymnasium"} <= set(checks)
    text = run("doctor", home=home).stdout
    assert text.startswith("✓ system")


def test_parse_settings():
    assert parse_settings(["lr=0.01", "hidden=[256,128]", "dataset=mnist", "x=true"]) == {
        "lr": 0.01,
        "hidden": [256, 128],
        "dataset": "mnist",
        "x": True,
    }
