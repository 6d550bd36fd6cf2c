"""The learner's state, in one SQLite file that survives crashes, upgrades and damage.

Everything the learner does is written the moment it happens: a process that is killed
loses nothing the screen showed as saved. The choices that make that true:

- Every write is one statement in autocommit mode, so it is committed when the call
  returns. WAL with `synchronous=NORMAL` keeps a commit durable across a killed process
  (the WAL is in the OS's hands) while costing no fsync per answer; only a power cut or
  OS crash can lose the last moments.
- One connection per `Store`, shared by the UI thread and worker threads, with a lock
  around every statement: sqlite3 connections are not safe for concurrent use.
- A second tutor process on the same file (the app and `tutor train`, say) is fine: WAL
  lets readers and a writer coexist, and `busy_timeout` makes writers wait their turn
  instead of failing.
- The file is checked on open, through a read-only connection so the check itself can
  change nothing. A damaged file, or one written by a newer tutor, is moved aside (with
  its -wal/-shm siblings) under a new name, never deleted or overwritten; a fresh
  database takes its place and `Store.notice` says where the old one went.
- The schema is versioned from day one (`PRAGMA user_version`), and `MIGRATIONS` brings
  any older file up to date in one transaction at open.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Literal, NamedTuple, get_args

from tutor.paths import db_path, home_dir
from tutor.store_coach import COACH_MIGRATION, CoachRecords
from tutor.store_review import REVIEW_MIGRATION, ReviewCards
from tutor.store_runs import RUNS_MIGRATION, RunRecords

Goal = Literal["principles", "apply"]
Direction = Literal["vision", "language", "control", "audio"]
Depth = Literal["use-apis", "from-scratch", "reproduce-research"]
AnswerKind = Literal["open", "predict", "choice"]

GOALS: tuple[str, ...] = get_args(Goal)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
DEPTHS: tuple[str, ...] = get_args(Depth)
ANSWER_KINDS: tuple[str, ...] = get_args(AnswerKind)

BUSY_TIMEOUT_MS = 5000

# MIGRATIONS[i] brings a database from schema version i to i + 1. Append, never edit:
# a learner's file may be at any earlier version. Enumerations (goal, kind, …) are
# checked in Python, not in CHECK constraints, so a new option needs no table rebuild.
MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    CREATE TABLE profile (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        goal           TEXT NOT NULL,
        goal_detail    TEXT NOT NULL,
        hours_per_week REAL NOT NULL CHECK (hours_per_week > 0),
        direction      TEXT NOT NULL,
        depth          TEXT NOT NULL,
        started_on     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );

    CREATE TABLE answers (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id TEXT NOT NULL,
        kind        TEXT NOT NULL,
        lang        TEXT NOT NULL,
        text        TEXT NOT NULL,
        value       REAL,
        unit        TEXT,
        choice      TEXT,
        correct     INTEGER CHECK (correct IN (0, 1)),
        created_at  TEXT NOT NULL
    );
    CREATE INDEX answers_by_question ON answers (question_id, id);

    CREATE TABLE position (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        week       INTEGER NOT NULL,
        lesson     TEXT,
        updated_at TEXT NOT NULL
    );

    CREATE TABLE lessons_read (
        week    INTEGER NOT NULL,
        slug    TEXT NOT NULL,
        read_at TEXT NOT NULL,
        PRIMARY KEY (week, slug)
    );

    CREATE TABLE weeks_done (
        week    INTEGER PRIMARY KEY,
        done_at TEXT NOT NULL
    );
    """,
    # 1 -> 2: training runs and their metric points (tutor/store_runs.py).
    RUNS_MIGRATION,
    # 2 -> 3: the coach's conversation and the learner's predictions (tutor/store_coach.py).
    COACH_MIGRATION,
    # 3 -> 4: spaced-review cards, Leitner boxes (tutor/store_review.py).
    REVIEW_MIGRATION,
]

SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The learner's data cannot be opened or saved; the message says what to do."""


@dataclass(frozen=True)
class Profile:
    """The onboarding answers, from which the plan is shaped.

    `direction` keeps the learner's order (first = most wanted); a list is accepted and
    stored as a tuple so a Profile stays hashable. `updated_at` is set by the store.
    Values are checked by `Store.save_profile`, not here, so a profile saved by a later
    tutor with a new option can still be read.
    """

    goal: Goal
    goal_detail: str
    hours_per_week: float
    direction: tuple[Direction, ...]
    depth: Depth
    started_on: date = field(default_factory=date.today)
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.direction, list):
            object.__setattr__(self, "direction", tuple(self.direction))


@dataclass(frozen=True)
class Answer:
    """One attempt at one question, exactly as the learner gave it."""

    id: int
    question_id: str
    kind: AnswerKind
    lang: str
    text: str
    value: float | None
    unit: str | None
    choice: str | None
    correct: bool | None
    created_at: datetime


class _Damage(NamedTuple):
    """Why an existing file cannot be used: `tag` names the set-aside copy."""

    tag: Literal["corrupt", "newer"]
    detail: str


class Store(RunRecords, CoachRecords, ReviewCards):
    """The learner's state. Open with `Store.open()`; safe to share between threads."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        notice: str | None = None,
        set_aside: Path | None = None,
    ) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path
        #: A message for the learner when the old file had to be set aside, else None.
        self.notice = notice
        #: Where the old file went (for a localized message or a "show me" action).
        self.set_aside = set_aside

    @classmethod
    def open(cls, home: Path | None = None) -> Store:
        """Open (creating if needed) the store in `home`, default `paths.home_dir()`."""
        home = (home_dir() if home is None else Path(home).expanduser()).absolute()
        _ensure_writable_folder(home)
        path = db_path(home)
        notice = set_aside = None
        damage = _inspect(path)
        if damage is not None:
            set_aside = _move_aside(path, damage.tag)
            notice = (
                f"{damage.detail}. The old file was kept, unchanged, as {set_aside}; "
                f"a new, empty database was started at {path}."
            )
            if damage.tag == "newer":
                notice += " Upgrade tutor and move the old file back to continue with it."
        return cls(_connect(path), path, notice=notice, set_aside=set_aside)

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent); later calls raise StoreError."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    # -- settings ------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not key:
            raise ValueError(f"setting key must be non-empty text, got {key!r}")
        if not isinstance(value, str):
            raise ValueError(f"setting {key!r} must be text, got {type(value).__name__}")
        self._execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- profile -------------------------------------------------------------------

    def get_profile(self) -> Profile | None:
        rows = self._query(
            "SELECT goal, goal_detail, hours_per_week, direction, depth, started_on,"
            " updated_at FROM profile WHERE id = 1"
        )
        if not rows:
            return None
        goal, detail, hours, direction, depth, started_on, updated_at = rows[0]
        return Profile(
            goal=goal,
            goal_detail=detail,
            hours_per_week=float(hours),
            direction=tuple(json.loads(direction)),
            depth=depth,
            started_on=date.fromisoformat(started_on),
            updated_at=datetime.fromisoformat(updated_at),
        )

    def save_profile(self, p: Profile) -> Profile:
        """Replace the profile; return it as stored. ValueError names a bad field."""
        _check_profile(p)
        updated_at = _now()
        self._execute(
            "INSERT OR REPLACE INTO profile (id, goal, goal_detail, hours_per_week,"
            " direction, depth, started_on, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
            (
                p.goal,
                p.goal_detail,
                float(p.hours_per_week),
                json.dumps(list(p.direction)),
                p.depth,
                p.started_on.isoformat(),
                updated_at,
            ),
        )
        return Profile(
            goal=p.goal,
            goal_detail=p.goal_detail,
            hours_per_week=float(p.hours_per_week),
            direction=p.direction,
            depth=p.depth,
            started_on=p.started_on,
            updated_at=datetime.fromisoformat(updated_at),
        )

    # -- answers -------------------------------------------------------------------

    def record_answer(
        self,
        question_id: str,
        kind: AnswerKind,
        text: str,
        lang: str,
        *,
        value: float | None = None,
        unit: str | None = None,
        choice: str | None = None,
        correct: bool | None = None,
    ) -> int:
        """Keep one attempt (every attempt is a new row); return its id."""
        if not isinstance(question_id, str) or not question_id:
            raise ValueError(f"question_id must be non-empty text, got {question_id!r}")
        if kind not in ANSWER_KINDS:
            raise ValueError(f"kind must be one of {', '.join(ANSWER_KINDS)}, got {kind!r}")
        if not isinstance(text, str):
            raise ValueError(f"text must be text, got {type(text).__name__}")
        if not isinstance(lang, str) or not lang:
            raise ValueError(f"lang must be non-empty text, got {lang!r}")
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            # SQLite would store NaN as NULL: refuse rather than lose the prediction.
            raise ValueError(f"value must be a finite number, got {value!r}")
        if correct is not None and not isinstance(correct, bool):
            raise ValueError(f"correct must be True, False or None, got {correct!r}")
        return self._execute(
            "INSERT INTO answers (question_id, kind, lang, text, value, unit, choice,"
            " correct, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                question_id,
                kind,
                lang,
                text,
                None if value is None else float(value),
                unit,
                choice,
                None if correct is None else int(correct),
                _now(),
            ),
        )

    def answers(self, question_id: str | None = None) -> list[Answer]:
        """Every attempt, oldest first; only one question's if `question_id` is given."""
        if question_id is None:
            rows = self._query(f"SELECT {_ANSWER_COLUMNS} FROM answers ORDER BY id")
        else:
            rows = self._query(
                f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE question_id = ? ORDER BY id",
                (question_id,),
            )
        return [_answer(row) for row in rows]

    def latest_answers(self) -> dict[str, Answer]:
        """The most recent attempt at each question that has one."""
        rows = self._query(
            f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE id IN"
            " (SELECT MAX(id) FROM answers GROUP BY question_id) ORDER BY id"
        )
        return {answer.question_id: answer for answer in map(_answer, rows)}

    # -- position and progress -----------------------------------------------------

    def set_position(self, week: int, lesson: str | None) -> None:
        """Remember where the learner is, to resume there next time."""
        _check_week(week)
        if lesson is not None and (not isinstance(lesson, str) or not lesson):
            raise ValueError(f"lesson must be non-empty text or None, got {lesson!r}")
        self._execute(
            "INSERT OR REPLACE INTO position (id, week, lesson, updated_at)"
            " VALUES (1, ?, ?, ?)",
            (week, lesson, _now()),
        )

    def position(self) -> tuple[int, str | None] | None:
        rows = self._query("SELECT week, lesson FROM position WHERE id = 1")
        return (rows[0][0], rows[0][1]) if rows else None

    def mark_lesson_read(self, week: int, slug: str) -> None:
        """Idempotent: the first time a lesson was read is the one kept."""
        _check_week(week)
        if not isinstance(slug, str) or not slug:
            raise ValueError(f"slug must be non-empty text, got {slug!r}")
        self._execute(
            "INSERT OR IGNORE INTO lessons_read (week, slug, read_at) VALUES (?, ?, ?)",
            (week, slug, _now()),
        )

    def lessons_read(self) -> set[tuple[int, str]]:
        rows = self._query("SELECT week, slug FROM lessons_read")
        return {(week, slug) for week, slug in rows}

    def mark_week_done(self, week: int) -> None:
        """Idempotent: the first completion time is the one kept."""
        _check_week(week)
        self._execute(
            "INSERT OR IGNORE INTO weeks_done (week, done_at) VALUES (?, ?)", (week, _now())
        )

    def weeks_done(self) -> set[int]:
        return {week for (week,) in self._query("SELECT week FROM weeks_done")}

    # -- one statement at a time, under the lock -------------------------------------

    def _execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """Run one write; it is committed when this returns. Returns the new rowid."""
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
            except sqlite3.Error as e:
                raise StoreError(f"Could not save to {self.path}: {e}") from e
            return cursor.lastrowid or 0

    def _execute_many(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        """Run one write for many rows, in one transaction."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(sql, rows)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as e:
                raise StoreError(f"Could not save to {self.path}: {e}") from e

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                raise StoreError(f"Could not read {self.path}: {e}") from e


_ANSWER_COLUMNS = (
    "id, question_id, kind, lang, text, value, unit, choice, correct, created_at"
)


def _answer(row: tuple) -> Answer:
    id_, question_id, kind, lang, text, value, unit, choice, correct, created_at = row
    return Answer(
        id=id_,
        question_id=question_id,
        kind=kind,
        lang=lang,
        text=text,
        value=value,
        unit=unit,
        choice=choice,
        correct=None if correct is None else bool(correct),
        created_at=datetime.fromisoformat(created_at),
    )


def _now() -> str:
    """UTC with microseconds: sortable as text and readable in the file itself."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _check_week(week: int) -> None:
    if isinstance(week, bool) or not isinstance(week, int) or week < 0:
        raise ValueError(f"week must be a whole number >= 0, got {week!r}")


def _check_profile(p: Profile) -> None:
    """Raise ValueError naming the first bad field, so the form can point at it."""

    def bad(name: str, why: str, got: object) -> ValueError:
        return ValueError(f"profile.{name} {why}, got {got!r}")

    if p.goal not in GOALS:
        raise bad("goal", f"must be one of {', '.join(GOALS)}", p.goal)
    if not isinstance(p.goal_detail, str):
        raise bad("goal_detail", "must be text", p.goal_detail)
    hours = p.hours_per_week
    if isinstance(hours, bool) or not isinstance(hours, (int, float)):
        raise bad("hours_per_week", "must be a number", hours)
    if not (math.isfinite(hours) and 0 < hours <= 168):
        raise bad("hours_per_week", "must be more than 0 and at most 168", hours)
    if not isinstance(p.direction, tuple) or not p.direction:
        why = f"must list one or more of {', '.join(DIRECTIONS)}"
        raise bad("direction", why, p.direction)
    for d in p.direction:
        if d not in DIRECTIONS:
            raise bad("direction", f"entries must be among {', '.join(DIRECTIONS)}", d)
    if len(set(p.direction)) != len(p.direction):
        raise bad("direction", "must not repeat an entry", p.direction)
    if p.depth not in DEPTHS:
        raise bad("depth", f"must be one of {', '.join(DEPTHS)}", p.depth)
    if isinstance(p.started_on, datetime) or not isinstance(p.started_on, date):
        raise bad("started_on", "must be a date", p.started_on)


# -- opening: folder, inspection, set-aside, connection, migrations --------------------

_FIX = (
    "To use another folder, set TUTOR_HOME to one you can write to "
    "(for example TUTOR_HOME=~/tutor-data)."
)


def _ensure_writable_folder(home: Path) -> None:
    """Create `home` and prove it is writable by writing to it: permission bits lie
    (root, ACLs, read-only mounts, full disks), an actual write does not."""
    if home.exists() and not home.is_dir():
        raise StoreError(f"The tutor data folder {home} exists but is not a folder. {_FIX}")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(
            f"Cannot create the tutor data folder {home} ({e.strerror or e}). {_FIX}"
        ) from e
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=home)
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as e:
        raise StoreError(
            f"The tutor data folder {home} is not writable ({e.strerror or e}). {_FIX}"
        ) from e


