"""Every key binding in one table: id, default key, action, and the label's i18n key.

Bindings carry ids (`lesson.next`) so a settings file can remap them through
Textual's keymap; the key bar and the help screen read labels from here in the
learner's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from .i18n import t


@dataclass(frozen=True)
class Key:
    id: str
    key: str
    action: str
    label: str  # i18n key
    show: bool = True
    priority: bool = False


KEYS: dict[str, Key] = {
    k.id: k
    for k in (
        Key("app.quit", "q", "quit", "key.quit"),
        Key("app.help", "question_mark", "help", "key.help"),
        Key("app.lang", "l", "toggle_lang", "key.lang"),
        Key("app.plan", "p", "plan", "key.plan"),
        Key("app.profile", "u", "profile", "key.profile", show=False),
        Key("app.jump", "g", "jump", "key.jump"),
        Key("app.outline", "o", "outline", "key.outline"),
        Key("app.review", "v", "review", "key.review"),
        Key("home.open", "enter", "open_week", "key.open"),
        Key("lesson.home", "h", "home", "key.home"),
        Key("lesson.next", "n", "next_lesson", "key.next_lesson"),
        Key("lesson.prev", "b", "prev_lesson", "key.prev_lesson"),
        Key("lesson.next_week", "right_square_bracket", "next_week", "key.next_week"),
        Key("lesson.prev_week", "left_square_bracket", "prev_week", "key.prev_week"),
        Key("lesson.question", "a", "next_question", "key.next_question"),
        Key("lesson.text", "escape", "text", "key.text", show=False),
        Key("lesson.done", "d", "finish_week", "key.done"),
        Key("lesson.run", "r", "run_experiment", "key.run"),
        Key("lesson.stop", "s", "stop_run", "key.stop"),
        Key("lesson.experiment", "e", "next_experiment", "key.experiment"),
        Key("review.next", "n", "next_card", "key.next_card"),
        Key("dialog.close", "escape", "close", "key.close"),
    )
}


def bindings(*ids: str) -> list[Binding]:
    """Textual bindings for these ids, described in English (the key bar localises)."""
    out = []
    for id_ in ids:
        k = KEYS[id_]
        out.append(Binding(k.key, k.action, t(k.label, "en"), show=k.show, id=k.id, priority=k.priority))
    return out


def label(binding_id: str | None, lang: str, fallback: str = "") -> str:
    k = KEYS.get(binding_id or "")
    return t(k.label, lang) if k else fallback
