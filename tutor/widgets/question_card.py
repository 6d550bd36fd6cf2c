"""A question answered inline: type (or pick), Enter saves, the explanation follows.

The card checks the form of an answer (not empty; a prediction is a number) and
sends `QuestionCard.Submitted`; the screen stores it and calls `show_saved`. Judging
the substance of free text is the coach's job, not the card's.
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

from ..course.models import ChoiceQuestion, PredictQuestion
from ..i18n import t

_NUMBER = re.compile(r"^[~≈约大概]*\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")


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
    QuestionCard .q-explanation { margin: 1 0 0 0; color: $text; display: none; }
    QuestionCard.-answered .q-explanation { display: block; }
    QuestionCard OptionList { height: auto; max-height: 8; }
    """

    @dataclass
    class Submitted(Message):
        card: QuestionCard
        text: str
        value: float | None
        choice: str | None

    def __init__(self, question, lang: str, latest=None, attempts: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.lang = lang
        self.latest = latest
        self.attempts = attempts

    @property
    def kind(self) -> str:
        return self.question.kind

    def compose(self) -> ComposeResult:
        yield Static(classes="q-head")
        yield Static(classes="q-prompt")
        if isinstance(self.question, ChoiceQuestion):
            yield OptionList(*self._options(), id="choice")
        else:
            yield Input(id="answer")
        yield Static(classes="q-status")
        yield Static(classes="q-explanation")

    def _options(self) -> list[Option]:
        return [Option(escape(f"{o.id}) {o.text(self.lang)}"), id=o.id) for o in self.question.options]

    def on_mount(self) -> None:
        self.apply_lang(self.lang)

    def focus_answer(self) -> None:
        self.query_one("#choice, #answer").focus()

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
        else:
            placeholder = (
                t("q.placeholder_predict", lang, unit=q.unit) if isinstance(q, PredictQuestion) else t("q.placeholder_open", lang)
            )
            self.query_one(Input).placeholder = placeholder
        self._render_state()

    def _render_state(self) -> None:
        lang = self.lang
        status = self.query_one(".q-status", Static)
        status.remove_class("-error")
        explanation = self.query_one(".q-explanation", Static)
        if self.latest is None:
            status.update("")
            self.remove_class("-answered")
            return
        a = self.latest
        parts = [t("q.saved", lang, time=a.created_at.astimezone().strftime("%H:%M")), t("q.attempts", lang, n=self.attempts)]
        if a.correct is not None:
            parts.append(t("q.correct", lang) if a.correct else t("q.wrong", lang))
        status.update(" · ".join(parts) + "\n" + t("q.your_answer", lang, text=escape(a.text)))
        if self.question.explanation is not None:
            explanation.update(f"[b]{t('q.explanation', lang)}[/b]  {escape(self.question.explanation(lang))}")
        self.add_class("-answered")

    def show_error(self, message: str) -> None:
        status = self.query_one(".q-status", Static)
        status.update(message)
        status.add_class("-error")

    def show_saved(self, answer, attempts: int) -> None:
        self.latest = answer
        self.attempts = attempts
        for field in self.query(Input):
            field.clear()
        self._render_state()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error(t("q.empty", self.lang))
            return
        value = None
        if isinstance(self.question, PredictQuestion):
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
