"""The learner's personal schedule: the 16 weeks laid on the calendar.

Each course week takes as many days as its estimated hours need at the learner's
hours per week (a 9-hour week at 6 h/week takes 11 days). Weeks already done keep
their place; the rest are laid out from today, in order. Weeks whose tracks meet the
learner's chosen directions are marked for emphasis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from .course import CourseTree
from .i18n import t


@dataclass(frozen=True)
class PlannedWeek:
    number: int
    title: str
    hours: float
    start: date
    end: date
    emphasis: bool
    done: bool


def days_for(hours: float, hours_per_week: float) -> int:
    """Calendar days a course week takes: hours at the learner's pace, at least one day."""
    return max(1, math.ceil(7 * hours / hours_per_week - 1e-9))


def schedule(tree: CourseTree, profile, today: date, done: set[int], lang: str) -> list[PlannedWeek]:
    directions = set(profile.direction)
    out = []
    cursor = today
    for week in tree.weeks:
        info = week.info
        emphasis = bool(directions & set(info.tracks))
        if info.number in done:
            out.append(PlannedWeek(info.number, info.title(lang), info.hours, today, today, emphasis, True))
            continue
        days = days_for(info.hours, profile.hours_per_week)
        end = cursor + timedelta(days=days - 1)
        out.append(PlannedWeek(info.number, info.title(lang), info.hours, cursor, end, emphasis, False))
        cursor = end + timedelta(days=1)
    return out


def render_plan(tree: CourseTree, profile, today: date, done: set[int], lang: str) -> str:
    """The plan as plain text (for `tutor plan` and the plan screen)."""
    weeks = schedule(tree, profile, today, done, lang)
    direction = "、".join(t(f"dir.{d}", lang) for d in profile.direction) if lang == "zh" else ", ".join(
        t(f"dir.{d}", lang) for d in profile.direction
    )
    lines = [
        t("plan.title", lang),
        t("plan.header", lang, hours=profile.hours_per_week, direction=direction, depth=t(f"depth.{profile.depth}", lang)),
        "",
    ]
    for pw in weeks:
        mark = "★" if pw.emphasis else " "
        when = t("home.done", lang) if pw.done else f"{pw.start:%Y-%m-%d} → {pw.end:%Y-%m-%d}"
        phase = tree.phase_of(pw.number).number
        lines.append(f"{mark} P{phase} W{pw.number:02d}  {when:<25}  {pw.hours:>4g} h  {pw.title}")
    remaining = [pw for pw in weeks if not pw.done]
    total = sum(pw.hours for pw in remaining)
    end = remaining[-1].end if remaining else today
    lines += ["", t("plan.total", lang, hours=total, end=f"{end:%Y-%m-%d}"), t("home.emphasis", lang)]
    return "\n".join(lines)
