"""The first screen comes up without torch, mlx, librosa or gymnasium loaded.

`import torch` alone costs more than the whole app's start-up; the live lab loads the
frameworks when a run starts. Checked in a fresh interpreter, so nothing an earlier
test imported can hide a leak.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

HEAVY = ("torch", "mlx", "librosa", "gymnasium", "numpy", "sklearn")

SCRIPT = """
import asyncio, sys, tempfile
from pathlib import Path
from tutor.cli import _load_course
from tutor.store import Store, Profile
from tutor.app import TutorApp
from tutor.screens.lesson import LessonScreen

async def first_screens():
    home = Path(tempfile.mkdtemp())
    store = Store.open(home)
    store.save_profile(Profile("apply", "", 6, ["vision"], "use-apis"))
    store.set_position(1, None)
    app = TutorApp(_load_course(), store, "zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen), app.screen
        await pilot.press("h", "p", "escape", "question_mark")
        await pilot.pause()

asyncio.run(first_screens())
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
print(",".join(loaded))
"""


def test_first_screen_loads_no_heavy_framework():
    out = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n" + SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"loaded at start-up: {out.stdout.strip()}"
