"""Spaced-review cards in the learner's store: one row per question answered.

The schedule itself is pure logic in `tutor.coach.review`; this mixin only keeps the
cards. Dates are ISO text (`YYYY-MM-DD`), so ordering by `due` as text is ordering by
date. Each write is one statement, committed when it returns (see `tutor.store`).

A review is a read followed by one UPDATE. Two tutor processes reviewing the same
card in the same instant could lose one of the two reviews; the second write wins
whole, so a card is never left half-updated.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.coach.review import Card

# `tutor.coach.review` is imported inside the methods: `tutor.store` imports this module,
# and the coach package (which may import the store) must not load with it.

_CARD_COLUMNS = "question_id, box, due, last_reviewed, reviews, lapses"


def _card(row: tuple) -> Card:
    from tutor.coach.review import Card

    question_id, box, due, last_reviewed, reviews, lapses = row
    return Card(
        question_id=question_id,
        box=int(box),
        due=date.fromisoformat(due),
        last_reviewed=date.fromisoformat(last_reviewed) if last_reviewed else None,
        reviews=int(reviews),
        lapses=int(lapses),
    )


class ReviewCards:
    """Mixed into `Store`: uses its `_execute` and `_query`."""

    def ensure_card(self, question_id: str, today: date) -> Card:
        """The question's card, created (box 1, due tomorrow) if it has none yet.
        Idempotent: an existing card is returned unchanged."""
        from tutor.coach.review import new_card
        from tutor.store import _now

        card = new_card(question_id, today)
        self._execute(
            "INSERT OR IGNORE INTO review_cards"
            f" ({_CARD_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (card.question_id, card.box, card.due.isoformat(), None, 0, 0, _now()),
        )
        found = self.card(question_id)
        assert found is not None  # just inserted, or already there
        return found

    def card(self, question_id: str) -> Card | None:
        rows = self._query(
            f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE question_id = ?", (question_id,)
        )
        return _card(rows[0]) if rows else None

    def review_card(self, question_id: str, outcome: object, today: date) -> Card:
        """Record one review and return the card as rescheduled. A question with no
        card yet gets a new one instead (its first answer is not a review)."""
        from tutor.coach.review import schedule

        existing = self.card(question_id)
        if existing is None:
            return self.ensure_card(question_id, today)
        card = schedule(existing, outcome, today)
        self._execute(
            "UPDATE review_cards SET box = ?, due = ?, last_reviewed = ?, reviews = ?,"
            " lapses = ? WHERE question_id = ?",
            (
                card.box,
                card.due.isoformat(),
                card.last_reviewed.isoformat() if card.last_reviewed else None,
                card.reviews,
                card.lapses,
                question_id,
            ),
        )
        return card

    def cards(self) -> list[Card]:
        """Every card, in the order the questions were first answered."""
        rows = self._query(f"SELECT {_CARD_COLUMNS} FROM review_cards ORDER BY created_at, rowid")
        return [_card(row) for row in rows]

    def due_cards(self, today: date) -> list[Card]:
        """Cards due on or before `today`: most overdue first, then lower boxes, then id
        (the order of `tutor.coach.review.due`)."""
        rows = self._query(
            f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE due <= ?"
            " ORDER BY due, box, question_id",
            (_iso_day(today),),
        )
        return [_card(row) for row in rows]

    def due_count(self, today: date) -> int:
        """How many cards are due on or before `today`."""
        rows = self._query(
            "SELECT COUNT(*) FROM review_cards WHERE due <= ?", (_iso_day(today),)
        )
        return int(rows[0][0])


def _iso_day(today: date) -> str:
    from tutor.coach.review import as_day

    return as_day(today).isoformat()


# Append to `tutor.store.MIGRATIONS` (never edit it once shipped). The box is checked in
# Python, not by a CHECK constraint, so a sixth box would need no table rebuild.
REVIEW_MIGRATION = """
CREATE TABLE review_cards (
    question_id   TEXT PRIMARY KEY,
    box           INTEGER NOT NULL,
    due           TEXT NOT NULL,
    last_reviewed TEXT,
    reviews       INTEGER NOT NULL DEFAULT 0,
    lapses        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE INDEX review_cards_by_due ON review_cards (due, box);
"""
