"""`tutor` on the command line: the interactive session and its headless helpers.

Nothing here imports Textual, torch or mlx at module level: `tutor lessons check`
and `tutor progress` answer in a blink, and the app pays only for what it shows.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from . import __version__
from .i18n import LANGS, locale_lang, t


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tutor",
        description="A terminal tutor for a 16-week, hands-on ML course on your Mac. With no command, opens the interactive session.",
    )
    p.add_argument("--version", action="version", version=f"tutor {__version__}")
    lang_help = "language of the interface and lessons (remembered); default: the locale"
    p.add_argument("--lang", choices=LANGS, help=lang_help)
    p.add_argument("--lessons", type=Path, metavar="DIR", help="use this lesson tree instead of the installed one (to preview lessons you write)")
    # --lang also works after a command (`tutor plan --lang zh`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=lang_help)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    lessons = sub.add_parser("lessons", help="work with lesson trees")
    lsub = lessons.add_subparsers(dest="lessons_command", metavar="ACTION", required=True)
    check = lsub.add_parser("check", help="validate a lesson tree: exit 0 with counts, exit 1 listing every problem")
    check.add_argument("dir", nargs="?", type=Path, help="the lessons folder (default: the lessons installed with tutor)")
    check.add_argument("--json", action="store_true", help="print one JSON object")

    sub.add_parser("plan", parents=[common], help="print your personal 16-week schedule")
    prog = sub.add_parser("progress", parents=[common], help="weeks done, answers and where you were")
    prog.add_argument("--json", action="store_true", help="print one JSON object")
    exp = sub.add_parser("export", parents=[common], help="write your plan and answers as Markdown")
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")

    train = sub.add_parser("train", parents=[common], help="run a trainer without the screen (recorded like any run)")
    train.add_argument("trainer", help="a trainer name; see `tutor trainers`")
    train.add_argument("--backend", choices=("torch", "mlx"), help="framework (default: the trainer's)")
    train.add_argument("--device", choices=("auto", "cpu", "gpu"), help="auto: the GPU when there is one; cpu forces the CPU")
    train.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE", help="a config field, e.g. --set epochs=3 --set hidden=[256,128]")
    train.add_argument("--metrics", type=Path, metavar="FILE.jsonl", help="also write every metric point as a JSON line")
    train.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    trainers = sub.add_parser("trainers", parents=[common], help="list trainers, their backends and settings")
    trainers.add_argument("--json", action="store_true", help="print JSON")

    data = sub.add_parser("data", help="datasets: list them, fetch one into the cache")
    dsub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    dlist = dsub.add_parser("list", help="each dataset, its size and whether it is cached")
    dlist.add_argument("--json", action="store_true", help="print JSON")
    dfetch = dsub.add_parser("fetch", help="download a dataset once, checksum-verified")
    dfetch.add_argument("name")

    judge = sub.add_parser("judge", parents=[common], help="judge an answer to a question the way the coach does, without the screen")
    judge.add_argument("question", help="a question id, e.g. w01.unified-memory")
    judge.add_argument("answer", help="the answer, in quotes")
    judge.add_argument("--json", action="store_true", help="print one JSON object")

    review = sub.add_parser("review", parents=[common], help="spaced review of questions you answered")
    review.add_argument("--due", action="store_true", help="print how many questions are due today")
    review.add_argument("--json", action="store_true", help="with --due: print JSON")

    llm = sub.add_parser("llm", help="optional: let a local model (mlx_lm.server, Ollama, llama-server) phrase the coach's questions")
    lsub2 = llm.add_subparsers(dest="llm_command", metavar="ACTION", required=True)
    lsub2.add_parser("status", help="where it points and whether the server answers")
    llm_on = lsub2.add_parser("on", help="use the OpenAI-compatible server at URL (localhost unless --allow-remote)")
    llm_on.add_argument("url", help="e.g. http://127.0.0.1:8080/v1 (mlx_lm.server) or http://localhost:11434/v1 (Ollama)")
    llm_on.add_argument("--model", help="model name the server should use")
    llm_on.add_argument("--allow-remote", action="store_true", help="allow a host other than this machine (your answers will be sent there)")
    lsub2.add_parser("off", help="stop using it")

    doctor = sub.add_parser("doctor", help="is this machine ready to train? each line ok / warn / fail, with the fix")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "lessons":
        return _lessons_check(args.dir, args.json)
    if args.command == "trainers":
        from .headless import list_trainers

        return list_trainers(args.json, getattr(args, "lang", None) or locale_lang())
    if args.command == "data":
        from .headless import fetch_data, list_data

        lang = getattr(args, "lang", None) or locale_lang()
        return list_data(args.json, lang) if args.data_command == "list" else fetch_data(args.name)
    try:
        return _with_store(args)
    except KeyboardInterrupt:
        return 130


def _err(message: str) -> None:
    print(f"tutor: {message}", file=sys.stderr)


def _load_course(root: Path | None = None):
    """The course for the app. Experiments are checked by trainer name only: their
    settings are checked in full by `tutor lessons check` (and CI), and again when a
    run starts, so start-up does not import every trainer's config."""
    from .course import LessonError, load_tree
    from trainers.registry import names

    known = names()

    def trainer_known(trainer: str, _config: dict) -> tuple[str, str]:
        return ("ok", "") if trainer in known else ("pending", f"unknown trainer {trainer!r}")

    try:
        return load_tree(root, trainer_known)
    except LessonError as e:
        _err(str(e))
        return None


