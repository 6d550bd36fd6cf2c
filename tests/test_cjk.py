"""Chinese paragraphs wrap at characters, and authors' soft line breaks vanish."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content

from tutor.cjk import enable_cjk_wrapping, join_softbreaks

PARAGRAPH = "大多数深度学习教程默认你有一台插着 NVIDIA 显卡的 PC。你的 Mac Studio 不是这样设计的，而这个差别直接决定了：你能训练多大的模型、跑多快。"


def test_textual_content_wraps_chinese_at_characters():
    assert enable_cjk_wrapping()
    lines = [line.plain.rstrip() for line in Content(PARAGRAPH).wrap(30)]
    assert "".join(lines).replace(" ", "") == PARAGRAPH.replace(" ", "")
    # Every line but the last is nearly full: no sentence pushed whole to the next line.
    assert all(cell_len(line) >= 26 for line in lines[:-1]), lines
    # Closing punctuation never starts a line.
    assert not any(line.startswith(("，", "。", "：", "、")) for line in lines)


def test_english_still_wraps_at_spaces():
    enable_cjk_wrapping()
    lines = [line.plain.rstrip() for line in Content("unified memory removes the copy " * 4).wrap(20)]
    assert all(not line.startswith(("nified", "emory")) for line in lines)
    assert lines[0] == "unified memory"


def test_join_softbreaks_keeps_code_and_paragraphs():
    md = "一道硬上限——\n  都必须放进显存。\n\n下一段\n\n```python\n# 中文\n# 注释\n```\nEnglish\nlines stay"
    out = join_softbreaks(md)
    assert "一道硬上限——都必须放进显存。" in out
    assert "\n\n下一段\n\n" in out
    assert "# 中文\n# 注释" in out
    assert "English\nlines stay" in out
