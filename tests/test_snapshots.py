"""Pictures of the key screens in both languages (pytest-textual-snapshot).

Home uses the shipped 16-week syllabus (curriculum.toml alone, without the weeks'
lessons); the lesson screen uses the small test tree. So writing lessons does not
churn these pictures; editing the syllabus or the screens does. After an intended change of look:
`pytest tests/test_snapshots.py --snapshot-update`, then review the SVGs.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from tutor.app import TutorApp
from tutor.course import default_lessons_dir, load_tree
from tutor.memory import MemoryMonitor, MemorySample
from tutor.store import Profile, Store

SIZE = (110, 34)
GiB = 2**30


class SteadyMemory(MemoryMonitor):
    """The same reading every second, so a picture of the memory panel is repeatable."""

    def sample(self) -> MemorySample:
        s = MemorySample(time=0.0, total=64 * GiB, used=21 * GiB, available=43 * GiB, swap_used=0, swap_total=0, pressure="normal", process_rss=GiB // 4)
        self.observe(s)
        return s


def app_for(tree_dir, home, lang, position=None) -> TutorApp:
    store = Store.open(home)
    store.save_profile(Profile("principles", "", 8, ["vision", "audio"], "from-scratch", started_on=date(2026, 12, 3)))
    if position:
        store.set_position(*position)
    return TutorApp(load_tree(tree_dir), store, lang, today=date(2026, 12, 3), monitor=SteadyMemory())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home(snap_compare, home, tmp_path, lang):
    syllabus = tmp_path / "syllabus"
    syllabus.mkdir()
    shutil.copy(default_lessons_dir() / "curriculum.toml", syllabus)
    assert snap_compare(app_for(syllabus, home, lang), terminal_size=SIZE)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lesson(snap_compare, mini_tree, home, lang):
    assert snap_compare(app_for(mini_tree, home, lang, position=(1, "memory")), terminal_size=SIZE)
