"""Time to first screen: `tutor` against a minimal Textual app, alternating, in one run.

Each sample is a fresh interpreter (as a learner pays it) that starts the app
headless, waits for the first screen to settle, and exits. The two are run in turn,
so load on this shared machine falls on both alike; medians and their ratio are
printed. Goal: tutor / minimal <= 1.5.

    python bench/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MINIMAL = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello")

async def first_screen(pilot):
    await pilot.pause()
    pilot.app.exit()

Minimal().run(headless=True, size=(120, 40), auto_pilot=first_screen)
"""

TUTOR = """
import sys
from tutor.cli import _load_course, resolve_lang
from tutor.store import Store
from tutor.app import TutorApp

async def first_screen(pilot):
    await pilot.pause()
    pilot.app.exit()

store = Store.open()
if store.get_profile() is None:  # a returning learner: straight back into week 1's lesson
    from tutor.store import Profile
    store.save_profile(Profile("apply", "", 8, ["vision"], "use-apis"))
    store.set_position(1, None)
app = TutorApp(_load_course(), store, resolve_lang(None, store))
app.run(headless=True, size=(120, 40), auto_pilot=first_screen)
heavy = {"torch", "mlx", "librosa", "gymnasium"} & {m.split(".")[0] for m in sys.modules}
assert not heavy, heavy
"""


def sample(code: str, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env, capture_output=True, timeout=120)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    import os

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, TUTOR_HOME=home)
        sample(TUTOR, env)  # warm the page cache and create the learner once
        sample(MINIMAL, env)
        minimal, tutor = [], []
        for _ in range(args.runs):
            minimal.append(sample(MINIMAL, env))
            tutor.append(sample(TUTOR, env))
    m, t = statistics.median(minimal), statistics.median(tutor)
    print(f"minimal Textual app: median {m:.3f} s  (min {min(minimal):.3f}, max {max(minimal):.3f})")
    print(f"tutor, first screen: median {t:.3f} s  (min {min(tutor):.3f}, max {max(tutor):.3f})")
    print(f"ratio tutor/minimal: {t / m:.2f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
