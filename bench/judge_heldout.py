"""The coach's judge against held-out learner answers (`bench/judge_heldout.toml`).

`tests/coach_labels.toml` was used while the rubrics were written, so the judge's
agreement with it is optimistic. The answers here were written and labelled
afterwards, worded as learners would put them and not copied from the rubrics'
`says` lists, and labelled before the judge saw them: agreement on them estimates how
the judge does on answers nobody tuned a rubric for.

Prints agreement overall, per label (with the confusion table label -> verdict), per
language and per question, agreement on the key ideas where they are labelled, and
every disagreement. A measurement, not a test: it always exits 0.

    python bench/judge_heldout.py [--file bench/judge_heldout.toml]
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT = Path(__file__).resolve().parent / "judge_heldout.toml"
LANGS = ("zh", "en", "mixed")


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "0/0"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run(path: Path) -> None:
    from tutor.coach import VERDICTS, judge
    from tutor.course import load_tree

    with path.open("rb") as f:
        entries = tomllib.load(f).get("answers", [])
    tree = load_tree()

    problems: list[str] = []
    by_label: dict[str, Counter] = defaultdict(Counter)
    by_lang: dict[str, Counter] = defaultdict(Counter)
    by_question: dict[str, Counter] = defaultdict(Counter)
    confusion: Counter = Counter()
    disagreements: list[str] = []
    # Key ideas: per idea, labelled-and-judged / labelled-only / judged-only.
    idea_tp: Counter = Counter()
    idea_fn: Counter = Counter()
    idea_fp: Counter = Counter()
    ideas_checked = ideas_exact = 0
    judged = 0

    for i, e in enumerate(entries):
        qid, label, lang, text = e.get("question", ""), e.get("label"), e.get("lang", "?"), e.get("text", "")
        if label not in VERDICTS:
            problems.append(f"entry {i}: label {label!r} is not one of {VERDICTS}")
            continue
        try:
            question = tree.question(qid)
        except KeyError:
            problems.append(f"entry {i}: no question {qid!r} in the shipped lessons")
            continue
        rubric = getattr(question, "rubric", None)
        if "ideas" in e and rubric is not None:
            known = {k.id for k in rubric.key_ideas}
            unknown = sorted(set(e["ideas"]) - known)
            if unknown:
                problems.append(f"entry {i} ({qid}): unknown key ideas {unknown}")
        try:
            v = judge(question, text, lang)
        except Exception:  # a crash is a finding, not a reason to stop measuring
            problems.append(f"entry {i} ({qid}): judge raised\n{traceback.format_exc()}")
            continue
        judged += 1
        ok = v.verdict == label
        for table, key in ((by_label, label), (by_lang, lang), (by_question, qid)):
            table[key]["total"] += 1
            table[key]["agree"] += ok
        confusion[(label, v.verdict)] += 1

        idea_note = ""
        if "ideas" in e:
            labelled, found = set(e["ideas"]), set(v.covered)
            ideas_checked += 1
            ideas_exact += labelled == found
            for idea in labelled & found:
                idea_tp[(qid, idea)] += 1
            for idea in labelled - found:
                idea_fn[(qid, idea)] += 1
            for idea in found - labelled:
                idea_fp[(qid, idea)] += 1
            if labelled != found:
                idea_note = f"\n      ideas: labelled {sorted(labelled)}, judged {sorted(found)}"
        if not ok:
            wrong = f" misconceptions {list(v.misconceptions)}" if v.misconceptions else ""
            gave_up = " (gave up)" if v.gave_up else ""
            disagreements.append(
                f"  #{i:<2} [{qid} {lang}] labelled {label}, judged {v.verdict}{wrong}{gave_up} score {v.score:.2f}"
                f"{idea_note}\n      {_short(text)!r}"
            )

    agree = sum(c["agree"] for c in by_label.values())
    out: list[str] = [f"judge vs {path.name} (held out): {_rate(agree, judged)} agree"]
    if problems:
        out.append(f"problems ({len(problems)}):")
        out += [f"  {p}" for p in problems]

    out.append("per label:")
    for label in VERDICTS:
        c = by_label.get(label)
        if c:
            out.append(f"  {label:14} {_rate(c['agree'], c['total'])}")

    verdicts = list(VERDICTS)
    out.append("confusion (rows: label, columns: judge's verdict):")
    out.append("  " + f"{'':14}" + "".join(f"{v:>14}" for v in verdicts) + f"{'total':>8}")
    for label in verdicts:
        row = [confusion[(label, v)] for v in verdicts]
        if sum(row):
            out.append("  " + f"{label:14}" + "".join(f"{n:>14}" for n in row) + f"{sum(row):>8}")
    col = [sum(confusion[(label, v)] for label in verdicts) for v in verdicts]
    out.append("  " + f"{'total':14}" + "".join(f"{n:>14}" for n in col) + f"{sum(col):>8}")

    out.append("per language:")
    for lang in (*LANGS, *sorted(set(by_lang) - set(LANGS))):
        c = by_lang.get(lang)
        if c:
            out.append(f"  {lang:14} {_rate(c['agree'], c['total'])}")

    out.append("per question:")
    out += [f"  {qid:32} {_rate(c['agree'], c['total'])}" for qid, c in sorted(by_question.items())]

    if ideas_checked:
        tp, fn, fp = sum(idea_tp.values()), sum(idea_fn.values()), sum(idea_fp.values())
        out.append(f"key ideas exactly as labelled: {_rate(ideas_exact, ideas_checked)} answers")
        out.append(
            f"key idea recall {_rate(tp, tp + fn)} (labelled ideas the judge found), "
            f"precision {_rate(tp, tp + fp)} (judged ideas that were labelled)"
        )
        missed = sorted(idea_fn.items(), key=lambda kv: (-kv[1], kv[0]))
        if missed:
            out.append("  missed ideas (question idea: times): " + ", ".join(f"{q} {k}: {n}" for (q, k), n in missed))
        extra = sorted(idea_fp.items(), key=lambda kv: (-kv[1], kv[0]))
        if extra:
            out.append("  ideas judged but not labelled: " + ", ".join(f"{q} {k}: {n}" for (q, k), n in extra))

    out.append(f"disagreements ({len(disagreements)}):")
    out += disagreements
    print("\n".join(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT, help="labelled answers (TOML, [[answers]])")
    args = parser.parse_args(argv)
    try:
        run(args.file)
    except Exception:  # a measurement: report, never fail the caller
        traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
