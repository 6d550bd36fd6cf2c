"""One question's conversation with the coach, remembered in the store.

`Conversation` joins the pieces: the judge reads the learner's words against the
rubric, `next_move` chooses one Socratic move, the store keeps both turns and the
attempt, and the review deck gets a card. A prediction question first takes a number,
then (after the experiment ran, or at once when the answer is a known number)
shows prediction beside measurement and asks the learner to explain the gap; that
explanation is judged by the question's rubric like any open answer.

No Textual here: the TUI, `tutor judge` and the tests all drive this class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from ..i18n import t
from .judge import Verdict, judge, normalise
from .moves import Move, Turn, next_move

# Typed instead of an answer, these ask for the next hint rather than being judged.
HINT_REQUESTS = {"?", "hint", "a hint", "help", "提示", "给个提示", "给点提示", "求提示", "再给点提示"}



def _t(key: str, lang: str, **fmt) -> str:
    return t(f"coach.{key}", lang, **fmt)


def _fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


@dataclass(frozen=True)
class Reply:
    """What the coach says back, and what the card should show."""

    kind: str  # a move kind, or "saved" / "compared" for predictions
    text: str
    verdict: str | None = None
    revealed: bool = False
    correct: bool | None = None
    hint_level: int = 0


def read_measure(summary: dict, measure: str, unit: str) -> float | None:
    """The number a prediction is compared with: a key of the run's `final` metrics
    (`test_acc`, also written `final.test_acc`) or a summary field (`samples_per_second`).
    Accuracies are fractions; a prediction in % is compared in %."""
    key = measure.removeprefix("final.")
    value = summary.get("final", {}).get(key, summary.get(key))
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return None
    if unit.strip() == "%" and key.endswith("acc") and value <= 1.0:
        value *= 100
    return float(value)


def gap_text(value: float, measured: float, tolerance: float, lang: str) -> tuple[str, bool]:
    """("off by 3.2×" | "close", close?) — the ratio of the larger to the smaller."""
    if measured == value:
        return _t("close", lang), True
    if measured == 0 or value == 0 or (measured < 0) != (value < 0):
        return _t("off", lang, factor=float("inf")), False
    factor = max(abs(value), abs(measured)) / min(abs(value), abs(measured))
    close = abs(value - measured) <= tolerance * abs(measured)
    return (_t("close", lang) if close else _t("off", lang, factor=factor)), close


class Conversation:
    def __init__(self, question, store, lang: str, today: date | None = None):
        self.question = question
        self.store = store
        self.lang = lang
        self.today = today or date.today()
        self.history: list[Turn] = self._load()

    def _load(self) -> list[Turn]:
        """Rebuild the turns from the store: each learner turn with the coach's reply after it."""
        history: list[Turn] = []
        shown = 0
        turns = self.store.turns(self.question.id)
        for i, turn in enumerate(turns):
            if turn.role != "learner" or turn.verdict is None:
                continue
            reply = turns[i + 1] if i + 1 < len(turns) and turns[i + 1].role == "coach" else None
            shown = max(shown, reply.hint_level if reply else 0)
            history.append(
                Turn(
                    text=turn.text,
                    verdict=turn.verdict,
                    covered=turn.covered,
                    misconceptions=turn.misconceptions,
                    gave_up=turn.gave_up,
                    hints_shown=shown,
                    move=reply.move if reply else None,
                    revealed=bool(reply and reply.revealed),
                )
            )
        return history

    # ------------------------------------------------------------ state

    @property
    def revealed(self) -> bool:
        return any(t.revealed for t in self.history)

    @property
    def done(self) -> bool:
        return any(t.move in ("done", "reveal") for t in self.history)

    @property
    def needs_number(self) -> bool:
        """A prediction question waits for a number until one is compared with its answer."""
        if self.question.kind != "predict":
            return False
        latest = self.latest_prediction()
        return latest is None or (latest.measured is not None and self.done)

    def latest_prediction(self):
        found = self.store.predictions(self.question.id)
        return found[-1] if found else None

    @property
    def awaiting_measurement(self) -> bool:
        latest = self.latest_prediction()
        return self.question.kind == "predict" and latest is not None and latest.measured is None

    # ------------------------------------------------------------ turns

    def answer(self, text: str, choice: str | None = None) -> Reply:
        """Judge free text (or a choice), choose the move, keep both turns and the attempt."""
        q = self.question
        asked_hint = normalise(text).strip(" .!。！") in HINT_REQUESTS
        verdict = judge(q, "" if asked_hint else text, lang_hint=self.lang)
        move = next_move(q, self.history, verdict, self.lang, asked_hint=asked_hint)
        correct = None if q.kind == "open" and q.rubric is None else verdict.verdict == "correct"
        if not asked_hint:
            self.store.record_answer(q.id, q.kind, text, self.lang, choice=choice, correct=correct)
            self.store.ensure_card(q.id, self.today)
        self._keep(text, verdict, move)
        return Reply(move.kind, move.text, verdict.verdict, move.revealed, correct, move.hint_level)

    def _keep(self, text: str, verdict: Verdict, move: Move) -> None:
        s = self.store
        s.add_turn(
            self.question.id, "learner", text, self.lang, verdict=verdict.verdict, covered=verdict.covered,
            misconceptions=verdict.misconceptions, gave_up=verdict.gave_up,
        )
        s.add_turn(self.question.id, "coach", move.text, self.lang, move=move.kind, hint_level=move.hint_level, revealed=move.revealed)
        self.history.append(Turn.record(text, verdict, move, self.history))

    def predict(self, text: str, value: float) -> Reply:
        """Commit a number. Compared at once with a known answer, else after the experiment."""
        q = self.question
        self.store.record_answer(q.id, "predict", text, self.lang, value=value, unit=q.unit)
        prediction_id = self.store.record_prediction(q.id, value, q.unit)
        self.store.ensure_card(q.id, self.today)
        self.history = []  # a new prediction starts a new explanation
        if q.expected is not None:
            return self._compare(prediction_id, value, q.expected, None, _t("expected", self.lang))
        if q.experiment:
            return Reply("saved", _t("saved", self.lang, value=_fmt(value), unit=q.unit, experiment=q.experiment))
        return Reply("saved", _t("saved_plain", self.lang, value=_fmt(value), unit=q.unit))

    def measured(self, summary: dict, run_id: str | None) -> Reply | None:
        """The experiment finished: put the waiting prediction beside what it measured."""
        q = self.question
        latest = self.latest_prediction()
        if latest is None or latest.measured is not None or not q.measure:
            return None
        value = read_measure(summary, q.measure, q.unit)
        if value is None:
            text = _t("unmeasured", self.lang, measure=q.measure)
            self.store.add_turn(q.id, "coach", text, self.lang, move="unmeasured")
            return Reply("unmeasured", text)
        return self._compare(latest.id, latest.value, value, run_id, _t("measured", self.lang))

    def _compare(self, prediction_id: int, value: float, measured: float, run_id: str | None, source: str) -> Reply:
        q = self.question
        self.store.attach_measurement(prediction_id, run_id, measured)
        gap, close = gap_text(value, measured, q.tolerance, self.lang)
        text = _t("compare", self.lang, value=_fmt(value), unit=q.unit, source=source, measured=_fmt(measured), gap=gap)
        if q.rubric is not None:
            text += " " + _t("explain_close" if close else "explain", self.lang)
            self.store.add_turn(q.id, "coach", text, self.lang, move="compare")
            return Reply("compared", text, correct=close)
        revealed = q.explanation(self.lang) if q.explanation else ""
        self.store.add_turn(q.id, "coach", text, self.lang, move="reveal", revealed=True)
        self.history.append(Turn(text="", verdict="empty", move="reveal", revealed=True))
        return Reply("compared", f"{text}\n{revealed}".strip(), correct=close, revealed=True)
