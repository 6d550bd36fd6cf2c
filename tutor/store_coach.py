"""The coach's conversation and the learner's predictions, in the learner's store.

Every turn is written when it happens: the learner's words with the judge's verdict,
and the coach's reply with the kind of move it made. Every prediction is kept with
the measurement it was later compared to, so the course can show how the learner's
sense of numbers (seconds per epoch, GB per model) sharpens over the weeks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CoachTurn:
    id: int
    question_id: str
    role: str  # "learner" | "coach"
    text: str
    lang: str
    verdict: str | None
    covered: tuple[str, ...]
    misconceptions: tuple[str, ...]
    gave_up: bool
    move: str | None
    hint_level: int
    revealed: bool
    created_at: datetime


@dataclass(frozen=True)
class Prediction:
    id: int
    question_id: str
    value: float
    unit: str
    run_id: str | None
    measured: float | None
    created_at: datetime


COACH_MIGRATION = """
CREATE TABLE coach_turns (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id TEXT NOT NULL,
    role        TEXT NOT NULL,
    text        TEXT NOT NULL,
    lang        TEXT NOT NULL,
    verdict     TEXT,
    covered     TEXT NOT NULL DEFAULT '[]',
    misconceptions TEXT NOT NULL DEFAULT '[]',
    gave_up     INTEGER NOT NULL DEFAULT 0,
    move        TEXT,
    hint_level  INTEGER NOT NULL DEFAULT 0,
    revealed    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE INDEX coach_turns_by_question ON coach_turns (question_id, id);

CREATE TABLE predictions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id TEXT NOT NULL,
    value       REAL NOT NULL,
    unit        TEXT NOT NULL,
    run_id      TEXT,
    measured    REAL,
    created_at  TEXT NOT NULL,
    measured_at TEXT
);
CREATE INDEX predictions_by_question ON predictions (question_id, id);
"""

_TURN_COLUMNS = "id, question_id, role, text, lang, verdict, covered, misconceptions, gave_up, move, hint_level, revealed, created_at"
_PREDICTION_COLUMNS = "id, question_id, value, unit, run_id, measured, created_at"


def _turn(row: tuple) -> CoachTurn:
    id_, qid, role, text, lang, verdict, covered, misconceptions, gave_up, move, hint, revealed, created = row
    return CoachTurn(
        id_, qid, role, text, lang, verdict, tuple(json.loads(covered)), tuple(json.loads(misconceptions)),
        bool(gave_up), move, hint, bool(revealed), datetime.fromisoformat(created),
    )


def _prediction(row: tuple) -> Prediction:
    id_, qid, value, unit, run_id, measured, created = row
    return Prediction(id_, qid, value, unit, run_id, measured, datetime.fromisoformat(created))


class CoachRecords:
    """Mixed into `Store`: uses its `_execute` and `_query`."""

    def add_turn(
        self,
        question_id: str,
        role: str,
        text: str,
        lang: str,
        *,
        verdict: str | None = None,
        covered: tuple[str, ...] | list[str] = (),
        misconceptions: tuple[str, ...] | list[str] = (),
        gave_up: bool = False,
        move: str | None = None,
        hint_level: int = 0,
        revealed: bool = False,
    ) -> int:
        from .store import _now

        if role not in ("learner", "coach"):
            raise ValueError(f"role must be learner or coach, got {role!r}")
        return self._execute(
            "INSERT INTO coach_turns (question_id, role, text, lang, verdict, covered, misconceptions, gave_up,"
            " move, hint_level, revealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                question_id, role, text, lang, verdict, json.dumps(list(covered)), json.dumps(list(misconceptions)),
                int(gave_up), move, hint_level, int(revealed), _now(),
            ),
        )

    def turns(self, question_id: str) -> list[CoachTurn]:
        rows = self._query(f"SELECT {_TURN_COLUMNS} FROM coach_turns WHERE question_id = ? ORDER BY id", (question_id,))
        return [_turn(r) for r in rows]

    def record_prediction(self, question_id: str, value: float, unit: str) -> int:
        from .store import _now

        return self._execute(
            "INSERT INTO predictions (question_id, value, unit, created_at) VALUES (?, ?, ?, ?)",
            (question_id, float(value), unit, _now()),
        )

    def attach_measurement(self, prediction_id: int, run_id: str | None, measured: float) -> None:
        from .store import _now

        self._execute(
            "UPDATE predictions SET run_id = ?, measured = ?, measured_at = ? WHERE id = ?",
            (run_id, float(measured), _now(), prediction_id),
        )

    def predictions(self, question_id: str | None = None) -> list[Prediction]:
        if question_id is None:
            rows = self._query(f"SELECT {_PREDICTION_COLUMNS} FROM predictions ORDER BY id")
        else:
            rows = self._query(f"SELECT {_PREDICTION_COLUMNS} FROM predictions WHERE question_id = ? ORDER BY id", (question_id,))
        return [_prediction(r) for r in rows]
