"""Chinese text that wraps like Chinese text in the terminal.

Rich (and Textual's `Content`, which uses Rich's line divider) breaks lines only at
spaces. Chinese has none, so a whole sentence counts as one "word": it is pushed to
the next line and then folded, leaving ragged half-empty lines. Two small fixes:

- `enable_cjk_wrapping()` teaches the divider that every CJK character is a place to
  break, with closing punctuation kept on the line before and opening punctuation on
  the line after (the basic rule of Chinese typesetting). It replaces the word
  pattern in `rich._wrap`, a private module: the test suite checks that the patch
  still takes effect, so a Rich upgrade that moves it fails loudly, not silently.
- `join_softbreaks(markdown)` removes the line breaks a Markdown author puts inside a
  Chinese paragraph, which would otherwise show as stray spaces between characters.
"""

from __future__ import annotations

import re

_CJK = "\u2e80-\u2fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CLOSERS = "，。、；：！？）」』》】〕”’…—\uff09\uff0c\uff01\uff1f\uff1a\uff1b\uff0e%"
_OPENERS = "（「『《【〔“‘\uff08"
_PUNCT = _CLOSERS + _OPENERS

# A "word" for line breaking: one CJK character with the punctuation that must stay
# attached to it, or a run of anything else that is not a space; spaces ride along.
CJK_WORD = re.compile(
    rf"\s*(?:[{_OPENERS}]*[{_CJK}][{_CLOSERS}]*|[{_OPENERS}]*[^\s{_CJK}{_PUNCT}]+[{_CLOSERS}]*|[{_PUNCT}]+)\s*"
)


def enable_cjk_wrapping() -> bool:
    """Install the CJK-aware word pattern into Rich's line divider; True if it took."""
    try:
        from rich import _wrap
    except ImportError:  # pragma: no cover - Rich always has it today
        return False
    if not hasattr(_wrap, "re_word"):
        return False
    _wrap.re_word = CJK_WORD
    return True


_FENCE = re.compile(r"^\s*(```|~~~)")
_SOFTBREAK = re.compile(rf"(?<=[{_CJK}{_PUNCT}])\n[ \t]*(?=[{_CJK}{_PUNCT}])")


def join_softbreaks(markdown: str) -> str:
    """Join lines inside paragraphs where both sides of the break are Chinese; code stays."""
    out: list[str] = []
    prose: list[str] = []
    in_code = False

    def flush_prose() -> None:
        if prose:
            out.append(_SOFTBREAK.sub("", "\n".join(prose)))
            prose.clear()

    for line in markdown.split("\n"):
        if _FENCE.match(line):
            flush_prose()
            in_code = not in_code
            out.append(line)
        elif in_code:
            out.append(line)
        else:
            prose.append(line)
    flush_prose()
    return "\n".join(out)
