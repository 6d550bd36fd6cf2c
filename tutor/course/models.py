"""The shape of a lesson tree, as pydantic models.

A lesson tree is data a person edits and reviews:

    lessons/
      curriculum.toml          phases and weeks, in order, zh and en
      w01/
        week.toml              the week's lessons, questions, experiments, checkpoint
        apple-silicon.zh.md    one Markdown file per lesson and language
        apple-silicon.en.md

Every user-facing string exists in both languages (`Text`), so a question id is the
same whichever language the learner reads in. These models hold no behaviour beyond
checking themselves; loading, cross-file checks and error messages live in `loader.py`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

LANGS = ("zh", "en")
Lang = Literal["zh", "en"]

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# A question or experiment id: the week, a dot, a slug — `w01.unified-memory`.
ItemId = Annotated[str, StringConstraints(pattern=r"^w\d{2}\.[a-z0-9]+(-[a-z0-9]+)*$")]

TRACKS = ("core", "vision", "language", "control", "audio")
Track = Literal["core", "vision", "language", "control", "audio"]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a lesson file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """One string in both languages."""

    zh: NonEmpty
    en: NonEmpty

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class TextList(Strict):
    """A list of strings in both languages, item for item."""

    zh: list[NonEmpty] = Field(min_length=1)
    en: list[NonEmpty] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_length(self) -> TextList:
        if len(self.zh) != len(self.en):
            raise ValueError(f"zh has {len(self.zh)} items but en has {len(self.en)}; they must match")
        return self

    def __call__(self, lang: str) -> list[str]:
        return self.zh if lang == "zh" else self.en


# ---------------------------------------------------------------- curriculum.toml


class Course(Strict):
    id: Slug
    title: Text
    summary: Text


class Phase(Strict):
    number: int = Field(ge=1)
    title: Text
    summary: Text
    weeks: list[int] = Field(min_length=1)


class WeekInfo(Strict):
    """A week as the syllabus lists it; its lessons live in the week's folder."""

    number: int = Field(ge=1)
    title: Text
    objectives: TextList
    hours: float = Field(gt=0, le=60, description="estimated hours of study")
    prerequisites: list[int] = Field(default_factory=list)
    tracks: list[Track] = Field(default_factory=lambda: ["core"], min_length=1)

    @property
    def key(self) -> str:
        return f"w{self.number:02d}"


class Curriculum(Strict):
    course: Course
    phases: list[Phase] = Field(min_length=1)
    weeks: list[WeekInfo] = Field(min_length=1)


# ---------------------------------------------------------------- wNN/week.toml


class Lesson(Strict):
    slug: Slug
    title: Text


class Option(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z]$")]
    text: Text


class Phrasings(Strict):
    """Ways a learner may say something, per language.

    Each entry is a word or phrase matched as written (case-folded; English words on
    word boundaries, with common inflections), or a regular expression when it starts
    with `re:`. Chinese entries match anywhere, since Chinese has no spaces.
    """

    zh: list[NonEmpty] = Field(default_factory=list)
    en: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> Phrasings:
        if not self.zh or not self.en:
            raise ValueError("give phrasings in both zh and en")
        for entry in (*self.zh, *self.en):
            if entry.startswith("re:"):
                try:
                    re.compile(entry[3:])
                except re.error as e:
                    raise ValueError(f"bad pattern {entry!r}: {e}") from None
        return self


class KeyIdea(Strict):
    """One idea a good answer contains, how learners put it, and the question that leads to it."""

    id: Slug
    name: Text = Field(description="a short name, used to acknowledge it: 'the VRAM ceiling'")
    weight: float = Field(1.0, gt=0)
    says: Phrasings
    probe: Text = Field(description="the Socratic question that leads to this idea")


class Misconception(Strict):
    """A wrong idea learners bring, how it sounds, and the question that challenges it."""

    id: Slug
    says: Phrasings
    probe: Text


class Rubric(Strict):
    key_ideas: list[KeyIdea] = Field(min_length=1)
    misconceptions: list[Misconception] = Field(default_factory=list)
    hints: TextList = Field(description="the ladder: nudge, concept, partial step, worked answer")
    correct_at: float = Field(0.75, gt=0, le=1, description="share of the ideas' weight that makes an answer correct")

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        ids = [k.id for k in self.key_ideas] + [m.id for m in self.misconceptions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"key idea and misconception ids repeat: {ids}")
        return self


