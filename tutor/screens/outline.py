"""`o`: the whole course as a tree of phases, weeks and lessons; Enter opens one."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, Tree

from ..i18n import t
from ..keys import bindings


class OutlineScreen(ModalScreen[tuple[int, str | None] | None]):
    BINDINGS = bindings("dialog.close")

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        tree = self.app.course
        done = self.app.store.weeks_done()
        outline: Tree = Tree(escape(tree.course.title(lang)), id="outline")
        outline.root.expand()
        pos = self.app.position()
        cursor = None
        for phase in tree.phases:
            phase_node = outline.root.add(escape(f"{t('home.phase', lang, n=phase.number)} · {phase.title(lang)}"), expand=True)
            for n in phase.weeks:
                week = tree.week(n)
                mark = " ✓" if n in done else ""
                week_node = phase_node.add(
                    escape(f"W{n:02d} {week.info.title(lang)}{mark}"), data=(n, None), expand=bool(pos and pos[0] == n), allow_expand=bool(week.lessons)
                )
                if pos and pos[0] == n and pos[1] is None:
                    cursor = week_node
                for lesson in week.lessons:
                    leaf = week_node.add_leaf(escape(lesson.title(lang)), data=(n, lesson.slug))
                    if pos and pos == (n, lesson.slug):
                        cursor = leaf
        self._cursor = cursor
        with Vertical(classes="dialog"):
            yield Static(f"[b]{t('outline.title', lang)}[/b]")
            yield outline

    def on_mount(self) -> None:
        outline = self.query_one(Tree)
        outline.focus()
        if self._cursor is not None:
            self.call_after_refresh(outline.move_cursor, self._cursor)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data is not None and not event.node.allow_expand:
            self.dismiss(event.node.data)

    def action_close(self) -> None:
        self.dismiss(None)
