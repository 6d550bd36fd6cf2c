"""Where the optional local model is, and what it may not say.

Off by default. The learner turns it on with `tutor llm on URL` (kept in the store)
or with TUTOR_LLM_URL / TUTOR_LLM_MODEL (which win). The rubric stays the judge: the
model only rewords the move the coach already chose, and is never shown the parts
of the answer the conversation still withholds.
"""

from __future__ import annotations

import os

from .llm import ENV_URL, LLMConfigError, LLMSettings


def settings_for(store) -> LLMSettings:
    """The environment's settings when TUTOR_LLM_URL is set, else the learner's stored ones."""
    if os.environ.get(ENV_URL, "").strip():
        return LLMSettings.from_env()
    url = store.get_setting("llm_url")
    if not url:
        return LLMSettings()
    try:
        return LLMSettings(
            url=url,
            model=store.get_setting("llm_model") or None,
            allow_remote=store.get_setting("llm_allow_remote") == "1",
        )
    except (LLMConfigError, ValueError):
        return LLMSettings()  # a stored URL that is no longer allowed: off, never a crash


def withheld_for(question, conversation, lang: str) -> list[str]:
    """What the model must not reveal: the model answer until it was revealed, and the
    hint rungs the learner has not reached."""
    if question.rubric is None and question.explanation is None:
        return []
    out = []
    if question.explanation is not None and not conversation.revealed:
        out.append(question.explanation(lang))
    if question.rubric is not None:
        shown = max((t.hints_shown for t in conversation.history), default=0)
        out += question.rubric.hints(lang)[shown:]
    return out
