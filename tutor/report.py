"""What the learner has done, as figures (`tutor progress`) and as Markdown (`tutor export`)."""

from __future__ import annotations

from datetime import date

from .course import CourseTree, Week
from .i18n import t
from .plan import render_plan


def week_answered(week: Week, answered: set[str]) -> tuple[int, int]:
    ids = [q.id for q in week.questions()]
    return sum(1 for i in ids if i in answered), len(ids)


def checkpoint_missing(week: Week, answered: set[str]) -> list[str]:
    if week.checkpoint is None:
        return []
    return [qid for qid in week.checkpoint.questions if qid not in answered]


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