def resolve_lang(asked: str | None, store) -> str:
    """--lang wins and is remembered; then what was remembered; then the locale."""
    if asked:
        store.set_setting("lang", asked)
        return asked
    stored = store.get_setting("lang")
    return stored if stored in LANGS else locale_lang()


def _with_store(args) -> int:
    from .store import Store, StoreError

    try:
        store = Store.open()
    except StoreError as e:
        _err(str(e))
        return 1
    with store:
        if store.notice:
            _err(store.notice)
        if args.command == "train":
            return _train(store, args)
        if args.command == "llm":
            return _llm(store, args)
        if args.command == "doctor":
            from .doctor import report, run_checks

            checks = run_checks(store.path)
            print(report(checks, args.json))
            return 1 if any(c.status == "fail" for c in checks) else 0
        tree = _load_course(args.lessons)
        if tree is None:
            return 1
        lang = resolve_lang(args.lang, store)
        if args.command is None:
            from .app import TutorApp

            TutorApp(tree=tree, store=store, lang=lang).run()
            return 0
        if args.command == "plan":
            return _plan(tree, store, lang)
        if args.command == "progress":
            return _progress(tree, store, args.json)
        if args.command == "export":
            return _export(tree, store, lang, args.out)
        if args.command == "judge":
            return _judge(tree, args.question, args.answer, lang, args.json)
        if args.command == "review":
            return _review(tree, store, lang, args)
    return 2


def _train(store, args) -> int:
    from .headless import parse_settings, train

    try:
        overrides = parse_settings(args.settings)
    except ValueError as e:
        _err(str(e))
        return 2
    for key in ("backend", "device"):
        if getattr(args, key):
            overrides[key] = getattr(args, key)
    return train(store, args.trainer, overrides, args.metrics, args.json)


