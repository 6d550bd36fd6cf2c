"""Home: the five phases and sixteen weeks, with progress, and the highlighted week's detail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..i18n import t
from ..keys import bindings
from ..report import week_answered
from ..widgets.keybar import KeyBar


class HomeScreen(Screen):
    BINDINGS = bindings("home.open")

    def compose(self) -> ComposeResult:
        yield Static(id="home-title", classes="title")
        yield Static(id="home-progress", classes="subtitle")
        with Horizontal(classes="body-row"):
            yield OptionList(id="weeks")
            with VerticalScroll(id="week-detail"):
                yield Static(id="week-info")
        yield KeyBar()

    def on_mount(self) -> None:
        self.apply_lang()
        pos = self.app.position()
        self.highlight_week(pos[0] if pos else 1)
        self.query_one("#weeks").focus()

    def on_screen_resume(self) -> None:
        self.apply_lang()

    def highlight_week(self, number: int) -> None:
        weeks = self.query_one("#weeks", OptionList)
        try:
            weeks.highlighted = weeks.get_option_index(f"week-{number}")
        except Exception:
            pass

    def apply_lang(self) -> None:
        app = self.app
        lang = app.lang
        tree = app.course
        answered = set(app.store.latest_answers())
        done = app.store.weeks_done()
        profile = app.store.get_profile()
        directions = set(profile.direction) if profile else set()
        self.query_one("#home-title", Static).update(f"[b]{tree.course.title(lang)}[/b]")
        progress = t("home.progress", lang, done=len(done), total=len(tree.weeks), answered=len(answered))
        due = app.store.due_count(app.today)
        if due:
            progress += "   " + t("home.due", lang, n=due)
        pos = app.position()
        if pos:
            week = tree.week(pos[0])
            lesson = next((x.title(lang) for x in week.lessons if x.slug == pos[1]), week.info.title(lang))
            progress += "   " + t("home.continue", lang, week=pos[0], lesson=lesson)
        self.query_one("#home-progress", Static).update(progress)

        weeks = self.query_one("#weeks", OptionList)
        highlighted = weeks.highlighted
        weeks.clear_options()
        for phase in tree.phases:
            weeks.add_option(Option(f"[b]{t('home.phase', lang, n=phase.number)} · {phase.title(lang)}[/b]", disabled=True))
            for n in phase.weeks:
                week = tree.week(n)
                star = "★" if directions & set(week.info.tracks) else " "
                if n in done:
                    state = "✓"
                elif week.written:
                    a, total = week_answered(week, answered)
                    state = f"{a}/{total}"
                else:
                    state = "·"
                weeks.add_option(Option(f" {star} W{n:02d}  {week.info.title(lang)}  [dim]{state}[/dim]", id=f"week-{n}"))
        if highlighted is not None:
            weeks.highlighted = highlighted
        self._show_detail()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open_week()

    def selected_week(self) -> int | None:
        weeks = self.query_one("#weeks", OptionList)
        if weeks.highlighted is None:
            return None
        option_id = weeks.get_option_at_index(weeks.highlighted).id or ""
        return int(option_id.split("-")[1]) if option_id.startswith("week-") else None

    def _show_detail(self) -> None:
        n = self.selected_week()
        if n is None:
            return
        lang = self.app.lang
        week = self.app.course.week(n)
        info = week.info
        lines = [
            f"[b]{t('home.week', lang, n=n)} · {info.title(lang)}[/b]",
            f"[dim]{t('home.phase', lang, n=week.phase)} · {t('home.hours', lang, h=info.hours)}[/dim]",
        ]
        if info.prerequisites:
            lines.append(t("home.prereq", lang, weeks=", ".join(f"W{p:02d}" for p in info.prerequisites)))
        lines += ["", f"[b]{t('home.objectives', lang)}[/b]"]
        lines += [f"  • {o}" for o in info.objectives(lang)]
        lines.append("")
        if week.written:
            lines += [f"  {i}. {lesson.title(lang)}" for i, lesson in enumerate(week.lessons, 1)]
        else:
            lines.append(f"[dim]{t('home.not_written', lang)}[/dim]")
        self.query_one("#week-info", Static).update("\n".join(lines))

    def action_open_week(self) -> None:
        n = self.selected_week()
        if n is not None:
            self.app.open_week(n)
