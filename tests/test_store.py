"""The learner's store, against real SQLite files in a temporary folder."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import platformdirs
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tutor import paths  # noqa: E402
from tutor.store import MIGRATIONS, Profile, Store, StoreError  # noqa: E402


def a_profile(**changes: object) -> Profile:
    values: dict[str, object] = dict(
        goal="apply",
        goal_detail="把课程视频的音频转成笔记",
        hours_per_week=6.5,
        direction=["audio", "language"],
        depth="from-scratch",
        started_on=date(2025, 3, 1),
    )
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


def run_python(code: str) -> subprocess.Popen[str]:
    """Start a Python process that can import tutor from this checkout."""
    prelude = f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r})\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def set_aside_files(home: Path, tag: str) -> list[Path]:
    """The set-aside databases (not their -wal/-shm siblings)."""
    return sorted(
        p for p in home.glob(f"tutor.db.{tag}-*") if not p.name.endswith(("-wal", "-shm"))
    )


# -- paths -----------------------------------------------------------------------------


def test_tutor_home_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TUTOR_HOME", "~/learner")
    assert paths.home_dir() == tmp_path / "learner"
    assert paths.db_path() == tmp_path / "learner" / "tutor.db"
    assert paths.db_path(tmp_path / "x") == tmp_path / "x" / "tutor.db"


def test_default_home_is_the_platform_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTOR_HOME", raising=False)
    assert paths.home_dir() == platformdirs.user_data_path("tutor", appauthor=False)
    monkeypatch.setenv("TUTOR_HOME", "")
    assert paths.home_dir() == platformdirs.user_data_path("tutor", appauthor=False)


def test_open_without_home_uses_tutor_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "env-home"))
    with Store.open() as store:
        assert store.path == tmp_path / "env-home" / "tutor.db"
        store.set_setting("lang", "zh")
    assert (tmp_path / "env-home" / "tutor.db").is_file()


# -- persistence -------------------------------------------------------------------------


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert store.notice is None
        assert store.get_profile() is None
        assert store.position() is None
        assert store.get_setting("lang") is None
        assert store.get_setting("lang", "en") == "en"
        saved = store.save_profile(a_profile())
        store.set_setting("lang", "zh")
        store.set_position(3, "backprop")
        store.mark_lesson_read(3, "backprop")
        store.mark_lesson_read(3, "backprop")
        store.mark_week_done(1)
        store.mark_week_done(2)
        store.mark_week_done(2)
        answer_id = store.record_answer(
            "w02.mps-speed", "predict", "about 3 s", "en", value=3.0, unit="s"
        )
        store.record_answer("w02.pick", "choice", "B", "zh", choice="b", correct=True)

    with Store.open(tmp_path) as store:
        assert store.notice is None
        assert store.get_profile() == saved
        profile = store.get_profile()
        assert profile is not None
        assert profile.direction == ("audio", "language")
        assert profile.started_on == date(2025, 3, 1)
        assert profile.updated_at is not None
        assert store.get_setting("lang") == "zh"
        assert store.position() == (3, "backprop")
        assert store.lessons_read() == {(3, "backprop")}
        assert store.weeks_done() == {1, 2}
        predicted, picked = store.answers()
        assert predicted.id == answer_id
        assert (predicted.kind, predicted.text, predicted.value, predicted.unit) == (
            "predict",
            "about 3 s",
            3.0,
            "s",
        )
        assert predicted.choice is None and predicted.correct is None
        assert (picked.lang, picked.choice, picked.correct) == ("zh", "b", True)
        assert picked.created_at.tzinfo is not None


def test_replacing_profile_and_position(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.save_profile(a_profile())
        store.save_profile(a_profile(goal="principles", direction=("vision",)))
        store.set_position(1, "intro")
        store.set_position(2, None)
        profile = store.get_profile()
        assert profile is not None
        assert (profile.goal, profile.direction) == ("principles", ("vision",))
        assert store.position() == (2, None)


def test_first_completion_time_is_kept(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.mark_week_done(4)
        first = store._query("SELECT done_at FROM weeks_done WHERE week = 4")
        store.mark_week_done(4)
        assert store._query("SELECT done_at FROM weeks_done WHERE week = 4") == first


def test_every_attempt_is_kept_in_order(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for i in range(5):
            store.record_answer("w01.why", "open", f"try {i}", "en")
            store.record_answer("w01.other", "open", f"other {i}", "zh")
        mine = store.answers("w01.why")
        assert [a.text for a in mine] == [f"try {i}" for i in range(5)]
        assert [a.created_at for a in mine] == sorted(a.created_at for a in mine)
        assert len(store.answers()) == 10
        assert store.answers("w09.none") == []


def test_latest_answer_per_question(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert store.latest_answers() == {}
        store.record_answer("w01.a", "open", "first", "en")
        store.record_answer("w01.b", "choice", "x", "en", choice="x", correct=False)
        store.record_answer("w01.a", "open", "second", "en")
        store.record_answer("w01.b", "choice", "y", "en", choice="y", correct=True)
        store.record_answer("w01.a", "open", "third", "en")
        latest = store.latest_answers()
        assert set(latest) == {"w01.a", "w01.b"}
        assert latest["w01.a"].text == "third"
        assert (latest["w01.b"].choice, latest["w01.b"].correct) == ("y", True)


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("goal", "get-rich"),
        ("goal_detail", None),
        ("hours_per_week", 0),
        ("hours_per_week", -2.0),
        ("hours_per_week", float("nan")),
        ("hours_per_week", "6"),
        ("direction", []),
        ("direction", ["vision", "robots"]),
        ("direction", ["vision", "vision"]),
        ("depth", "deep"),
        ("started_on", "2025-03-01"),
    ],
)
def test_profile_validation_names_the_field(
    tmp_path: Path, field: str, bad: object
) -> None:
    with Store.open(tmp_path) as store:
        with pytest.raises(ValueError, match=field):
            store.save_profile(a_profile(**{field: bad}))
        assert store.get_profile() is None


def test_bad_answers_are_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        with pytest.raises(ValueError, match="kind"):
            store.record_answer("w01.a", "essay", "text", "en")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="value"):
            store.record_answer("w01.a", "predict", "?", "en", value=float("nan"))
        with pytest.raises(ValueError, match="question_id"):
            store.record_answer("", "open", "text", "en")
        assert store.answers() == []


def test_closed_store_raises_store_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.close()
    store.close()
    with pytest.raises(StoreError):
        store.set_setting("lang", "en")


# -- damaged and newer files -------------------------------------------------------------


def test_garbage_file_is_set_aside_and_a_new_store_works(tmp_path: Path) -> None:
    garbage = b"not a database" * 100
    wal = b"not a wal either" * 10
    (tmp_path / "tutor.db").write_bytes(garbage)
    (tmp_path / "tutor.db-wal").write_bytes(wal)

    with Store.open(tmp_path) as store:
        [aside] = set_aside_files(tmp_path, "corrupt")
        assert aside.read_bytes() == garbage
        assert Path(f"{aside}-wal").read_bytes() == wal
        assert store.set_aside == aside
        assert store.notice is not None
        assert str(aside) in store.notice and str(tmp_path / "tutor.db") in store.notice
        assert "kept" in store.notice
        store.record_answer("w01.a", "open", "fresh start", "en")
        assert [a.text for a in store.answers()] == ["fresh start"]

    with Store.open(tmp_path) as store:
        assert store.notice is None
        assert [a.text for a in store.answers()] == ["fresh start"]


def test_damaged_pages_are_set_aside(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for i in range(300):
            store.record_answer("w01.a", "open", "x" * 200 + str(i), "en")
    db = tmp_path / "tutor.db"
    data = bytearray(db.read_bytes())
    page = 4096
    data[3 * page : 6 * page] = b"\xff" * (3 * page)  # wreck a few b-tree pages
    db.write_bytes(bytes(data))

    with Store.open(tmp_path) as store:
        [aside] = set_aside_files(tmp_path, "corrupt")
        assert aside.read_bytes() == bytes(data)
        assert store.notice is not None and str(aside) in store.notice
        assert store.answers() == []


def test_failed_quick_check_is_set_aside(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.record_answer("w01.a", "open", "old answer", "en")
    conn = sqlite3.connect(tmp_path / "tutor.db", isolation_level=None)
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("INSERT INTO scratch VALUES (NULL)")
    conn.execute("PRAGMA writable_schema = ON")  # now a stored row breaks a constraint
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE TABLE scratch (x NOT NULL)'"
        " WHERE name = 'scratch'"
    )
    conn.close()

    with Store.open(tmp_path) as store:
        [aside] = set_aside_files(tmp_path, "corrupt")
        assert store.notice is not None and "NULL value in scratch.x" in store.notice
        assert store.answers() == []
    conn = sqlite3.connect(aside)
    assert conn.execute("SELECT text FROM answers").fetchall() == [("old answer",)]
    conn.close()


def test_newer_schema_is_set_aside_and_never_overwritten(tmp_path: Path) -> None:
    def make_newer(marker: str) -> None:
        with Store.open(tmp_path) as store:
            store.set_setting("marker", marker)
        conn = sqlite3.connect(tmp_path / "tutor.db")
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
        conn.close()

    make_newer("first")
    with Store.open(tmp_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.get_setting("marker") is None
        assert store.notice is not None and "newer" in store.notice
        [first] = set_aside_files(tmp_path, "newer")
        assert str(first) in store.notice

    make_newer("second")  # most likely within the same second: same time stamp
    with Store.open(tmp_path) as store:
        assert store.notice is not None
    asides = set_aside_files(tmp_path, "newer")
    assert len(asides) == 2
    markers = set()
    for aside in asides:
        conn = sqlite3.connect(aside)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 5
        row = conn.execute("SELECT value FROM settings WHERE key = 'marker'").fetchone()
        markers.add(row[0])
        conn.close()
    assert markers == {"first", "second"}


def test_migrations_bring_a_version_zero_file_up_to_date(tmp_path: Path) -> None:
    (tmp_path / "tutor.db").write_bytes(b"")  # an empty file is a valid version-0 db
    with Store.open(tmp_path) as store:
        assert store.notice is None
        assert store.schema_version == len(MIGRATIONS) >= 1
        store.record_answer("w01.a", "open", "ok", "en")
        rows = store._query("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in rows}
        expected = {"settings", "profile", "answers", "position", "lessons_read", "weeks_done"}
        assert expected <= tables
        assert store._query("PRAGMA journal_mode") == [("wal",)]
        assert store._query("PRAGMA foreign_keys") == [(1,)]


def test_migrations_apply_to_a_version_zero_database(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "tutor.db")
    conn.execute("CREATE TABLE scratch (x)")  # a real SQLite file, user_version 0
    conn.commit()
    conn.close()
    with Store.open(tmp_path) as store:
        assert store.notice is None
        assert store.schema_version == len(MIGRATIONS)
        store.set_setting("lang", "en")


# -- unwritable homes --------------------------------------------------------------------


def test_home_under_a_regular_file_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    home = blocker / "home"
    with pytest.raises(StoreError, match="TUTOR_HOME") as caught:
        Store.open(home)
    assert str(home) in str(caught.value)

    with pytest.raises(StoreError) as caught:
        Store.open(blocker)
    assert str(blocker) in str(caught.value)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permission bits"
)
def test_read_only_home_raises(tmp_path: Path) -> None:
    home = tmp_path / "locked"
    home.mkdir()
    home.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="TUTOR_HOME") as caught:
            Store.open(home)
        assert str(home) in str(caught.value)
    finally:
        home.chmod(0o700)


# -- durability and concurrency ----------------------------------------------------------


def test_a_killed_process_loses_nothing_saved(tmp_path: Path) -> None:
    proc = run_python(
        f"""
        import os, signal
        from pathlib import Path
        from tutor.store import Store
        store = Store.open(Path({str(tmp_path)!r}))
        for i in range(50):
            store.record_answer("w01.a", "open", f"saved {{i}}", "en")
        store.set_position(2, "gradients")
        print("saved", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    assert out.strip() == "saved"
    assert (tmp_path / "tutor.db-wal").exists()  # nothing was checkpointed or closed
    with Store.open(tmp_path) as store:
        assert store.notice is None
        assert [a.text for a in store.answers()] == [f"saved {i}" for i in range(50)]
        assert store.position() == (2, "gradients")


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    home = tmp_path / "shared-home"  # created by the racing writers themselves
    writer = """
        import sys, time
        from pathlib import Path
        tag, home, gate = sys.argv[1], Path({home!r}), Path({gate!r})
        (gate / tag).touch()
        deadline = time.monotonic() + 30
        while len(list(gate.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        from tutor.store import Store
        with Store.open(home) as store:
            for i in range(200):
                store.record_answer(f"w01.q{{i % 7}}", "open", f"{{tag}}-{{i}}", "en")
    """
    gate = tmp_path / "gate"
    gate.mkdir()
    code = writer.format(home=str(home), gate=str(gate))
    prelude = f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r})\n"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", prelude + textwrap.dedent(code), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    with Store.open(home) as store:
        assert store.notice is None
        texts = [a.text for a in store.answers()]
    assert sorted(texts) == sorted(f"{tag}-{i}" for tag in "ab" for i in range(200))
    for tag in "ab":  # each writer's answers come back in the order it wrote them
        assert [t for t in texts if t.startswith(tag)] == [f"{tag}-{i}" for i in range(200)]
    conn = sqlite3.connect(home / "tutor.db")
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def test_threads_share_one_store(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with Store.open(tmp_path) as store:

        def write(n: int) -> None:
            try:
                for i in range(50):
                    store.record_answer(f"w01.t{n}", "open", f"{n}-{i}", "en")
                    store.set_setting(f"thread-{n}", str(i))
                    store.latest_answers()
            except BaseException as e:  # surfaced below; a thread cannot fail the test
                errors.append(e)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        answers = store.answers()
        assert len(answers) == 400 == len({a.id for a in answers})
        for n in range(8):
            texts = [a.text for a in store.answers(f"w01.t{n}")]
            assert texts == [f"{n}-{i}" for i in range(50)]
            assert store.get_setting(f"thread-{n}") == "49"
