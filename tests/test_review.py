"""Spaced review: the Leitner schedule across simulated days, and its cards in a real store."""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

import tutor.store
from tutor.coach.review import INTERVALS, Card, due, interval, new_card, normalize_outcome, schedule
from tutor.store import Store
from tutor.store_review import REVIEW_MIGRATION, ReviewCards

DAY0 = date(2025, 3, 1)


def days(n: int) -> timedelta:
    return timedelta(days=n)


# -- the schedule -----------------------------------------------------------------------


def test_intervals_are_the_leitner_boxes():
    assert INTERVALS == (1, 3, 7, 16, 35)
    assert [interval(box) for box in range(1, 6)] == [1, 3, 7, 16, 35]
    for bad in (0, 6, True, 1.0):
        with pytest.raises(ValueError):
            interval(bad)  # type: ignore[arg-type]


def test_a_new_card_is_in_box_one_and_due_tomorrow():
    card = new_card("w01.why", DAY0)
    assert card == Card("w01.why", box=1, due=DAY0 + days(1), last_reviewed=None, reviews=0, lapses=0)
    assert not card.is_due(DAY0)
    assert card.is_due(DAY0 + days(1))
    with pytest.raises(ValueError):
        new_card("", DAY0)


def test_always_right_marches_up_the_boxes_on_schedule():
    card = new_card("q", DAY0)
    today = DAY0
    boxes, gaps = [card.box], [(card.due - today).days]
    for _ in range(6):  # the sixth correct review stays in box 5
        today = card.due  # the learner reviews exactly when it is due
        card = schedule(card, "correct", today)
        boxes.append(card.box)
        gaps.append((card.due - today).days)
        assert card.last_reviewed == today
    assert boxes == [1, 2, 3, 4, 5, 5, 5]
    assert gaps == [1, 3, 7, 16, 35, 35, 35]
    assert card.reviews == 6 and card.lapses == 0
    assert card.due == DAY0 + days(1 + 3 + 7 + 16 + 35 + 35 + 35)


@pytest.mark.parametrize("failure", ["wrong", "misconception", "off-topic", "empty"])
def test_a_lapse_goes_back_to_box_one_due_tomorrow(failure):
    card = new_card("q", DAY0)
    for _ in range(3):
        card = schedule(card, "correct", card.due)
    assert card.box == 4
    today = card.due + days(2)  # a little overdue
    lapsed = schedule(card, failure, today)
    assert (lapsed.box, lapsed.due, lapsed.lapses, lapsed.reviews) == (1, today + days(1), 1, 4)
    # and it climbs again from there
    again = schedule(lapsed, "correct", lapsed.due)
    assert (again.box, again.due) == (2, lapsed.due + days(3))
    assert again.lapses == 1


def test_partial_holds_the_box_and_waits_its_interval():
    card = schedule(schedule(new_card("q", DAY0), "correct", DAY0 + days(1)), "correct", DAY0 + days(4))
    assert card.box == 3
    today = card.due
    held = schedule(card, "partial", today)
    assert (held.box, held.due, held.lapses) == (3, today + days(7), 0)
    held_again = schedule(held, "partial", held.due)
    assert (held_again.box, held_again.due) == (3, held.due + days(7))


def test_answering_before_due_does_not_promote():
    card = new_card("q", DAY0)
    # the learner answers the same question again on the day they met it
    same_day = schedule(card, "correct", DAY0)
    assert (same_day.box, same_day.due, same_day.reviews) == (1, DAY0 + days(1), 1)
    on_time = schedule(same_day, "correct", DAY0 + days(1))
    assert on_time.box == 2
    # partial early keeps the box and never pushes the date later
    early_partial = schedule(on_time, "partial", on_time.due - days(2))
    assert (early_partial.box, early_partial.due) == (2, on_time.due)
    # a failure counts whenever it shows
    early_wrong = schedule(on_time, "wrong", on_time.due - days(2))
    assert (early_wrong.box, early_wrong.due) == (1, on_time.due - days(1))


def test_an_overdue_card_is_scheduled_from_the_day_it_was_reviewed():
    card = new_card("q", DAY0)
    late = DAY0 + days(10)
    assert schedule(card, "correct", late).due == late + days(3)


def test_outcomes_are_checked_and_enums_are_accepted():
    class Verdict(enum.Enum):
        CORRECT = "correct"
        OFF_TOPIC = "off_topic"

    assert normalize_outcome(Verdict.CORRECT) == "correct"
    assert normalize_outcome(Verdict.OFF_TOPIC) == "off-topic"
    assert normalize_outcome(" Partial ") == "partial"

    @dataclass(frozen=True)
    class JudgeVerdict:  # the shape of tutor.coach.judge.Verdict
        verdict: str
        score: float = 0.0

    assert normalize_outcome(JudgeVerdict("misconception")) == "misconception"
    with pytest.raises(ValueError, match="outcome must be one of"):
        schedule(new_card("q", DAY0), "great", DAY0 + days(1))


def test_datetimes_count_as_their_date():
    card = new_card("q", datetime(2025, 3, 1, 23, 59))
    assert card.due == date(2025, 3, 2)
    assert schedule(card, "correct", datetime(2025, 3, 2, 8, 0)).due == date(2025, 3, 5)


