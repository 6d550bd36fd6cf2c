"""The judge against answers a person labelled (`tests/coach_labels.toml`).

Each entry is one learner answer to a shipped question with the verdict a teacher
would give it, and optionally the key ideas it covers:

    [[answers]]
    question = "w01.unified-memory"
    lang = "zh"
    text = "..."
    label = "partial"
    ideas = ["one-pool"]

The test prints agreement overall, per label and per question, lists every
disagreement (run with `-s` to see the report when it passes), and holds the judge to
85% agreement on at least 150 answers across at least 10 questions.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tutor.coach import VERDICTS, judge
from tutor.course import load_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LABELS = Path(__file__).resolve().parent / "coach_labels.toml"
MIN_AGREEMENT = 0.85
MIN_ANSWERS = 150
MIN_QUESTIONS = 10


def _entries() -> list[dict]:
    if not LABELS.is_file():
        pytest.skip(f"{LABELS.name} is not written yet: no labelled answers to check the judge against")
    with LABELS.open("rb") as f:
        return tomllib.load(f).get("answers", [])


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "0/0"


def test_judge_agrees_with_the_labelled_answers():
    entries = _entries()
    tree = load_tree()

    problems = []
    for i, e in enumerate(entries):
        if e.get("label") not in VERDICTS:
            problems.append(f"entry {i}: label {e.get('label')!r} is not one of {VERDICTS}")
        try:
            tree.question(e.get("question", ""))
        except KeyError:
            problems.append(f"entry {i}: no question {e.get('question')!r} in the shipped lessons")
    assert not problems, "\n".join(problems)

    by_label: dict[str, Counter] = defaultdict(Counter)
    by_question: dict[str, Counter] = defaultdict(Counter)
    confusion: Counter = Counter()
    disagreements: list[str] = []
    ideas_checked = ideas_agree = 0
    for e in entries:
        question = tree.question(e["question"])
        v = judge(question, e["text"], e.get("lang"))
        ok = v.verdict == e["label"]
        for table, key in ((by_label, e["label"]), (by_question, e["question"])):
            table[key]["total"] += 1
            table[key]["agree"] += ok
        confusion[(e["label"], v.verdict)] += 1
        idea_note = ""
        if "ideas" in e:
            ideas_checked += 1
            same = set(e["ideas"]) == set(v.covered)
            ideas_agree += same
            if not same:
                idea_note = f" ideas: labelled {sorted(e['ideas'])}, judged {sorted(v.covered)}"
        if not ok:
            wrong = f" misconceptions {list(v.misconceptions)}" if v.misconceptions else ""
            disagreements.append(
                f"  [{e['question']} {e.get('lang', '?')}] labelled {e['label']}, judged {v.verdict}{wrong}{idea_note}\n"
                f"      {e['text']!r}"
            )

    total = len(entries)
    agree = sum(c["agree"] for c in by_label.values())
    lines = [f"judge vs {LABELS.name}: {_rate(agree, total)} agree", "per label:"]
    lines += [f"  {label:14} {_rate(c['agree'], c['total'])}" for label, c in sorted(by_label.items())]
    lines.append("per question:")
    lines += [f"  {qid:32} {_rate(c['agree'], c['total'])}" for qid, c in sorted(by_question.items())]
    lines.append("labelled -> judged (disagreements only):")
    lines += [f"  {a:14} -> {b:14} {n}" for (a, b), n in sorted(confusion.items()) if a != b]
    if ideas_checked:
        lines.append(f"key ideas exactly as labelled: {_rate(ideas_agree, ideas_checked)}")
    lines.append(f"disagreements ({len(disagreements)}):")
    lines += disagreements
    report = "\n".join(lines)
    print("\n" + report)

    assert total >= MIN_ANSWERS, f"only {total} labelled answers (need {MIN_ANSWERS})\n{report}"
    assert len(by_question) >= MIN_QUESTIONS, f"only {len(by_question)} questions (need {MIN_QUESTIONS})\n{report}"
    assert agree / total >= MIN_AGREEMENT, report
