"""`p`: the learner's personal schedule, the same text `tutor plan` prints."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import t
from ..keys import KEYS, bindings
from ..plan import render_plan


class PlanScreen(ModalScreen[None]):
    BINDINGS = bindings("dialog.close")

    def compose(self) -> ComposeResult:
        app = self.app
        lang = app.lang
        profile = app.store.get_profile()
        if profile is None:
            text = t("plan.none", lang, key=KEYS["app.profile"].key)
        else:
            text = escape(render_plan(app.course, profile, app.today, app.store.weeks_done(), lang))
        with VerticalScroll(classes="dialog wide"):
            yield Static(text, id="plan-text")

    def action_close(self) -> None:
        self.dismiss(None)
