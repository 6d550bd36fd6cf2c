"""`g`: jump to week N."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..i18n import t
from ..keys import bindings


class JumpDialog(ModalScreen[int | None]):
    BINDINGS = bindings("dialog.close")

    def __init__(self, weeks: int) -> None:
        super().__init__()
        self.weeks = weeks

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical(classes="dialog small"):
            yield Static(t("jump.prompt", lang, n=self.weeks))
            yield Input(id="week-number", type="integer")
            yield Static(id="jump-error", classes="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            n = int(event.value.strip())
        except ValueError:
            n = 0
        if 1 <= n <= self.weeks:
            self.dismiss(n)
        else:
            self.query_one("#jump-error", Static).update(t("jump.bad", self.app.lang, n=self.weeks))

    def action_close(self) -> None:
        self.dismiss(None)
