"""Where the learner's data lives on disk.

One folder holds everything the tutor saves for a learner (the database, later caches
and notes). By default it is the platform's user data folder (`~/Library/Application
Support/tutor` on macOS, `~/.local/share/tutor` on Linux), so it survives upgrades and
is where a Mac user expects application data. `TUTOR_HOME` overrides it: for tests, for
a second learner on the same machine, or when the default folder is not writable.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "tutor"
DB_NAME = "tutor.db"


def home_dir() -> Path:
    """The tutor's data folder: `TUTOR_HOME` if set and not empty, else the platform's.

    An empty `TUTOR_HOME` counts as unset, so `TUTOR_HOME= tutor` does not quietly put
    the database in the current directory. The folder is not created here; the store
    creates it and reports clearly when it cannot.
    """
    override = os.environ.get("TUTOR_HOME", "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def db_path(home: Path | None = None) -> Path:
    """The learner database inside `home` (default: `home_dir()`)."""
    return (home if home is not None else home_dir()) / DB_NAME
