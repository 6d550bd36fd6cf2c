"""What watching costs: a run inside the app against the same run headless, in one process.

Headless is what `tutor train` does: the run manager, a loop draining the event
queue, no screen. In the app the same run is drawn live on the chart and the memory
panel samples every second. A third variant also presses a key every 100 ms (far
more than a learner does) and times each: from posting it to its action running on
the UI thread. The three are run in turn, several times, so load on this shared
machine falls on all alike. The ratio is taken from the app without the key storm;
the key storm's own throughput is printed too.

Goals: samples/s in the app / headless >= 0.90; key latency p95 <= 50 ms.

    python bench/ui_overhead.py [--repeats 3] [--epochs 40] [--backend torch]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import write_tree  # noqa: E402  (a small lesson tree with an mlp experiment)

from textual import events  # noqa: E402

from tutor.app import TutorApp  # noqa: E402
from tutor.course import load_tree  # noqa: E402
from tutor.runs import RunManager  # noqa: E402
from tutor.store import Profile, Store  # noqa: E402
from tutor.widgets.lab_panel import LabPanel  # noqa: E402


def headless(store, overrides: dict) -> float:
    run = RunManager(store).start("mlp", overrides)
    while run.running:
        run.events()
        time.sleep(0.05)
    run.events()
    return run.join().samples_per_second


async def in_app(store, tree, overrides: dict, keys: bool) -> tuple[float, list[float]]:
    store.set_position(1, "devices")
    app = TutorApp(tree, store, "en")
    latencies: list[float] = []
    async with app.run_test(size=(130, 42)) as pilot:
        await pilot.pause()
        screen = app.screen
        handled: list[float] = []
        original = screen.action_next_experiment

        def timed() -> None:
            handled.append(time.perf_counter())
            original()

        screen.action_next_experiment = timed
        run = app.runs.start("mlp", overrides)
        screen.query_one(LabPanel).follow(run)
        while run.running and not keys:
            await asyncio.sleep(0.1)
        while run.running:
            posted = time.perf_counter()
            before = len(handled)
            app.post_message(events.Key("e", "e"))
            while len(handled) == before and run.running:
                await asyncio.sleep(0.001)
            if len(handled) > before:
                latencies.append(handled[-1] - posted)
            await asyncio.sleep(0.1)
        summary = run.join()
        await pilot.pause()
        chart = screen.query_one(LabPanel).chart
        draws.append((chart.draws, chart.draw_seconds, summary.wall_seconds))
    return summary.samples_per_second, latencies


draws: list[tuple[int, float, float]] = []


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--backend", default="torch", choices=("torch", "mlx"))
    args = parser.parse_args()
    overrides = {"backend": args.backend, "epochs": args.epochs, "device": "cpu"}
    with tempfile.TemporaryDirectory() as tmp:
        tree = load_tree(write_tree(Path(tmp) / "lessons"))
        store = Store.open(Path(tmp) / "home")
        store.save_profile(Profile("apply", "", 8, ["vision"], "use-apis"))
        headless(store, {**overrides, "epochs": 2})  # warm up: imports, first-call costs
        bare, app, pressed, keys = [], [], [], []
        for _ in range(args.repeats):
            bare.append(headless(store, overrides))
            app.append(asyncio.run(in_app(store, tree, overrides, keys=False))[0])
            sps, lat = asyncio.run(in_app(store, tree, overrides, keys=True))
            pressed.append(sps)
            keys += lat
    b, a = statistics.median(bare), statistics.median(app)
    print(f"{args.backend} mlp on digits, {args.epochs} epochs, {args.repeats} runs each, alternating")
    print(f"headless (tutor train):  median {b:,.0f} samples/s   {[round(x) for x in bare]}")
    print(f"in the app, live chart:  median {a:,.0f} samples/s   {[round(x) for x in app]}")
    print(f"ratio app/headless: {a / b:.2f}  (goal >= 0.90)")
    k = statistics.median(pressed)
    print(f"in the app, 10 keys a second: median {k:,.0f} samples/s ({k / b:.2f} of headless)")
    if draws:
        n, secs, wall = map(sum, zip(*draws))
        print(f"chart: {n} redraws, {1000 * secs / n:.1f} ms each, {100 * secs / wall:.1f}% of the runs' wall time")
    if keys:
        ms = [k * 1000 for k in keys]
        print(f"key latency while training: median {statistics.median(ms):.1f} ms, p95 {p95(ms):.1f} ms, max {max(ms):.1f} ms over {len(ms)} keys  (goal p95 <= 50 ms)")


if __name__ == "__main__":
    main()
