"""A footer that names the active keys in the learner's language.

Textual's own Footer shows each binding's fixed description; this bar looks each
binding up by id in `tutor.keys`, so switching language relabels it at once and a
remapped key shows its new key.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..keys import label


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.relabel())
        self.relabel()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def relabel(self) -> None:
        lang = getattr(self.app, "lang", "en")
        active = [a for a in self.screen.active_bindings.values() if a.binding.id]
        shown = [a for a in active if a.binding.show]
        # While typing in a field the letter keys belong to the field; then name the
        # quiet keys that still work (escape, back to the text) rather than nothing.
        out = Text()
        seen = set()
        for item in shown or active:
            b = item.binding
            if b.id in seen:
                continue
            seen.add(b.id)
            if out:
                out.append("  ")
            out.append(self.app.get_key_display(b), style="bold")
            out.append(" " + label(b.id, lang, b.description), style="" if item.enabled else "dim")
        self.update(out)