# SQLite primary result codes: fixed by the C API. The sqlite3 module names them, and
# puts them on exceptions, only from Python 3.11; 3.10 leaves us the messages.
_SQLITE_BUSY, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 11, 26
_MESSAGES = {
    "database is locked": _SQLITE_BUSY,
    "database disk image is malformed": _SQLITE_CORRUPT,
    "file is not a database": _SQLITE_NOTADB,
}


def _error_code(e: sqlite3.Error) -> int | None:
    """The primary SQLite result code of an error, on any supported Python."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    return next((c for text, c in _MESSAGES.items() if text in str(e)), None)


def _is_damage(e: sqlite3.Error) -> bool:
    """True for "this file is broken", false for "busy", "locked", "cannot open" …:
    only a broken file may be moved aside; the others are reported as they are."""
    return _error_code(e) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _inspect(path: Path) -> _Damage | None:
    """Check an existing file without changing it: is it a sound tutor database that
    this code knows how to read?"""
    if not path.exists():
        return None
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"Cannot read and write {path}. Fix its permissions. {_FIX}")
    try:
        conn = sqlite3.connect(
            path.as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error as e:
        raise StoreError(f"Cannot open {path}: {e}") from e
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.Error as e:
        if _is_damage(e):
            why = f"Your saved progress in {path} could not be read ({e})"
            return _Damage("corrupt", why)
        raise StoreError(f"Cannot read {path}: {e}") from e
    finally:
        conn.close()
    if problems != ["ok"]:
        return _Damage(
            "corrupt", f"Your saved progress in {path} is damaged ({problems[0]})"
        )
    if version > SCHEMA_VERSION:
        return _Damage(
            "newer",
            f"Your saved progress in {path} was written by a newer version of tutor "
            f"(schema {version}; this version knows up to {SCHEMA_VERSION})",
        )
    return None


def _move_aside(path: Path, tag: str) -> Path:
    """Rename `path` and its -wal/-shm siblings to `<name>.<tag>-<local time>`, adding
    `-2`, `-3` … rather than ever replacing an earlier copy. The WAL goes first: a
    stray old WAL next to a fresh database could be replayed into it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        target = path.with_name(f"{path.name}.{tag}-{stamp}" + ("" if n == 1 else f"-{n}"))
        moves = [
            (path.with_name(path.name + s), target.with_name(target.name + s))
            for s in ("-wal", "-shm", "")
        ]
        if not any(dst.exists() for _, dst in moves):
            break
    for src, dst in moves:
        if src.exists():
            try:
                os.rename(src, dst)
            except OSError as e:
                raise StoreError(
                    f"{path} cannot be used and could not be moved aside to {dst} "
                    f"({e.strerror or e}). Move it away yourself. {_FIX}"
                ) from e
    return target


def _connect(path: Path) -> sqlite3.Connection:
    """The one read-write connection: WAL, waits for other writers, schema current."""
    try:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # autocommit: each write is committed on return
            check_same_thread=False,  # shared across threads behind Store._lock
        )
    except sqlite3.Error as e:
        raise StoreError(f"Cannot open {path}: {e}") from e
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    except BaseException as e:
        conn.close()
        if isinstance(e, sqlite3.Error):
            raise StoreError(f"Cannot prepare {path}: {e}") from e
        raise
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying while another process holds the write lock. SQLite
    answers "database is locked" at once here instead of waiting (it would deadlock
    otherwise), so two tutors creating the same new file at once need this loop."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if _error_code(e) != _SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the missing migrations in one transaction. The version is read again
    under the write lock, so two processes opening a new file at once migrate it once."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was just upgraded by a newer version of tutor (schema {version}); "
                "close this one and use the newer version."
            )
        for script in MIGRATIONS[version:]:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, using SQLite's own tokenizer to
    decide where each ends. (`executescript` would commit our open transaction.)"""
    statements, pending = [], ""
    for chunk in script.split(";"):
        pending += chunk + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()!r}")
    return statements
