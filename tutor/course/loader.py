"""Load a lesson tree from disk and check it, file by file and across files.

Every problem is a `Problem` naming the file, the place in it and what is wrong, so
`tutor lessons check` can list them all at once and the app can refuse a broken tree
with a message a lesson author can act on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from .models import (
    LANGS,
    WEEK_DIR,
    CourseTree,
    Curriculum,
    LessonContent,
    Text,
    Week,
    WeekFile,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CURRICULUM = "curriculum.toml"
WEEK_FILE = "week.toml"


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f": {self.where}" if self.where else ""
        return f"{self.file}{place}: {self.message}"


class LessonError(Exception):
    """A lesson tree that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the lesson tree has {len(problems)} problem(s):\n{lines}")


def default_lessons_dir() -> Path:
    """The lessons that ship with tutor.

    A wheel installs them as `tutor/lessons/`; a source checkout (or an editable
    install) has them beside the package at the top of the repository.
    """
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "lessons", here.parent / "lessons"):
        if (candidate / CURRICULUM).is_file():
            return candidate
    raise LessonError([Problem(str(here / "lessons"), "", "no lessons were installed with tutor; reinstall it")])


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _validation_problems(file: str, err: ValidationError, data: dict) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        # A discriminated union adds the tag ("open", "choice") to the path; say the id instead.
        where = _loc(tuple(p for p in loc if p not in ("open", "predict", "choice")))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (a typo? see tutor/course/models.py for the keys allowed)"
        label = _item_label(data, loc)
        problems.append(Problem(file, where + label, msg))
    return problems


