"""A question answered inline: type (or pick), Enter saves, the coach answers beneath.

The card checks only the form of what was typed (not empty; a prediction is a
number) and sends `QuestionCard.Submitted`. The screen hands it to the question's
`Conversation`, which judges, chooses the coach's move and saves everything, and
then calls `show_reply`. A prediction card takes a number first; once that number
has been compared with a measurement it takes the learner's explanation of the gap.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..course.models import ChoiceQuestion
from ..i18n import t

_NUMBER = re.compile(r"^[~≈约大概]*\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")


VERDICT_LABELS = {
    "correct": "q.correct",
    "partial": "q.partial",
    "misconception": "q.misconception",
    "off-topic": "q.off_topic",
}


def parse_number(text: str) -> float | None:
    """The number at the start of a prediction: '13', '13 GB', '约 1.5e3', '１３' (full-width)."""
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    m = _NUMBER.match(text)
    return float(m.group(1)) if m else None


class QuestionCard(Vertical):
    DEFAULT_CSS = """
    QuestionCard { height: auto; border: round $primary 50%; padding: 0 1; margin: 1 0 0 0; }
    QuestionCard:focus-within { border: round $accent; }
    QuestionCard .q-head { color: $text-muted; }
    QuestionCard .q-prompt { margin: 0 0 1 0; }
    QuestionCard .q-status { color: $text-muted; }
    QuestionCard .q-status.-error { color: $error; }
    QuestionCard .q-coach { margin: 1 0 0 0; padding: 0 1; border-left: thick $accent; display: none; }
    QuestionCard.-coached .q-coach { display: block; }
    QuestionCard OptionList { height: auto; max-height: 8; }
    """

    @dataclass
    class Submitted(Message):
        card: QuestionCard
        text: str
        value: float | None
        choice: str | None

    def __init__(self, question, lang: str, conversation, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.lang = lang
        self.conversation = conversation
        self.latest = None  # the latest saved attempt (store Answer)
        self.attempts = 0
        self.coach_text = ""
        self.verdict: str | None = None  # the judge's word on the latest answer

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def wants_number(self) -> bool:
        return self.conversation.needs_number

    def compose(self) -> ComposeResult:
        yield Static(classes="q-head")
        yield Static(classes="q-prompt")
        if isinstance(self.question, ChoiceQuestion):
            yield OptionList(*self._options(), id="choice")
        else:
            yield Input(id="answer")
        yield Static(classes="q-status")
        yield Static(classes="q-coach")

    def _options(self) -> list[Option]:
        return [Option(escape(f"{o.id}) {o.text(self.lang)}"), id=o.id) for o in self.question.options]

    def on_mount(self) -> None:
        self.apply_lang(self.lang)

    def focus_answer(self) -> None:
        self.query_one("#choice, #answer").focus()

    def load(self, latest, attempts: int, coach_text: str, verdict: str | None = None) -> None:
        """What was saved before: the latest attempt, its verdict and the coach's last word."""
        self.latest, self.attempts, self.coach_text, self.verdict = latest, attempts, coach_text, verdict

    def apply_lang(self, lang: str) -> None:
        self.lang = lang
        q = self.question
        self.query_one(".q-head", Static).update(f"{t('q.' + q.kind, lang)} · {q.id}")
        self.query_one(".q-prompt", Static).update(escape(q.prompt(lang)))
        if isinstance(q, ChoiceQuestion):
            options = self.query_one(OptionList)
            highlighted = options.highlighted
            options.clear_options()
            options.add_options(self._options())
            options.highlighted = highlighted
        self._render_state()

    def _render_state(self) -> None:
        lang = self.lang
        q = self.question
        if not isinstance(q, ChoiceQuestion):
            field = self.query_one(Input)
            if q.kind == "predict" and self.wants_number:
                field.placeholder = t("q.placeholder_predict", lang, unit=q.unit)
            elif q.kind == "predict":
                field.placeholder = t("q.placeholder_explain", lang)
            else:
                field.placeholder = t("q.placeholder_open", lang)
        status = self.query_one(".q-status", Static)
        status.remove_class("-error")
        if self.latest is None:
            status.update("")
        else:
            a = self.latest
            parts = [t("q.saved", lang, time=a.created_at.astimezone().strftime("%H:%M")), t("q.attempts", lang, n=self.attempts)]
            if self.verdict in VERDICT_LABELS:
                parts.append(t(VERDICT_LABELS[self.verdict], lang))
            elif a.correct is not None:
                parts.append(t("q.correct", lang) if a.correct else t("q.wrong", lang))
            status.update(" · ".join(parts) + "\n" + t("q.your_answer", lang, text=escape(a.text)))
        self.query_one(".q-coach", Static).update(escape(self.coach_text))
        self.set_class(bool(self.coach_text), "-coached")

    def show_error(self, message: str) -> None:
        status = self.query_one(".q-status", Static)
        status.update(message)
        status.add_class("-error")

    def show_reply(self, reply, latest, attempts: int) -> None:
        self.latest = latest
        self.attempts = attempts
        self.coach_text = reply.text
        if reply.verdict:
            self.verdict = reply.verdict
        for field in self.query(Input):
            field.clear()
        self._render_state()

    def show_phrased(self, text: str) -> None:
        """The same move, reworded by the learner's local model."""
        self.coach_text = f"{text}\n[{t('q.local_model', self.lang)}]"
        self._render_state()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error(t("q.empty", self.lang))
            return
        value = None
        if self.question.kind == "predict" and self.wants_number:
            value = parse_number(text)
            if value is None:
                self.show_error(t("q.not_a_number", self.lang))
                return
        self.post_message(self.Submitted(self, text, value, None))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id
        option = next(o for o in self.question.options if o.id == choice)
        self.post_message(self.Submitted(self, f"{choice}) {option.text(self.lang)}", None, choice))
