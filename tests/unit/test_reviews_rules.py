"""FSRS scheduling rules (bot/domain/reviews.py): a scripted month for one person on a manual
clock, the answer-to-rating thresholds, the due order and the retention estimate."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain import reviews as r
from bot.domain.reviews import CardState, FsrsParams, Grade, Review
from bot.scheduling.clock import ManualClock

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _review(item: str, card: CardState, topic: str = "t") -> Review:
    return Review(1, item, topic, card, Grade.GOOD, None)


@pytest.mark.parametrize(
    ("coverage", "grade"),
    [
        (0.0, Grade.AGAIN),
        (0.49, Grade.AGAIN),
        (0.5, Grade.HARD),
        (0.66, Grade.HARD),
        (0.67, Grade.GOOD),
        (0.89, Grade.GOOD),
        (0.9, Grade.EASY),
        (1.0, Grade.EASY),
    ],
)
def test_open_answer_coverage_maps_to_a_rating_by_the_documented_thresholds(
    coverage: float, grade: Grade
) -> None:
    assert r.open_grade(coverage) is grade


def test_an_mcq_right_is_good_and_wrong_is_again() -> None:
    assert r.mcq_grade(True) is Grade.GOOD
    assert r.mcq_grade(False) is Grade.AGAIN


def test_a_scripted_month_brings_items_back_when_due_and_a_lapse_sooner() -> None:
    """Two items answered Good on day one; each day the clock moves on and whatever is due is
    reviewed: "solid" always Good, "shaky" Good until its third review (day 13), which is
    Again. Items come back only when due, the intervals grow, and the lapse brings "shaky"
    back within a day, long before "solid"."""
    scheduler = FsrsParams().scheduler()
    clock = ManualClock(START)
    cards: dict[str, CardState] = {}
    for item in ("solid", "shaky"):
        cards[item] = r.review(scheduler, None, Grade.GOOD, clock.now())
    seen: dict[str, list[dt.date]] = {"solid": [START.date()], "shaky": [START.date()]}
    lapsed_at: dt.datetime | None = None
    for _ in range(30):
        clock.advance(dt.timedelta(days=1))
        now = clock.now()
        due = r.due_order([_review(i, c) for i, c in cards.items()], now)
        for stored in due:
            grade = Grade.GOOD
            if stored.item_id == "shaky" and lapsed_at is None and len(seen["shaky"]) >= 2:
                grade, lapsed_at = Grade.AGAIN, now
            cards[stored.item_id] = r.review(scheduler, stored.card, grade, now)
            seen[stored.item_id].append(now.date())
        for item, card in cards.items():
            # Nothing is left overdue after a day's reviews.
            assert card.due > now, item
    solid_gaps = [(b - a).days for a, b in zip(seen["solid"], seen["solid"][1:], strict=False)]
    assert solid_gaps == sorted(solid_gaps), "Good answers push an item further out each time"
    assert solid_gaps[-1] >= 7
    assert len(seen["solid"]) < 8, "a known item is not asked every day"
    assert lapsed_at is not None
    after = [d for d in seen["shaky"] if d > lapsed_at.date()]
    assert after[0] == lapsed_at.date() + dt.timedelta(days=1), "a lapse comes back the next day"
    assert cards["shaky"].lapses == 1 and cards["solid"].lapses == 0
    assert cards["shaky"].reps == len(seen["shaky"])
    assert cards["shaky"].stability is not None and cards["solid"].stability is not None
    assert cards["shaky"].stability < cards["solid"].stability


def test_a_self_rating_replaces_the_last_grade_instead_of_adding_a_review() -> None:
    scheduler = FsrsParams().scheduler()
    first = r.review(scheduler, None, Grade.GOOD, START)
    second_at = START + dt.timedelta(days=3)
    second = r.review(scheduler, first, Grade.GOOD, second_at)
    stored = Review(1, "x", "t", second, Grade.GOOD, first)
    again = r.rerate(scheduler, stored, Grade.AGAIN)
    assert again.card.reps == second.reps == 2
    assert again.card.due < second.due
    assert again.card.due == r.review(scheduler, first, Grade.AGAIN, second_at).due
    easy = r.rerate(scheduler, again, Grade.EASY)
    assert easy.card.due > second.due


def test_due_items_come_most_overdue_first_then_new_ones_in_rotation_order() -> None:
    now = START + dt.timedelta(days=10)
    late = r.new_card(START)
    later = r.new_card(START + dt.timedelta(days=5))
    future = r.new_card(now + dt.timedelta(days=1))
    reviews = [_review("b", later), _review("c", future), _review("a", late)]
    rotation = [("n1", "t"), ("b", "t"), ("n2", "u")]
    assert r.next_items(reviews, rotation, now, 10) == ["a", "b", "n1", "n2"]
    assert r.next_items(reviews, rotation, now, 2) == ["a", "b"]
    assert r.next_items(reviews, rotation, now, 10, topic="u") == ["n2"]


def test_rotation_interleaves_topics_in_the_channel_order() -> None:
    items = [("a1", "a"), ("a2", "a"), ("b1", "b"), ("c1", "c")]
    assert r.rotation_order(items, ["b", "a"]) == [
        ("b1", "b"),
        ("a1", "a"),
        ("c1", "c"),
        ("a2", "a"),
    ]


def test_retention_is_the_mean_recall_chance_and_falls_with_time() -> None:
    scheduler = FsrsParams().scheduler()
    card = r.review(scheduler, None, Grade.GOOD, START)
    soon = r.retention(scheduler, [card], START + dt.timedelta(days=1))
    late = r.retention(scheduler, [card], START + dt.timedelta(days=60))
    assert soon is not None and late is not None
    assert 0 < late < soon <= 1
    assert r.retention(scheduler, [r.new_card(START)], START) is None


def test_parameters_are_configurable() -> None:
    strict = FsrsParams(desired_retention=0.97).scheduler()
    lax = FsrsParams(desired_retention=0.8).scheduler()
    good_strict = r.review(strict, r.review(strict, None, Grade.GOOD, START), Grade.GOOD, START)
    good_lax = r.review(lax, r.review(lax, None, Grade.GOOD, START), Grade.GOOD, START)
    assert good_strict.due < good_lax.due
    capped = FsrsParams(maximum_interval=3).scheduler()
    card = r.review(capped, None, Grade.EASY, START)
    for day in range(1, 10):
        card = r.review(capped, card, Grade.EASY, START + dt.timedelta(days=day * 3))
    assert card.due - (card.last_review or START) <= dt.timedelta(days=3)