class QuestionBase(Strict):
    id: ItemId
    lesson: Slug | None = Field(None, description="the lesson it belongs to; may be left out while its week has no lessons yet")
    prompt: Text
    explanation: Text | None = None
    rubric: Rubric | None = None


class OpenQuestion(QuestionBase):
    kind: Literal["open"]


class PredictQuestion(QuestionBase):
    """A number committed before a measurement (an experiment) or a calculation (`expected`).

    After the measurement the learner explains the gap; `rubric` judges that explanation.
    """

    kind: Literal["predict"]
    unit: NonEmpty
    experiment: ItemId | None = None
    measure: str | None = Field(None, description="what to read from the run's summary: a key of `final` (test_acc) or a summary field (samples_per_second, wall_seconds)")
    expected: float | None = Field(None, description="the right answer when no experiment measures it")
    tolerance: float = Field(0.25, gt=0, description="relative error still counted as close")

    @model_validator(mode="after")
    def _measured_or_expected(self) -> PredictQuestion:
        if self.experiment and not self.measure:
            raise ValueError("a prediction tied to an experiment needs `measure`: what to read from the run")
        return self


class ChoiceQuestion(QuestionBase):
    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2)
    answer: str

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> ChoiceQuestion:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat: {ids}")
        if self.answer not in ids:
            raise ValueError(f"answer {self.answer!r} is not one of the option ids {ids}")
        return self


Question = Annotated[OpenQuestion | PredictQuestion | ChoiceQuestion, Field(discriminator="kind")]


class Experiment(Strict):
    id: ItemId
    lesson: Slug
    title: Text
    trainer: Slug
    config: dict = Field(default_factory=dict, description="overrides of the trainer's defaults")


class Checkpoint(Strict):
    """What the learner must have done to mark the week done."""

    questions: list[ItemId] = Field(min_length=1)
    summary: Text


class WeekFile(Strict):
    # A week may carry questions (with rubrics) before its lessons are written.
    lessons: list[Lesson] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    experiments: list[Experiment] = Field(default_factory=list)
    checkpoint: Checkpoint | None = None


# ---------------------------------------------------------------- loaded, joined


class LessonContent(BaseModel):
    """A lesson with its text and the questions and experiments that belong to it."""

    model_config = ConfigDict(frozen=True)

    week: int
    slug: str
    title: Text
    body: Text
    questions: tuple[OpenQuestion | PredictQuestion | ChoiceQuestion, ...]
    experiments: tuple[Experiment, ...]

    @property
    def key(self) -> str:
        return f"w{self.week:02d}/{self.slug}"


class Week(BaseModel):
    model_config = ConfigDict(frozen=True)

    info: WeekInfo
    phase: int
    lessons: tuple[LessonContent, ...] = ()
    # Questions whose lesson is not written yet (their rubrics can come first).
    unplaced: tuple[OpenQuestion | PredictQuestion | ChoiceQuestion, ...] = ()
    checkpoint: Checkpoint | None = None

    @property
    def number(self) -> int:
        return self.info.number

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def written(self) -> bool:
        return bool(self.lessons)

    def questions(self):
        for lesson in self.lessons:
            yield from lesson.questions
        yield from self.unplaced


class CourseTree(BaseModel):
    """The whole course, loaded and cross-checked."""

    model_config = ConfigDict(frozen=True)

    course: Course
    phases: tuple[Phase, ...]
    weeks: tuple[Week, ...]

    def week(self, number: int) -> Week:
        for week in self.weeks:
            if week.number == number:
                return week
        raise KeyError(f"no week {number}")

    def question(self, question_id: str):
        for week in self.weeks:
            for q in week.questions():
                if q.id == question_id:
                    return q
        raise KeyError(question_id)

    def phase_of(self, week_number: int) -> Phase:
        for phase in self.phases:
            if week_number in phase.weeks:
                return phase
        raise KeyError(week_number)


WEEK_DIR = re.compile(r"^w(\d{2})$")
