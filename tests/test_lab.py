"""The live lab in the app: a real trainer in a background thread, drawn as it runs.

The trainer is the real MLP on the bundled digits, on the CPU, with enough epochs
that it is still running when the test presses stop.
"""

from __future__ import annotations

import time

from tutor.app import TutorApp
from tutor.course import load_tree
from tutor.store import Profile, Store
from tutor.runs import eta_seconds
from tutor.widgets.lab_panel import LabPanel
from tutor.widgets.run_chart import RunChart, Series


def make_app(tree_dir, home) -> TutorApp:
    store = Store.open(home)
    store.save_profile(Profile("principles", "", 8, ["vision"], "from-scratch"))
    store.set_position(1, "devices")
    return TutorApp(load_tree(tree_dir), store, "en")


async def wait_for(pilot, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


async def test_run_from_lesson_draws_points_and_stops(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.experiment.id == "w01.bench"
        await pilot.press("e")
        assert screen.experiment.id == "w01.mlp"
        await pilot.press("r")
        run = app.runs.current
        assert run is not None and run.experiment_id == "w01.mlp"
        chart = screen.query_one(RunChart)
        await wait_for(pilot, lambda: len(chart.series.get("train_loss", ())) >= 3)
        assert chart.draws > 1
        # Moving between lessons while it trains keeps the run (key latency is
        # measured in bench/ui_overhead.py: the pilot waits for idle after each key).
        await pilot.press("b")
        assert screen.lesson.slug == "memory" and run.running
        await pilot.press("s")
        stopped_at = time.monotonic()
        await wait_for(pilot, lambda: not run.running, timeout=10)
        assert time.monotonic() - stopped_at < 2.0
        await wait_for(pilot, lambda: screen.query_one(LabPanel).state == "stopped", timeout=5)
    summary = run.summary
    assert summary.status == "stopped" and summary.device == "cpu" and summary.framework == "torch"
    assert 0 < summary.steps < 400 * 21
    record = Store.open(home).runs()[0]
    assert record.id == run.id and record.status == "stopped" and record.experiment_id == "w01.mlp"
    assert record.config["epochs"] == 400 and record.device == "cpu"
    assert len(Store.open(home).run_metrics(run.id, "train_loss")) >= 3


async def test_failing_run_is_shown_and_app_lives(mini_tree, home, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA", str(tmp_path / "empty-cache"))
    app = make_app(mini_tree, home)
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.experiment_index = 1
        app.runs.start("mlp", {"dataset": "mnist"}, experiment_id="w01.mlp")
        screen.query_one(LabPanel).follow(app.runs.current)
        panel = screen.query_one(LabPanel)
        await wait_for(pilot, lambda: panel.state == "failed")
        await pilot.pause()
        log = str(screen.query_one("#lab-log").render())
        assert "tutor data fetch mnist" in log
        await pilot.press("b")  # still alive and navigable
        assert screen.lesson.slug == "memory"
    assert Store.open(home).runs()[0].status == "failed"


async def test_unknown_trainer_in_a_lesson_is_a_message(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.pause()
        assert app.screen.experiment.trainer == "speedtest"
        await pilot.press("r")
        await pilot.pause()
        assert app.runs.current is None
        assert any("unknown trainer 'speedtest'" in n.message for n in app._notifications)


def test_series_thins_evenly_and_keeps_the_newest_point():
    s = Series(limit=100)
    for i in range(1000):
        s.add(i, float(i))
    assert 50 <= len(s) <= 101
    xs, _ys = s.points()
    assert xs[0] == 0 and xs[-1] == 999  # the newest point is always drawn
    gaps = {b - a for a, b in zip(s.xs, s.xs[1:])}
    assert gaps == {s.stride}  # evenly spaced, so the curve keeps its shape


def test_eta():
    assert eta_seconds(10, 2.5, 5) == 10
    assert eta_seconds(10, 0, 5) is None
    assert eta_seconds(10, 0.1, 5, step=50, max_steps=100) == 10


async def test_device_bench_from_the_app_draws_measurements(mini_tree, home):
    app = make_app(mini_tree, home)
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(LabPanel)
        run = app.runs.start("devbench", {"sizes": [64, 128], "channels": [4], "repeats": 1})
        panel.follow(run)
        await wait_for(pilot, lambda: panel.state == "finished")
        await pilot.pause()
        chart = panel.chart
        assert {"cpu GFLOP/s", "cpu step ms"} <= set(chart.series)
        assert chart.series["cpu GFLOP/s"].points()[0] == [64, 128]
        assert "GFLOP/s" in str(chart.render())
    record = Store.open(home).runs()[0]
    assert record.trainer == "devbench" and record.status == "finished" and record.device == "cpu"
    assert record.summary["final"]["cpu_gflops_128"] > 0
