"""The headless commands, run as a learner runs them: a real process, a real home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

from conftest import REPO
from tutor.cli import main, resolve_lang
from tutor.store import Profile, Store


def run(*args, home=None, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    if home is not None:
        env["TUTOR_HOME"] = str(home)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip().startswith("tutor 0.")


def test_lessons_check_shipped_tree_counts():
    out = run("lessons", "check", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] and data["phases"] == 5 and data["weeks"] == 16
    week1 = data["per_week"][0]
    assert week1["questions"]["zh"] == week1["questions"]["en"] >= 4
    assert week1["checkpoint"] is True


def test_lessons_check_lists_every_problem_and_exits_1(tmp_path):
    from conftest import WEEK1, write_tree

    root = write_tree(tmp_path / "lessons", week1=WEEK1.replace('answer = "b"', 'answer = "q"').replace('kind = "open"', 'kind = "essay"'))
    out = run("lessons", "check", str(root))
    assert out.returncode == 1
    assert "2 problem(s)" in out.stdout
    assert "questions[0] (w01.why)" in out.stdout and "answer 'q' is not one of the option ids" in out.stdout
    out = run("lessons", "check", str(root), "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 1 and data["ok"] is False and len(data["problems"]) == 2


def test_lessons_check_on_a_missing_folder(tmp_path):
    out = run("lessons", "check", str(tmp_path / "nowhere"))
    assert out.returncode == 1 and "not a folder" in out.stdout


def test_plan_without_profile_says_what_to_do(home):
    out = run("plan", home=home)
    assert out.returncode == 1 and "tutor" in out.stdout


def test_plan_progress_export(home, tmp_path):
    store = Store.open(home)
    store.save_profile(Profile("apply", "看懂课程视频", 10, ["audio", "language"], "use-apis", started_on=date(2026, 11, 1)))
    store.record_answer("w01.unified-memory", "open", "GPU 直接读同一块内存", "zh")
    store.record_answer("w01.unified-memory", "open", "no copy over PCIe; VRAM limit gone", "en")
    store.set_position(1, "apple-silicon")
    store.mark_week_done(1)
    store.close()

    plan = run("plan", "--lang", "en", home=home)
    assert plan.returncode == 0, plan.stderr
    assert "10 h a week" in plan.stdout and "W01" in plan.stdout and "done" in plan.stdout
    assert "★" in plan.stdout  # weeks on audio/language are emphasised

    prog = run("progress", "--json", home=home)
    data = json.loads(prog.stdout)
    assert data["weeks_done"] == [1] and data["questions_answered"] == 1 and data["attempts"] == 2
    assert data["last_position"] == {"week": 1, "lesson": "apple-silicon"}

    out_file = tmp_path / "me.md"
    exp = run("export", "--out", str(out_file), home=home)
    assert exp.returncode == 0, exp.stderr
    text = out_file.read_text(encoding="utf-8")
    assert "no copy over PCIe; VRAM limit gone" in text and "看懂课程视频" in text
    assert "GPU 直接读同一块内存" not in text  # the latest attempt stands for the question

    bad = run("export", "--out", str(tmp_path / "no" / "such" / "dir" / "x.md"), home=home)
    assert bad.returncode == 1 and "cannot write" in bad.stderr


def test_language_is_remembered_then_locale_decides(home):
    store = Store.open(home)
    assert resolve_lang(None, store) in ("zh", "en")
    assert resolve_lang("zh", store) == "zh"
    assert resolve_lang(None, store) == "zh"
    store.close()
    out = run("plan", home=home, env_extra={"LANG": "en_US.UTF-8"})
    assert "目标" in out.stdout or "计划" in out.stdout  # remembered zh beats the locale


def test_locale_default(monkeypatch):
    from tutor.i18n import locale_lang

    assert locale_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert locale_lang({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert locale_lang({}) == "en"


def test_unwritable_home_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = run("progress", home=blocker / "home")
    assert out.returncode == 1 and str(blocker) in out.stderr and "TUTOR_HOME" in out.stderr


def test_corrupt_database_is_set_aside_with_a_message(home):
    home.mkdir(parents=True)
    (home / "tutor.db").write_bytes(b"this is not sqlite" * 50)
    out = run("progress", home=home)
    assert out.returncode == 0
    assert "corrupt" in out.stderr
    kept = list(home.glob("tutor.db.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"this is not sqlite" * 50


def test_main_in_process_progress(home, capsys):
    assert main(["progress"]) == 0
    assert "last position: not started" in capsys.readouterr().out
