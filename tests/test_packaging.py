"""A wheel (a non-editable install) carries the lessons, the styles and the trainers.

The wheel is built from this checkout and imported from its unpacked files in a
fresh interpreter with the editable install's finder removed, so the import can only
succeed from what the wheel holds.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import REPO

PROBE = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path.insert(0, {where!r})
from tutor.course import default_lessons_dir, load_tree, counts
import tutor, trainers.registry
root = default_lessons_dir()
assert str(root).startswith({where!r}), root
assert tutor.__file__.startswith({where!r}), tutor.__file__
c = counts(load_tree(root))
print(c["weeks"], c["weeks_written"])
"""


def test_wheel_ships_lessons_and_loads_them(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("tutor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("tutor/lessons/curriculum.toml", "tutor/lessons/w01/week.toml", "tutor/app.tcss", "trainers/registry.py"):
        assert needed in names, f"{needed} missing from {wheel.name}"
    assert any(n.startswith("tutor/lessons/w01/") and n.endswith(".zh.md") for n in names)

    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(where=str(unpacked))], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert out.returncode == 0, out.stderr
    weeks, written = map(int, out.stdout.split())
    assert weeks == 16 and written >= 1
