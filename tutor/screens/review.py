"""`v`: spaced review. The questions due today, one at a time: answer, see the verdict
and the coach's word, and the card moves to its next box (1, 3, 7, 16, 35 days)."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..i18n import t
from ..keys import bindings
from ..store import StoreError
from ..widgets.keybar import KeyBar
from ..widgets.question_card import QuestionCard


class ReviewAttempt:
    """What a question card needs from a conversation, for a fresh review answer."""

    def __init__(self, question):
        self.question = question

    @property
    def needs_number(self) -> bool:
        return self.question.kind == "predict" and self.question.expected is not None


def review_outcome(question, text: str, value: float | None, lang: str):
    """(outcome for the Leitner box, the verdict, the coach's move) for one review answer."""
    from ..coach.judge import judge
    from ..coach.moves import next_move
    from ..coach.session import gap_text

    verdict = judge(question, text, lang_hint=lang)
    if value is not None and question.expected is not None:
        _gap, close = gap_text(value, question.expected, question.tolerance, lang)
        outcome = "correct" if close else "wrong"
    elif question.kind == "predict" and question.rubric is None:
        outcome = "partial"  # nothing to check a restated prediction against
    else:
        outcome = verdict.verdict
    move = next_move(question, [], verdict, lang)
    return outcome, verdict, move


class ReviewScreen(Screen):
    BINDINGS = bindings("review.next", "lesson.home")

    def __init__(self) -> None:
        super().__init__()
        self.queue: list = []
        self.position = 0
        self.answered = False

    def compose(self) -> ComposeResult:
        yield Static(id="review-head", classes="title")
        with VerticalScroll(id="review-body"):
            yield Static(id="review-info")
        yield KeyBar()

    async def on_mount(self) -> None:
        cards = self.app.store.due_cards(self.app.today)
        known = []
        for card in cards:
            try:
                known.append((card, self.app.course.question(card.question_id)))
            except KeyError:
                continue  # a question that left the course: skip it, keep its card
        self.queue = known
        await self.show_current()

    async def show_current(self) -> None:
        lang = self.app.lang
        body = self.query_one("#review-body", VerticalScroll)
        for old in self.query(QuestionCard):
            await old.remove()
        self.answered = False
        info = self.query_one("#review-info", Static)
        if self.position >= len(self.queue):
            self.query_one("#review-head", Static).update(f"[b]{t('review.title', lang)}[/b]")
            info.update(t("review.none", lang) if not self.queue else t("review.done", lang))
            return
        card, question = self.queue[self.position]
        self.query_one("#review-head", Static).update(
            f"[b]{t('review.title', lang)}[/b]  [dim]{t('review.progress', lang, i=self.position + 1, n=len(self.queue), box=card.box)}[/dim]"
        )
        info.update("")
        widget = QuestionCard(question, lang, ReviewAttempt(question), id="review-card")
        await body.mount(widget, before=info)
        widget.focus_answer()

    def on_question_card_submitted(self, event: QuestionCard.Submitted) -> None:
        if self.answered:
            return
        q = event.card.question
        lang = self.app.lang
        outcome, verdict, move = review_outcome(q, event.text, event.value, lang)
        store = self.app.store
        try:
            store.record_answer(
                q.id, q.kind, event.text, lang, value=event.value, unit=getattr(q, "unit", None),
                choice=event.choice, correct=outcome == "correct",
            )
            card = store.review_card(q.id, outcome, self.app.today)
            history = store.answers(q.id)
        except StoreError as e:
            event.card.show_error(f"not saved: {e}")
            return
        self.answered = True
        from ..coach.session import Reply

        event.card.show_reply(Reply(move.kind, move.text, verdict.verdict), history[-1], len(history))
        self.query_one("#review-body").focus()
        self.query_one("#review-info", Static).update(
            escape(t("review.next_due", lang, date=f"{card.due:%Y-%m-%d}", box=card.box))
        )

    async def action_next_card(self) -> None:
        if self.position < len(self.queue):
            self.position += 1
        await self.show_current()

    def action_home(self) -> None:
        self.app.go_home()
