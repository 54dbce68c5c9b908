"""Spaced repetition: each graded answer is a review of one item by one person, scheduled by
FSRS (the ``fsrs`` package), so what someone got wrong comes back sooner than what they know.

The rules here are pure: how an answer maps to a rating, how one review moves the card, which
items are due first, and what the retention estimate is. Services store the cards
(``bot.services.store.Tx``) and decide when to review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum

from fsrs import Card, Rating, Scheduler, State

# Open answers: the grader's coverage score (0..1) mapped to a rating. Below half is the
# grader's own "not correct" line (``scoring.OPEN_CORRECT_THRESHOLD``), so it must come back
# soon: Again. Half to two thirds is a pass with gaps: Hard. Up to 0.9 is Good, and nearly
# every key point covered is Easy, which lets FSRS push the item well out.
HARD_FROM = 0.5
GOOD_FROM = 2 / 3
EASY_FROM = 0.9


class Grade(IntEnum):
    """A review's rating; the values are FSRS's own."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @classmethod
    def parse(cls, text: str) -> Grade | None:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            return None


def mcq_grade(correct: bool) -> Grade:
    """An MCQ says only right or wrong: right is Good (not Easy: a guess can be right)."""
    return Grade.GOOD if correct else Grade.AGAIN


def open_grade(coverage: float) -> Grade:
    if coverage >= EASY_FROM:
        return Grade.EASY
    if coverage >= GOOD_FROM:
        return Grade.GOOD
    if coverage >= HARD_FROM:
        return Grade.HARD
    return Grade.AGAIN


