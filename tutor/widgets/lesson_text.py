"""A lesson's Markdown, drawn by Rich as one widget.

Textual's Markdown widget builds a widget per block; for a 900-word lesson that took
~0.45 s of the first screen here, against ~10 ms for Rich's renderer drawing the
same text into one Static (measured on this project's CI machine). Lessons need
headings, lists, emphasis, tables and highlighted code, which Rich draws well.
"""

from __future__ import annotations

from rich.markdown import Markdown
from textual.widgets import Static

from ..cjk import join_softbreaks


class LessonText(Static):
    DEFAULT_CSS = """
    LessonText { height: auto; padding: 1 1 0 1; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.source = ""

    def show(self, markdown: str) -> None:
        self.source = markdown
        self.update(Markdown(join_softbreaks(markdown), code_theme="monokai", inline_code_theme="monokai", hyperlinks=False))