def _item_label(data: dict, loc: tuple) -> str:
    """` (id w01.x)` when the error sits inside a list item that has an id or slug."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            ident = items[loc[1]].get("id") or items[loc[1]].get("slug") or items[loc[1]].get("number")
            if ident is not None:
                return f" ({ident})"
    return ""


def _read_toml(path: Path, root: Path, problems: list[Problem]) -> dict | None:
    rel = _rel(path, root)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        problems.append(Problem(rel, "", "file is missing"))
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(rel, "", f"not valid TOML: {e}"))
    except (OSError, UnicodeDecodeError) as e:
        problems.append(Problem(rel, "", f"cannot be read: {e}"))
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


@dataclass
class CheckResult:
    tree: CourseTree | None
    problems: list[Problem]
    notes: list[str]


# check_experiment(trainer, config) -> ("ok" | "pending" | "bad", message)
ExperimentCheck = Callable[[str, dict], tuple[str, str]]


def check_tree(root: Path, check_experiment: ExperimentCheck | None = None, lint: bool = True) -> CheckResult:
    """Load `root` and return the tree (when usable), every problem and notes.

    `check_experiment` judges each experiment's trainer and settings. Notes are not
    errors: an experiment naming a trainer that is not written yet is reported as
    pending, so the syllabus can run ahead of the code; a setting the trainer does not
    have, or a bad value, is a problem. `lint` adds the authoring rules for the
    Markdown (code blocks name their language), which `tutor lessons check` and CI
    apply; the app skips them at start-up (they parse every lesson: ~50 ms).
    """
    root = Path(root)
    problems: list[Problem] = []
    notes: list[str] = []
    if not root.is_dir():
        return CheckResult(None, [Problem(str(root), "", "not a folder")], notes)

    cur_path = root / CURRICULUM
    raw = _read_toml(cur_path, root, problems)
    if raw is None:
        return CheckResult(None, problems, notes)
    cur_file = _rel(cur_path, root)
    try:
        curriculum = Curriculum.model_validate(raw)
    except ValidationError as e:
        problems.extend(_validation_problems(cur_file, e, raw))
        return CheckResult(None, problems, notes)
    problems.extend(_check_curriculum(curriculum, cur_file))

    weeks: list[Week] = []
    seen_ids: dict[str, str] = {}
    week_numbers = {w.number for w in curriculum.weeks}
    for entry in sorted(root.iterdir()):
        m = WEEK_DIR.match(entry.name)
        if entry.is_dir() and m and int(m.group(1)) not in week_numbers:
            problems.append(Problem(_rel(entry, root), "", f"folder for week {int(m.group(1))}, which {CURRICULUM} does not list"))

    for info in curriculum.weeks:
        phase = next((p.number for p in curriculum.phases if info.number in p.weeks), 0)
        folder = root / info.key
        if not folder.is_dir():
            weeks.append(Week(info=info, phase=phase))
            continue
        week = _load_week(folder, root, info, phase, seen_ids, check_experiment, problems, notes, lint)
        weeks.append(week or Week(info=info, phase=phase))

    tree = None
    if not problems:
        tree = CourseTree(course=curriculum.course, phases=tuple(curriculum.phases), weeks=tuple(weeks))
    return CheckResult(tree, problems, notes)


def load_tree(root: Path | None = None, check_experiment: ExperimentCheck | None = None, lint: bool = False) -> CourseTree:
    """The course, or `LessonError` listing every problem."""
    result = check_tree(root or default_lessons_dir(), check_experiment, lint)
    if result.tree is None:
        raise LessonError(result.problems)
    return result.tree


def _check_curriculum(cur: Curriculum, file: str) -> list[Problem]:
    problems = []
    numbers = [w.number for w in cur.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(Problem(file, "weeks", f"week numbers must run 1, 2, 3 … in order; found {numbers}"))
    phase_numbers = [p.number for p in cur.phases]
    if phase_numbers != list(range(1, len(phase_numbers) + 1)):
        problems.append(Problem(file, "phases", f"phase numbers must run 1, 2, 3 … in order; found {phase_numbers}"))
    listed = [n for p in cur.phases for n in p.weeks]
    if sorted(listed) != sorted(set(numbers)) or len(listed) != len(set(listed)):
        problems.append(Problem(file, "phases", f"the phases must list every week exactly once; they list {listed}"))
    elif listed != numbers:
        problems.append(Problem(file, "phases", "phases must list the weeks in order"))
    for i, w in enumerate(cur.weeks):
        for pre in w.prerequisites:
            if pre >= w.number or pre not in numbers:
                problems.append(Problem(file, f"weeks[{i}].prerequisites", f"week {w.number} cannot require week {pre}: only earlier weeks"))
    return problems


def _load_week(folder, root, info, phase, seen_ids, check_experiment, problems, notes, lint) -> Week | None:
    path = folder / WEEK_FILE
    file = _rel(path, root)
    raw = _read_toml(path, root, problems)
    if raw is None:
        return None
    try:
        wf = WeekFile.model_validate(raw)
    except ValidationError as e:
        problems.extend(_validation_problems(file, e, raw))
        return None

    before = len(problems)
    prefix = info.key + "."
    slugs = [lesson.slug for lesson in wf.lessons]
    if len(set(slugs)) != len(slugs):
        problems.append(Problem(file, "lessons", f"lesson slugs repeat: {slugs}"))
    items = [("questions", q) for q in wf.questions] + [("experiments", x) for x in wf.experiments]
    counters = {"questions": 0, "experiments": 0}
    for table, item in items:
        where = f"{table}[{counters[table]}] ({item.id})"
        counters[table] += 1
        if not item.id.startswith(prefix):
            problems.append(Problem(file, where, f"id must start with {prefix!r} in this week's file"))
        if item.id in seen_ids:
            problems.append(Problem(file, where, f"id already used in {seen_ids[item.id]}"))
        seen_ids[item.id] = file
        if item.lesson is None and slugs:
            problems.append(Problem(file, where, f"needs `lesson`: one of this week's lessons {slugs}"))
        elif item.lesson is not None and item.lesson not in slugs:
            problems.append(Problem(file, where, f"lesson {item.lesson!r} is not one of this week's lessons {slugs}"))
    experiment_ids = {x.id for x in wf.experiments}
    for i, q in enumerate(wf.questions):
        if getattr(q, "experiment", None) and q.experiment not in experiment_ids:
            problems.append(Problem(file, f"questions[{i}] ({q.id}).experiment", f"no experiment {q.experiment!r} in this week"))
    for i, x in enumerate(wf.experiments):
        if check_experiment is None:
            continue
        verdict, message = check_experiment(x.trainer, x.config)
        if verdict == "pending":
            notes.append(f"{file}: experiment {x.id} uses trainer {x.trainer!r}, which is not available yet")
        elif verdict == "bad":
            problems.append(Problem(file, f"experiments[{i}] ({x.id}).config", message))
    if wf.checkpoint:
        question_ids = {q.id for q in wf.questions}
        for qid in wf.checkpoint.questions:
            if qid not in question_ids:
                problems.append(Problem(file, "checkpoint.questions", f"{qid!r} is not a question of this week"))

    lessons = []
    for lesson in wf.lessons:
        bodies = {}
        for lang in LANGS:
            md = folder / f"{lesson.slug}.{lang}.md"
            try:
                text = md.read_text(encoding="utf-8")
            except FileNotFoundError:
                problems.append(Problem(_rel(md, root), "", f"missing: lesson {lesson.slug!r} needs its {lang} text"))
                continue
            except (OSError, UnicodeDecodeError) as e:
                problems.append(Problem(_rel(md, root), "", f"cannot be read as UTF-8 text: {e}"))
                continue
            if not text.strip():
                problems.append(Problem(_rel(md, root), "", "the lesson text is empty"))
                continue
            if lint:
                problems.extend(Problem(_rel(md, root), f"line {n}", msg) for n, msg in _code_block_problems(text))
            bodies[lang] = text
        if len(bodies) != len(LANGS):
            continue
        lessons.append(
            LessonContent(
                week=info.number,
                slug=lesson.slug,
                title=lesson.title,
                body=Text(**bodies),
                questions=tuple(q for q in wf.questions if q.lesson == lesson.slug),
                experiments=tuple(x for x in wf.experiments if x.lesson == lesson.slug),
            )
        )
    known = {f"{lesson.slug}.{lang}.md" for lesson in wf.lessons for lang in LANGS} | {WEEK_FILE}
    for extra in sorted(folder.glob("*.md")):
        if extra.name not in known:
            problems.append(Problem(_rel(extra, root), "", "Markdown file that no lesson in week.toml names"))
    if len(problems) != before:
        return None
    unplaced = tuple(q for q in wf.questions if q.lesson is None)
    return Week(info=info, phase=phase, lessons=tuple(lessons), unplaced=unplaced, checkpoint=wf.checkpoint)


def _code_block_problems(markdown: str) -> list[tuple[int, str]]:
    """Code blocks must name their language (```python, ```bash, ```text).

    An untagged block makes the viewer guess the language by trying every lexer,
    which cost ~50 ms per block on the UI thread here, and it may guess wrong.
    """
    from markdown_it import MarkdownIt

    out = []
    for token in MarkdownIt("commonmark").parse(markdown):
        line = (token.map[0] + 1) if token.map else 0
        if token.type == "code_block":
            out.append((line, "indented code block: use a fence with a language, e.g. ```text"))
        elif token.type == "fence" and not token.info.strip():
            out.append((line, "code fence without a language: write ```python, ```bash or ```text"))
    return out


def counts(tree: CourseTree) -> dict:
    """Figures for `tutor lessons check`: totals and per week."""
    per_week = []
    for week in tree.weeks:
        qs = list(week.questions())
        per_week.append(
            {
                "week": week.number,
                "lessons": len(week.lessons),
                "questions": {lang: sum(1 for q in qs if q.prompt(lang)) for lang in LANGS},
                "experiments": sum(len(lesson.experiments) for lesson in week.lessons),
                "checkpoint": week.checkpoint is not None,
            }
        )
    return {
        "phases": len(tree.phases),
        "weeks": len(tree.weeks),
        "weeks_written": sum(1 for w in tree.weeks if w.written),
        "lessons": sum(w["lessons"] for w in per_week),
        "questions": {lang: sum(w["questions"][lang] for w in per_week) for lang in LANGS},
        "experiments": sum(w["experiments"] for w in per_week),
        "per_week": per_week,
    }