def test_due_lists_overdue_first_then_lower_boxes():
    cards = [
        Card("c", box=3, due=DAY0),
        Card("a", box=1, due=DAY0 + days(1)),
        Card("b", box=2, due=DAY0 - days(2)),
        Card("d", box=1, due=DAY0),
        Card("e", box=1, due=DAY0 + days(5)),
    ]
    assert [c.question_id for c in due(cards, DAY0)] == ["b", "d", "c"]
    assert [c.question_id for c in due(cards, DAY0 + days(1))] == ["b", "d", "c", "a"]
    assert due([], DAY0) == []


# -- the cards in the store ---------------------------------------------------------------


if issubclass(Store, ReviewCards):  # wired in
    ReviewStore = Store
else:

    class ReviewStore(ReviewCards, Store):  # type: ignore[no-redef]
        """What `Store` becomes once the mixin is wired in."""


@pytest.fixture
def migrations(monkeypatch):
    """The store's migrations with the review table, whether or not it is wired in yet."""
    current = list(tutor.store.MIGRATIONS)
    if REVIEW_MIGRATION not in current:
        current.append(REVIEW_MIGRATION)
    monkeypatch.setattr(tutor.store, "MIGRATIONS", current)
    monkeypatch.setattr(tutor.store, "SCHEMA_VERSION", len(current))
    return current


@pytest.fixture
def store(tmp_path, migrations):
    with ReviewStore.open(tmp_path / "home") as s:
        yield s


def test_the_migration_creates_the_table(store, migrations):
    assert store.schema_version == len(migrations)
    columns = [row[1] for row in store._query("PRAGMA table_info(review_cards)")]
    assert columns == ["question_id", "box", "due", "last_reviewed", "reviews", "lapses", "created_at"]


def test_an_older_file_is_upgraded_in_place(tmp_path, monkeypatch):
    home = tmp_path / "home"
    older = [m for m in tutor.store.MIGRATIONS if m is not REVIEW_MIGRATION]
    monkeypatch.setattr(tutor.store, "MIGRATIONS", older)
    monkeypatch.setattr(tutor.store, "SCHEMA_VERSION", len(older))
    with Store.open(home) as s:
        s.record_answer("w01.why", "open", "because", "en")
    monkeypatch.setattr(tutor.store, "MIGRATIONS", [*older, REVIEW_MIGRATION])
    monkeypatch.setattr(tutor.store, "SCHEMA_VERSION", len(older) + 1)
    with ReviewStore.open(home) as s:
        assert s.notice is None
        assert s.schema_version == len(older) + 1
        assert [a.text for a in s.answers()] == ["because"]
        assert s.ensure_card("w01.why", DAY0).box == 1


def test_ensure_card_creates_once(store):
    first = store.ensure_card("w01.why", DAY0)
    assert first == new_card("w01.why", DAY0)
    # a later first-answer call must not reset the schedule
    store.review_card("w01.why", "correct", DAY0 + days(1))
    again = store.ensure_card("w01.why", DAY0 + days(2))
    assert (again.box, again.reviews) == (2, 1)
    assert len(store.cards()) == 1


def test_review_card_follows_the_schedule_and_survives_reopening(tmp_path, migrations):
    home = tmp_path / "home"
    expected = new_card("w02.loss", DAY0)
    with ReviewStore.open(home) as s:
        s.ensure_card("w02.loss", DAY0)
        for outcome in ("correct", "correct", "partial", "wrong", "correct"):
            today = expected.due
            expected = schedule(expected, outcome, today)
            assert s.review_card("w02.loss", outcome, today) == expected
    with ReviewStore.open(home) as s:  # written when it happened
        assert s.cards() == [expected]
        assert (expected.box, expected.reviews, expected.lapses) == (2, 5, 1)


def test_review_of_an_unknown_question_starts_its_card(store):
    card = store.review_card("w03.new", "correct", DAY0)
    assert card == new_card("w03.new", DAY0)
    assert store.cards() == [card]


def test_due_cards_and_count(store):
    store.ensure_card("a", DAY0)  # due DAY0+1
    store.ensure_card("b", DAY0 - days(3))  # due DAY0-2
    store.ensure_card("c", DAY0 + days(1))  # due DAY0+2
    store.review_card("b", "correct", DAY0 - days(2))  # box 2, due DAY0+1
    assert store.due_count(DAY0) == 0
    assert store.due_cards(DAY0) == []
    tomorrow = DAY0 + days(1)
    assert [c.question_id for c in store.due_cards(tomorrow)] == ["a", "b"]
    assert store.due_count(tomorrow) == 2
    assert store.due_cards(tomorrow) == due(store.cards(), tomorrow)
    assert store.due_count(DAY0 + days(30)) == 3
    assert [c.question_id for c in store.cards()] == ["a", "b", "c"]


def test_bad_outcome_changes_nothing(store):
    store.ensure_card("q", DAY0)
    with pytest.raises(ValueError):
        store.review_card("q", "brilliant", DAY0 + days(1))
    assert store.cards() == [new_card("q", DAY0)]


def test_dates_are_stored_as_iso_text(store):
    store.ensure_card("q", DAY0)
    store.review_card("q", "correct", DAY0 + days(1))
    conn = sqlite3.connect(store.path)
    try:
        row = conn.execute("SELECT due, last_reviewed, created_at FROM review_cards").fetchone()
    finally:
        conn.close()
    assert row[:2] == ("2025-03-05", "2025-03-02")
    datetime.fromisoformat(row[2])
