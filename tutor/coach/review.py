"""Spaced review with Leitner boxes: pure logic, no store, no clock.

Every question the learner has answered gets a card. A card sits in one of five boxes;
the box sets how long until the question comes back:

    box       1  2  3  4   5
    interval  1  3  7  16  35 days

- A new card (the question was just answered for the first time) starts in box 1 and
  is due tomorrow, whatever that first answer was: the first answer is the lesson, not
  a review.
- A correct review moves the card up one box (at most 5); it is due after that box's
  interval.
- A partial review keeps the card in its box; it is due after that box's interval.
- A wrong answer, a misconception, an off-topic or empty answer sends the card back
  to box 1, due tomorrow, and counts a lapse.

One rule the bare Leitner description leaves open: a card answered *before* it is due
(the learner opens the question again the same day) is not promoted by a correct
answer, or answering five times in a row would file a question as known for a month.
Such an early correct answer keeps the card's box and due date; an early partial
answer keeps the box and never pushes the due date later; an early failure still sends
the card back to box 1, because forgetting is evidence whenever it shows. Every call
counts as a review.

`today` is always passed in, so the schedule is testable across simulated days; the
caller decides whose calendar "today" is (the learner's local date).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

#: Days until a card in box n (1-based) is due again: INTERVALS[n - 1].
INTERVALS: tuple[int, ...] = (1, 3, 7, 16, 35)
FIRST_BOX = 1
LAST_BOX = len(INTERVALS)

Outcome = Literal["correct", "partial", "wrong", "misconception", "off-topic", "empty"]
OUTCOMES: tuple[str, ...] = ("correct", "partial", "wrong", "misconception", "off-topic", "empty")
#: Outcomes that send a card back to box 1.
FAILURES: frozenset[str] = frozenset({"wrong", "misconception", "off-topic", "empty"})

_ALIASES = {"off_topic": "off-topic", "offtopic": "off-topic"}


@dataclass(frozen=True)
class Card:
    """One question's place in the review schedule."""

    question_id: str
    box: int
    due: date
    last_reviewed: date | None = None
    reviews: int = 0
    lapses: int = 0

    def is_due(self, today: date) -> bool:
        return self.due <= as_day(today)


def interval(box: int) -> int:
    """Days until a card in `box` is due again."""
    if isinstance(box, bool) or not isinstance(box, int) or not FIRST_BOX <= box <= LAST_BOX:
        raise ValueError(f"box must be a whole number from {FIRST_BOX} to {LAST_BOX}, got {box!r}")
    return INTERVALS[box - 1]


def normalize_outcome(outcome: object) -> str:
    """The outcome as one of OUTCOMES. Accepts the text, the judge's `Verdict` (its
    `.verdict`), or an enum whose value is the text; `off_topic` and `offtopic` mean
    `off-topic`. ValueError names anything else."""
    value = outcome
    for attribute in ("verdict", "value"):
        if isinstance(getattr(outcome, attribute, None), str):
            value = getattr(outcome, attribute)
            break
    if isinstance(value, str):
        text = value.strip().lower()
        text = _ALIASES.get(text, text)
        if text in OUTCOMES:
            return text
    raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")


def new_card(question_id: str, today: date) -> Card:
    """The card for a question first answered `today`: box 1, due tomorrow."""
    if not isinstance(question_id, str) or not question_id:
        raise ValueError(f"question_id must be non-empty text, got {question_id!r}")
    today = as_day(today)
    return Card(question_id, FIRST_BOX, today + timedelta(days=interval(FIRST_BOX)))


def schedule(card: Card, outcome: Outcome | str | object, today: date) -> Card:
    """The card after a review on `today` with `outcome` (see the module notes)."""
    result = normalize_outcome(outcome)
    today = as_day(today)
    box = min(max(card.box, FIRST_BOX), LAST_BOX)  # a stored card from a wider scheme
    early = today < card.due
    reviewed = replace(card, last_reviewed=today, reviews=card.reviews + 1)
    if result in FAILURES:
        return replace(
            reviewed,
            box=FIRST_BOX,
            due=today + timedelta(days=interval(FIRST_BOX)),
            lapses=card.lapses + 1,
        )
    if result == "correct":
        if early:
            return replace(reviewed, box=box)
        box = min(box + 1, LAST_BOX)
        return replace(reviewed, box=box, due=today + timedelta(days=interval(box)))
    # partial
    due = today + timedelta(days=interval(box))
    if early:
        due = min(due, card.due)
    return replace(reviewed, box=box, due=due)


def due(cards: list[Card], today: date) -> list[Card]:
    """The cards due on or before `today`: most overdue first, then lower boxes
    (shakier questions) first, then by question id so the order is stable."""
    today = as_day(today)
    return sorted(
        (card for card in cards if card.due <= today),
        key=lambda card: (card.due, card.box, card.question_id),
    )


def as_day(value: date) -> date:
    """A calendar date; a datetime is cut to its date (datetime is a date subclass,
    and comparing the two raises)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"today must be a date, got {value!r}")
