"""The Textual app: global keys, the screens, and the language they all speak.

The app holds three things every screen reads: the course tree, the learner's store
and the language. Screens never import torch or mlx; the live lab loads them when a
run starts.
"""

from __future__ import annotations

from datetime import date

from textual.app import App

from .cjk import enable_cjk_wrapping
from .commands import TutorCommands
from .course import CourseTree
from .i18n import t
from .keys import bindings
from .memory import MemoryMonitor
from .runs import RunManager
from .screens.help import HelpScreen
from .screens.home import HomeScreen
from .screens.jump import JumpDialog
from .screens.lesson import LessonScreen
from .screens.onboarding import OnboardingScreen
from .screens.outline import OutlineScreen
from .screens.plan import PlanScreen
from .screens.review import ReviewScreen


class TutorApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {TutorCommands}
    BINDINGS = bindings("app.quit", "app.help", "app.lang", "app.plan", "app.jump", "app.outline", "app.review", "app.profile")

    def __init__(self, tree: CourseTree, store, lang: str, today: date | None = None, monitor: MemoryMonitor | None = None):
        super().__init__()
        enable_cjk_wrapping()
        self.course = tree
        self.store = store
        self.lang = lang
        self.today = today or date.today()
        self.runs = RunManager(store)
        self._conversations: dict = {}
        self.monitor = monitor or MemoryMonitor()
        store.mark_interrupted_runs()

    def on_mount(self) -> None:
        self.title = t("app.title", self.lang)
        if self.store.notice:
            notice = self.store.notice
            if self.lang == "zh" and self.store.set_aside:
                notice = f"{t('notice.corrupt', 'zh')}\n{self.store.set_aside}"
            self.notify(notice, severity="warning", timeout=15)
        pos = self.position()
        if self.store.get_profile() is None:
            self.push_screen(HomeScreen())
            self.push_screen(OnboardingScreen(), self._after_onboarding)
        elif pos is None:
            self.push_screen(HomeScreen())
        else:
            # Straight back where the learner was; home is built when first asked for.
            self.push_screen(LessonScreen(*self._index_of(*pos)))

    def position(self) -> tuple[int, str | None] | None:
        """Where the learner was, if that week is in this course (a position saved while
        using another lesson tree, `--lessons`, is not)."""
        pos = self.store.position()
        if pos is not None and not any(w.number == pos[0] for w in self.course.weeks):
            return None
        return pos

    def _after_onboarding(self, saved: bool | None) -> None:
        if saved and isinstance(self.screen, HomeScreen):
            self.screen.apply_lang()

    def _index_of(self, week: int, slug: str | None) -> tuple[int, int | None]:
        week_obj = self.course.week(week)
        for i, lesson in enumerate(week_obj.lessons):
            if lesson.slug == slug:
                return week, i
        return week, (0 if week_obj.lessons else None)

    def conversation(self, question):
        """The coach's conversation about `question` (one per question, kept while the app runs)."""
        from .coach.session import Conversation

        found = self._conversations.get(question.id)
        if found is None:
            found = self._conversations[question.id] = Conversation(question, self.store, self.lang, self.today)
        found.lang = self.lang
        return found

    def on_lab_panel_run_ended(self, event) -> None:
        """A run finished: every prediction waiting for this experiment meets its measurement,
        whichever lesson is on screen."""
        summary = event.summary
        if summary is None or summary.status != "finished" or not event.experiment_id:
            return
        data = summary.model_dump()
        replies = {}
        for week in self.course.weeks:
            for q in week.questions():
                if q.kind == "predict" and q.experiment == event.experiment_id:
                    reply = self.conversation(q).measured(data, summary.run)
                    if reply is not None:
                        replies[q.id] = reply
        if replies and isinstance(self.screen, LessonScreen):
            self.screen.show_measurements(replies)

    def stop_training(self, wait: float = 2.0) -> None:
        """Ask a running trainer to stop and give it a moment to record its summary."""
        run = self.runs.current
        if run is not None and run.running:
            run.request_stop()
            run.join(wait)

    async def action_quit(self) -> None:
        self.stop_training()
        self.exit()

    def on_unmount(self) -> None:
        self.stop_training()

    # ------------------------------------------------------------ moving about

    def go_home(self) -> None:
        if not any(isinstance(s, HomeScreen) for s in self.screen_stack):
            self.switch_screen(HomeScreen())
            return
        while not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if isinstance(self.screen, HomeScreen):
            self.screen.apply_lang()
            pos = self.position()
            if pos:
                self.screen.highlight_week(pos[0])

    def open_week(self, number: int, slug: str | None = None) -> None:
        week, index = self._index_of(number, slug)
        if isinstance(self.screen, LessonScreen):
            self.run_worker(self.screen.show(week, index), exclusive=True, group="show")
        else:
            self.push_screen(LessonScreen(week, index))

    # ------------------------------------------------------------ global actions

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_review(self) -> None:
        if not isinstance(self.screen, ReviewScreen):
            self.push_screen(ReviewScreen())

    def action_plan(self) -> None:
        if not isinstance(self.screen, PlanScreen):
            self.push_screen(PlanScreen())

    def action_profile(self) -> None:
        if not isinstance(self.screen, OnboardingScreen):
            self.push_screen(OnboardingScreen(), self._after_onboarding)

    def action_jump(self) -> None:
        def chosen(n: int | None) -> None:
            if n is not None:
                self.open_week(n)

        self.push_screen(JumpDialog(len(self.course.weeks)), chosen)

    def action_outline(self) -> None:
        def chosen(where: tuple[int, str | None] | None) -> None:
            if where is not None:
                self.open_week(*where)

        self.push_screen(OutlineScreen(), chosen)

    async def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.store.set_setting("lang", self.lang)
        self.title = t("app.title", self.lang)
        for screen in self.screen_stack:
            if isinstance(screen, LessonScreen):
                await screen.apply_lang()
            elif isinstance(screen, (HomeScreen, OnboardingScreen)):
                screen.apply_lang()
            for bar in screen.query("KeyBar"):
                bar.relabel()
        self.notify(t("lang.switched", self.lang), timeout=2)
