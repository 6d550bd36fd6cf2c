"""The lesson screen: text and questions on the left, the lab's panels on the right.

The screen walks a flat list of stops, one per lesson (or one per week whose lessons
are not written yet), so "next" crosses from the last lesson of a week into the next
week. Every move is saved as the learner's position; every answer is saved on Enter.
"""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..i18n import t
from ..keys import bindings
from ..report import checkpoint_missing
from ..store import StoreError
from ..widgets.keybar import KeyBar
from ..widgets.lab_panel import LabPanel
from ..widgets.memory_panel import MemoryPanel
from ..widgets.lesson_text import LessonText
from ..widgets.question_card import QuestionCard


def stops(tree) -> list[tuple[int, int | None]]:
    """(week, lesson index) for every lesson in order; (week, None) for an unwritten week."""
    out = []
    for week in tree.weeks:
        if week.lessons:
            out += [(week.number, i) for i in range(len(week.lessons))]
        else:
            out.append((week.number, None))
    return out


class LessonScreen(Screen):
    BINDINGS = bindings(
        "lesson.next",
        "lesson.prev",
        "lesson.next_week",
        "lesson.prev_week",
        "lesson.question",
        "lesson.run",
        "lesson.stop",
        "lesson.experiment",
        "lesson.done",
        "lesson.home",
        "lesson.text",
    )

    def __init__(self, week: int, index: int | None):
        super().__init__()
        self.week_number = week
        self.index = index
        self.experiment_index = 0

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-head", classes="title")
        with Horizontal(classes="body-row"):
            with VerticalScroll(id="reader"):
                yield LessonText(id="body")
                yield Static(id="questions-heading", classes="section")
                yield Vertical(id="cards")
                yield Static(id="experiments", classes="section-body")
                yield Static(id="checkpoint", classes="section-body")
            with Vertical(id="side"):
                yield LabPanel(id="lab", classes="panel")
                yield MemoryPanel(self.app.monitor, id="memory", classes="panel")
        yield KeyBar()

    async def on_mount(self) -> None:
        await self.show(self.week_number, self.index)

    @property
    def week(self):
        return self.app.course.week(self.week_number)

    @property
    def lesson(self):
        return None if self.index is None else self.week.lessons[self.index]

    async def show(self, week: int, index: int | None) -> None:
        """Show a lesson (or an unwritten week) and save it as the learner's position."""
        self.week_number, self.index = week, index
        self.experiment_index = 0
        store = self.app.store
        try:
            store.set_position(week, self.lesson.slug if self.lesson else None)
            if self.lesson:
                store.mark_lesson_read(week, self.lesson.slug)
        except StoreError as e:
            self.app.notify(f"could not save your position: {e}", severity="error")
        cards = self.query_one("#cards", Vertical)
        await cards.remove_children()
        if self.lesson:
            latest = store.latest_answers()
            new_cards = []
            for q in self.lesson.questions:
                card = QuestionCard(q, self.app.lang, self.app.conversation(q), id=f"card-{q.id.replace('.', '-')}")
                turns = store.turns(q.id)
                coach = next((turn.text for turn in reversed(turns) if turn.role == "coach"), "")
                verdict = next((turn.verdict for turn in reversed(turns) if turn.role == "learner"), None)
                card.load(latest.get(q.id), len(store.answers(q.id)) if q.id in latest else 0, coach, verdict)
                new_cards.append(card)
            await cards.mount_all(new_cards)
        await self.apply_lang()
        self.query_one("#reader").scroll_home(animate=False)
        self.query_one("#reader").focus()

    async def apply_lang(self) -> None:
        lang = self.app.lang
        week = self.week
        head = f"[b]W{week.number:02d} · {escape(week.info.title(lang))}[/b]"
        if self.lesson:
            head += f"  —  {escape(self.lesson.title(lang))}  [dim]({t('lesson.of', lang, i=self.index + 1, n=len(week.lessons))})[/dim]"
        self.query_one("#lesson-head", Static).update(head)
        body = self.query_one("#body", LessonText)
        if self.lesson:
            body.show(self.lesson.body(lang))
        else:
            objectives = "\n".join(f"- {o}" for o in week.info.objectives(lang))
            body.show(
                f"# {week.info.title(lang)}\n\n{t('lesson.no_lessons', lang, n=week.number)}\n\n"
                f"## {t('home.objectives', lang)}\n\n{objectives}\n"
            )
        questions = self.lesson.questions if self.lesson else ()
        heading = self.query_one("#questions-heading", Static)
        heading.update(f"[b]{t('lesson.questions', lang)}[/b]")
        heading.display = bool(questions)
        for card in self.query(QuestionCard):
            card.apply_lang(lang)
        self._render_experiments()
        self._render_checkpoint()
        self._render_side()

    def _render_experiments(self) -> None:
        lang = self.app.lang
        widget = self.query_one("#experiments", Static)
        experiments = self.lesson.experiments if self.lesson else ()
        widget.display = bool(experiments)
        lines = [f"[b]{t('lesson.experiments', lang)}[/b]"]
        from trainers.registry import names

        available = names()
        for i, x in enumerate(experiments):
            state = "" if x.trainer in available else f"  [dim]({t('lesson.trainer_pending', lang, trainer=x.trainer)})[/dim]"
            mark = "▶" if i == self.experiment_index else " "
            lines.append(f" {mark} {escape(x.title(lang))} [dim]{x.id} · {x.trainer}[/dim]{state}")
        widget.update("\n".join(lines))

    def _render_checkpoint(self) -> None:
        lang = self.app.lang
        widget = self.query_one("#checkpoint", Static)
        week = self.week
        is_last = self.index is not None and self.index == len(week.lessons) - 1
        widget.display = bool(week.checkpoint and is_last)
        if not widget.display:
            return
        store = self.app.store
        lines = [f"[b]{t('lesson.checkpoint', lang)}[/b]", escape(week.checkpoint.summary(lang))]
        if week.number in store.weeks_done():
            lines.append(t("lesson.week_done", lang))
        else:
            missing = checkpoint_missing(week, store)
            key = self.app.get_key_display(next(b for b in self.BINDINGS if b.id == "lesson.done"))
            lines.append(t("lesson.checkpoint_todo", lang, ids=", ".join(missing)) if missing else t("lesson.checkpoint_ready", lang, key=key))
        widget.update("\n".join(lines))

    def _render_side(self) -> None:
        self.query_one(LabPanel).show_status()
        self.query_one(MemoryPanel).show()

    # ------------------------------------------------------------ the lab

    @property
    def experiment(self):
        experiments = self.lesson.experiments if self.lesson else ()
        return experiments[self.experiment_index] if experiments else None

    def action_next_experiment(self) -> None:
        experiments = self.lesson.experiments if self.lesson else ()
        if experiments:
            self.experiment_index = (self.experiment_index + 1) % len(experiments)
            self._render_experiments()

    def action_run_experiment(self) -> None:
        from ..runs import RunError

        lang = self.app.lang
        x = self.experiment
        if x is None:
            self.app.notify(t("lab.no_experiment", lang), severity="warning")
            return
        try:
            run = self.app.runs.start(x.trainer, x.config, experiment_id=x.id)
        except RunError as e:
            self.app.notify(t("lab.cannot_start", lang, why=str(e)), severity="error", timeout=8)
            return
        self.query_one(LabPanel).follow(run)
        self.app.notify(t("lab.started", lang, id=run.id), timeout=3)

    def action_stop_run(self) -> None:
        run = self.app.runs.current
        if run is None or not run.running:
            self.app.notify(t("lab.nothing_running", self.app.lang), severity="warning")
            return
        run.request_stop()
        self.app.notify(t("lab.stopping", self.app.lang), timeout=2)

    # ------------------------------------------------------------ answers

    def on_question_card_submitted(self, event: QuestionCard.Submitted) -> None:
        """Hand the answer to the question's conversation; show the coach's reply."""
        card, q = event.card, event.card.question
        conversation = card.conversation
        conversation.lang = self.app.lang
        try:
            if event.value is not None:
                reply = conversation.predict(event.text, event.value)
            else:
                reply = conversation.answer(event.text, choice=event.choice)
            history = self.app.store.answers(q.id)
        except StoreError as e:
            card.show_error(f"not saved: {e}")
            return
        card.show_reply(reply, history[-1] if history else None, len(history))
        self._render_checkpoint()
        if reply.kind in ("acknowledge-probe", "challenge", "hint"):
            self.phrase_with_local_model(card, reply)

    @work(thread=True, group="phrasing", exit_on_error=False)
    def phrase_with_local_model(self, card: QuestionCard, reply) -> None:
        """Optional: a local model rewords the coach's move; the authored move stays if it
        is off, slow, wrong, or says what the rubric still withholds."""
        from ..coach.llm import phrase_move
        from ..coach.phrasing import settings_for, withheld_for

        settings = settings_for(self.app.store)
        if not settings.enabled:
            return
        q, lang = card.question, self.app.lang
        learner = [t.text for t in card.conversation.history]
        phrased = phrase_move(
            settings, q.prompt(lang), learner, reply.verdict or "", reply.kind, reply.text,
            withheld_for(q, card.conversation, lang), lang,
        )
        if phrased.source == "llm":
            self.app.call_from_thread(card.show_phrased, phrased.text)

    def show_measurements(self, replies: dict) -> None:
        """Replies from predictions that just met their measurement, by question id."""
        for card in self.query(QuestionCard):
            reply = replies.get(card.question.id)
            if reply is None:
                continue
            card.show_reply(reply, card.latest, card.attempts)
            card.scroll_visible()
            self.query_one(LabPanel).chart.show_prediction(card.question, card.conversation.latest_prediction())

    # ------------------------------------------------------------ navigation

    async def _go(self, step: int) -> None:
        all_stops = stops(self.app.course)
        i = all_stops.index((self.week_number, self.index)) + step
        if 0 <= i < len(all_stops):
            await self.show(*all_stops[i])

    async def action_next_lesson(self) -> None:
        await self._go(1)

    async def action_prev_lesson(self) -> None:
        await self._go(-1)

    async def action_next_week(self) -> None:
        await self.open_week(self.week_number + 1)

    async def action_prev_week(self) -> None:
        await self.open_week(self.week_number - 1)

    async def open_week(self, number: int, slug: str | None = None) -> None:
        tree = self.app.course
        if not 1 <= number <= len(tree.weeks):
            return
        week = tree.week(number)
        index = 0 if week.lessons else None
        for i, lesson in enumerate(week.lessons):
            if lesson.slug == slug:
                index = i
        await self.show(number, index)

    def action_next_question(self) -> None:
        cards = list(self.query(QuestionCard))
        if not cards:
            return
        focused = next((i for i, c in enumerate(cards) if c.has_focus_within), None)
        if focused is None:
            unanswered = [c for c in cards if c.latest is None]
            target = unanswered[0] if unanswered else cards[0]
        else:
            target = cards[(focused + 1) % len(cards)]
        target.focus_answer()
        target.scroll_visible()

    def action_text(self) -> None:
        self.query_one("#reader").focus()

    def action_home(self) -> None:
        self.app.go_home()

    def action_finish_week(self) -> None:
        lang = self.app.lang
        week = self.week
        store = self.app.store
        missing = checkpoint_missing(week, store)
        if not week.written or missing:
            self.app.notify(t("lesson.not_ready", lang, ids=", ".join(missing) or "-"), severity="warning")
            return
        try:
            store.mark_week_done(week.number)
        except StoreError as e:
            self.app.notify(str(e), severity="error")
            return
        self.app.notify(t("lesson.week_done", lang))
        self._render_checkpoint()

