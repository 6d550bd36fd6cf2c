"""What the learner has done, as figures (`tutor progress`) and as Markdown (`tutor export`)."""

from __future__ import annotations

from datetime import date

from .course import CourseTree, Week
from .i18n import t
from .plan import render_plan


def week_answered(week: Week, answered: set[str]) -> tuple[int, int]:
    ids = [q.id for q in week.questions()]
    return sum(1 for i in ids if i in answered), len(ids)


def passed(question, store) -> bool:
    """Has the learner passed this question, as a checkpoint counts it?

    - choice: the latest pick is the right one;
    - open with a rubric: the coach closed the conversation as done (the ideas covered,
      across turns, reached the rubric's `correct_at`); a revealed answer is not a pass;
    - predict: a number was committed (its measurement may need the learner's Mac);
    - open without a rubric: answered.
    """
    answers = store.answers(question.id)
    if not answers:
        return False
    if question.kind == "choice":
        return answers[-1].correct is True
    if question.kind == "open" and question.rubric is not None:
        return any(t.role == "coach" and t.move == "done" for t in store.turns(question.id))
    return True


def checkpoint_missing(week: Week, store) -> list[str]:
    """The checkpoint questions not passed yet, in the checkpoint's order."""
    if week.checkpoint is None:
        return []
    by_id = {q.id: q for q in week.questions()}
    return [qid for qid in week.checkpoint.questions if not passed(by_id[qid], store)]


def progress(tree: CourseTree, store) -> dict:
    latest = store.latest_answers()
    answered = set(latest)
    done = store.weeks_done()
    pos = store.position()
    weeks = []
    for week in tree.weeks:
        n_answered, n_total = week_answered(week, answered)
        weeks.append({"week": week.number, "done": week.number in done, "answered": n_answered, "questions": n_total})
    return {
        "weeks_total": len(tree.weeks),
        "weeks_done": sorted(done),
        "questions_answered": len(answered),
        "attempts": len(store.answers()),
        "last_position": {"week": pos[0], "lesson": pos[1]} if pos else None,
        "weeks": weeks,
    }


def export_markdown(tree: CourseTree, store, lang: str, today: date) -> str:
    profile = store.get_profile()
    latest = store.latest_answers()
    done = store.weeks_done()
    out = [f"# {tree.course.title(lang)}", ""]
    if profile:
        out += ["```", render_plan(tree, profile, today, done, lang), "```", ""]
        if profile.goal_detail:
            out += [f"> {t('onb.goal_detail', lang)} {profile.goal_detail}", ""]
    for week in tree.weeks:
        qs = [q for q in week.questions() if q.id in latest]
        if not qs and week.number not in done:
            continue
        mark = " ✓" if week.number in done else ""
        out += [f"## {t('home.week', lang, n=week.number)} · {week.info.title(lang)}{mark}", ""]
        for q in qs:
            answer = latest[q.id]
            out += [f"### {q.id}", "", q.prompt(lang), ""]
            text = answer.text.replace("\n", "\n> ")
            out += [f"> {text}", "", f"*{answer.created_at.astimezone():%Y-%m-%d %H:%M}*", ""]
    return "\n".join(out).rstrip() + "\n"
