"""The coach: judges a free-text answer against its rubric and replies with one
Socratic move. Pure Python, deterministic and offline; an optional local LLM
(`tutor.coach.llm`) may only reword the move it decides.
"""

from .judge import VERDICTS, Verdict, judge
from .moves import KINDS, Move, Turn, next_move

__all__ = ["KINDS", "VERDICTS", "Move", "Turn", "Verdict", "judge", "next_move"]