@dataclass(frozen=True)
class FsrsParams:
    """The scheduler's settings (``Settings.fsrs_*``). Learning steps are in minutes; the
    defaults are fsrs's own except the steps, which are a day's rhythm rather than a flashcard
    session's: nobody reviews an interview question again ten minutes later."""

    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60 * 24,)
    relearning_steps: tuple[int, ...] = (60 * 24,)
    maximum_interval: int = 365
    weights: tuple[float, ...] | None = None
    """FSRS's 21 parameters; None keeps the package's defaults."""

    def scheduler(self) -> Scheduler:
        # No fuzz: intervals are then a function of the reviews alone, so two processes (and
        # the tests) compute the same due time.
        kwargs: dict[str, object] = {}
        if self.weights is not None:
            kwargs["parameters"] = self.weights
        return Scheduler(
            desired_retention=self.desired_retention,
            learning_steps=tuple(dt.timedelta(minutes=m) for m in self.learning_steps),
            relearning_steps=tuple(dt.timedelta(minutes=m) for m in self.relearning_steps),
            maximum_interval=self.maximum_interval,
            enable_fuzzing=False,
            **kwargs,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class CardState:
    """One person's memory of one item, as FSRS keeps it."""

    state: int
    """fsrs ``State``: 1 learning, 2 review, 3 relearning."""
    step: int | None
    stability: float | None
    difficulty: float | None
    due: dt.datetime
    last_review: dt.datetime | None
    reps: int
    lapses: int


@dataclass(frozen=True)
class Review:
    """A stored card, with the card before its last review and that review's grade, so that a
    self-rating can replace the grade without counting a second review."""

    person_id: int
    item_id: str
    topic: str
    card: CardState
    grade: Grade
    before: CardState | None
    """None when the last review was the first."""
    practice_reviews: int = 0
    """How many of ``card.reps`` were practice rather than daily drills."""


@dataclass(frozen=True)
class Reminder:
    """A person's opt-in practice nudge: on ``channel_id``'s drill days, at ``at`` in that
    channel's zone, when something is due."""

    person_id: int
    channel_id: int
    at: dt.time


def new_card(now: dt.datetime) -> CardState:
    return CardState(State.Learning.value, 0, None, None, now, None, 0, 0)


def _to_fsrs(card: CardState) -> Card:
    return Card(
        card_id=0,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.astimezone(dt.UTC),
        last_review=card.last_review.astimezone(dt.UTC) if card.last_review else None,
    )


def review(
    scheduler: Scheduler, card: CardState | None, grade: Grade, now: dt.datetime
) -> CardState:
    """The card after one review with ``grade`` at ``now`` (``card`` None: the first)."""
    start = card or new_card(now)
    done, _ = scheduler.review_card(_to_fsrs(start), Rating(grade.value), now.astimezone(dt.UTC))
    lapsed = start.state == State.Review.value and grade is Grade.AGAIN
    return CardState(
        state=int(done.state),
        step=done.step,
        stability=done.stability,
        difficulty=done.difficulty,
        due=done.due,
        last_review=done.last_review,
        reps=start.reps + 1,
        lapses=start.lapses + (1 if lapsed else 0),
    )


def rerate(scheduler: Scheduler, stored: Review, grade: Grade) -> Review:
    """``stored`` with its last review's grade replaced by the person's own rating."""
    at = stored.card.last_review
    assert at is not None
    card = review(scheduler, stored.before, grade, at)
    return replace(stored, card=card, grade=grade)


def retrievability(scheduler: Scheduler, card: CardState, now: dt.datetime) -> float:
    """The chance, by FSRS's forgetting curve, that the person recalls the item now."""
    return float(scheduler.get_card_retrievability(_to_fsrs(card), now.astimezone(dt.UTC)))


def retention(scheduler: Scheduler, cards: Iterable[CardState], now: dt.datetime) -> float | None:
    """The mean recall chance over the reviewed cards; None with none reviewed."""
    values = [retrievability(scheduler, c, now) for c in cards if c.last_review is not None]
    return sum(values) / len(values) if values else None


def due_order(reviews: Iterable[Review], now: dt.datetime) -> list[Review]:
    """The reviews due at ``now``, most overdue first (then by item id, for a stable order)."""
    due = [r for r in reviews if r.card.due <= now]
    return sorted(due, key=lambda r: (r.card.due, r.item_id))


def next_items(
    reviews: Sequence[Review],
    rotation: Sequence[tuple[str, str]],
    now: dt.datetime,
    count: int,
    topic: str | None = None,
) -> list[str]:
    """Up to ``count`` item ids to practise: the due ones, most overdue first, then items never
    reviewed in ``rotation`` order ((item id, topic) pairs: the channel's topic rotation)."""
    chosen = [r.item_id for r in due_order(reviews, now) if topic in (None, r.topic)]
    seen = {r.item_id for r in reviews}
    for item_id, item_topic in rotation:
        if item_id not in seen and topic in (None, item_topic) and item_id not in chosen:
            chosen.append(item_id)
    return chosen[:count]


@dataclass(frozen=True)
class TopicStrength:
    topic: str
    retention: float
    items: int


def topic_strengths(
    scheduler: Scheduler, reviews: Iterable[Review], now: dt.datetime
) -> list[TopicStrength]:
    """Per topic the mean recall chance of its reviewed items, strongest first."""
    by_topic: dict[str, list[float]] = {}
    for r in reviews:
        if r.card.last_review is not None:
            by_topic.setdefault(r.topic, []).append(retrievability(scheduler, r.card, now))
    rows = [TopicStrength(t, sum(v) / len(v), len(v)) for t, v in by_topic.items()]
    return sorted(rows, key=lambda row: (-row.retention, row.topic))


def rotation_order(
    items: Sequence[tuple[str, str]], topics: Sequence[str]
) -> list[tuple[str, str]]:
    """(item id, topic) pairs interleaved by topic, in the channel's topic order: new items
    come one topic after another rather than a whole topic first."""
    queues = {t: [i for i in items if i[1] == t] for t in topics}
    queues.update({i[1]: [] for i in items if i[1] not in queues})
    for i in items:
        if i[1] not in topics:
            queues[i[1]].append(i)
    out: list[tuple[str, str]] = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                out.append(queue.pop(0))
    return out