def _judge(tree, question_id: str, answer: str, lang: str, as_json: bool) -> int:
    """The verdict and the coach's first move, as if this were the first answer."""
    from .coach.judge import judge
    from .coach.moves import next_move

    try:
        question = tree.question(question_id)
    except KeyError:
        _err(f"no question {question_id!r}; ids look like w01.unified-memory (see `tutor lessons check --json`)")
        return 2
    verdict = judge(question, answer, lang_hint=lang)
    move = next_move(question, [], verdict, verdict.lang if verdict.lang in ("zh", "en") else lang)
    if as_json:
        print(
            json.dumps(
                {
                    "question": question_id,
                    "verdict": verdict.verdict,
                    "covered": list(verdict.covered),
                    "missing": list(verdict.missing),
                    "misconceptions": list(verdict.misconceptions),
                    "score": round(verdict.score, 3),
                    "gave_up": verdict.gave_up,
                    "lang": verdict.lang,
                    "move": {"kind": move.kind, "text": move.text, "hint_level": move.hint_level, "revealed": move.revealed},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    covered = ", ".join(verdict.covered) or "-"
    print(f"{verdict.verdict}  (covered: {covered}; score {verdict.score:.2f})")
    if verdict.misconceptions:
        print(f"misconceptions: {', '.join(verdict.misconceptions)}")
    print(f"\n[{move.kind}] {move.text}")
    return 0


def _review(tree, store, lang: str, args) -> int:
    today = date.today()
    due = store.due_cards(today)
    if args.due:
        if args.json:
            print(json.dumps({"due": len(due), "questions": [c.question_id for c in due]}))
        else:
            print(t("review.due_count", lang, n=len(due)))
        return 0
    print(t("review.use_app", lang, n=len(due)))
    return 0


def _llm(store, args) -> int:
    from .coach.llm import LLMConfigError, check_url, health
    from .coach.phrasing import settings_for

    if args.llm_command == "on":
        try:
            check_url(args.url, allow_remote=args.allow_remote)
        except LLMConfigError as e:
            _err(str(e))
            return 2
        store.set_setting("llm_url", args.url)
        store.set_setting("llm_model", args.model or "")
        store.set_setting("llm_allow_remote", "1" if args.allow_remote else "0")
    elif args.llm_command == "off":
        store.set_setting("llm_url", "")
        print("local model off: the coach uses its own words")
        return 0
    settings = settings_for(store)
    if not settings.enabled:
        print("local model off (turn it on with: tutor llm on http://127.0.0.1:8080/v1)")
        return 0
    ok, detail = health(settings)
    print(f"{settings.url} model={settings.model or '-'}: {'answers' if ok else 'not answering'} ({detail})")
    return 0 if ok else 1


def _lessons_check(root: Path | None, as_json: bool) -> int:
    from .course import check_tree, counts, default_lessons_dir
    from .course.loader import LessonError
    from .runs import check_experiment

    try:
        root = root or default_lessons_dir()
    except LessonError as e:
        _err(str(e))
        return 1
    result = check_tree(root, check_experiment)
    if as_json:
        payload = {
            "ok": result.tree is not None,
            "dir": str(root),
            "problems": [{"file": p.file, "where": p.where, "message": p.message} for p in result.problems],
            "notes": result.notes,
        }
        if result.tree is not None:
            payload.update(counts(result.tree))
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0 if result.tree is not None else 1
    if result.tree is None:
        print(f"{root}: {len(result.problems)} problem(s)")
        for p in result.problems:
            print(f"  - {p}")
        return 1
    c = counts(result.tree)
    print(
        f"{root}: ok — {c['phases']} phases, {c['weeks']} weeks ({c['weeks_written']} written), "
        f"{c['lessons']} lessons, questions zh {c['questions']['zh']} / en {c['questions']['en']}, "
        f"{c['experiments']} experiments"
    )
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def _plan(tree, store, lang: str) -> int:
    from .plan import render_plan

    profile = store.get_profile()
    if profile is None:
        print(t("plan.none_cli", lang))
        return 1
    print(render_plan(tree, profile, date.today(), store.weeks_done(), lang))
    return 0


def _progress(tree, store, as_json: bool) -> int:
    from .report import progress

    data = progress(tree, store)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"weeks done: {len(data['weeks_done'])}/{data['weeks_total']} {data['weeks_done'] or ''}".rstrip())
    print(f"questions answered: {data['questions_answered']} ({data['attempts']} attempts)")
    pos = data["last_position"]
    print(f"last position: week {pos['week']}, {pos['lesson'] or '-'}" if pos else "last position: not started")
    for w in data["weeks"]:
        if w["questions"] or w["done"]:
            print(f"  week {w['week']:>2}: {w['answered']}/{w['questions']} answered{' · done' if w['done'] else ''}")
    return 0


def _export(tree, store, lang: str, out: Path | None) -> int:
    from .report import export_markdown

    text = export_markdown(tree, store, lang, date.today())
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        _err(f"cannot write {out}: {e.strerror or e}. Choose another path with --out.")
        return 1
    print(f"wrote {out}")
    return 0
