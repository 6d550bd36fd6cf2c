"""`?`: every key that works here and everywhere, in the learner's language."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..i18n import t
from ..keys import bindings, label


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings("dialog.close")

    def __init__(self, under) -> None:
        super().__init__()
        self.under = under  # the screen whose keys we list

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(self._table(), id="help-table")
            yield Static(f"[dim]{t('help.hint', self.app.lang)}[/dim]")

    def _table(self) -> Table:
        lang = self.app.lang
        app = self.app
        table = Table(title=t("help.title", lang), expand=True, show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for heading, node in ((t("help.screen", lang), self.under), (t("help.global", lang), app)):
            table.add_row(f"[u]{heading}[/u]", "")
            for _key, binding in node._bindings:
                if binding.id:
                    table.add_row(app.get_key_display(binding), label(binding.id, lang, binding.description))
        table.add_row("ctrl+p", t("key.palette", lang))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
