"""The engine's records, as plain frozen dataclasses shared by services and stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_DAYS = ("mon", "tue", "wed", "thu", "fri")
DEFAULT_POST_TIME = dt.time(9, 30)
DEFAULT_ANSWER_WINDOW = dt.timedelta(hours=6)
DEFAULT_LEADERBOARD_DAY = "fri"
DEFAULT_LEADERBOARD_TIME = dt.time(16, 0)


class Slot(StrEnum):
    DAILY = "daily"
    """The daily open question."""
    MCQ = "mcq"
    """A multiple-choice question, on chosen days or as a second slot."""


class DrillState(StrEnum):
    CLAIMED = "claimed"
    """Chosen and not posted yet: its delivery lease says who is posting it, until when."""
    POSTED = "posted"
    FAILED = "failed"
    """Written before delivery leases, for a post that failed. Now a failed post leaves its
    drill CLAIMED with the lease given back; both are retried while inside the grace window."""
    SKIPPED = "skipped"
    """Found too late (outside the grace window); logged and never posted."""


@dataclass(frozen=True)
class Schedule:
    """A channel's drill settings. Times are local to ``timezone``."""

    post_time: dt.time = DEFAULT_POST_TIME
    timezone: str = "UTC"
    days: tuple[str, ...] = DEFAULT_DAYS
    packs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    """Empty means every pack, topic or level."""
    mcq_days: tuple[str, ...] = ()
    """Days on which the daily slot posts an MCQ instead of an open question."""
    mcq_time: dt.time | None = None
    """A second slot, on every drill day, that posts an MCQ."""
    answer_window: dt.timedelta = DEFAULT_ANSWER_WINDOW
    leaderboard_day: str = DEFAULT_LEADERBOARD_DAY
    leaderboard_time: dt.time = DEFAULT_LEADERBOARD_TIME
    paused: bool = False


@dataclass(frozen=True)
class Channel:
    id: int
    workspace_id: str
    external_id: str
    name: str
    schedule: Schedule | None
    """None until an admin runs setup."""
    share_answers: bool = False
    """Set by `setup share-answers=on`: a reveal may quote the best answer, with its author.
    Off, no answer text is shown to anyone but its author (bot.domain.privacy)."""


@dataclass(frozen=True)
class Person:
    id: int
    workspace_id: str
    external_id: str
    display_name: str
    opted_out: bool = False
    """`/drill optout`: left out of public boards and shout-outs (bot.domain.privacy)."""


@dataclass(frozen=True)
class AwayPeriod:
    person_id: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Drill:
    id: int
    workspace_id: str
    channel_id: int
    slot: Slot
    local_date: dt.date
    item_id: str
    kind: str
    """'open' or 'mcq'."""
    scheduled_at: dt.datetime
    reveal_at: dt.datetime
    state: DrillState
    message_ref: str | None = None
    revealed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Answer:
    id: int
    drill_id: int
    person_id: int
    workspace_id: str
    channel_id: int
    local_date: dt.date
    choice: str | None
    text: str | None
    correct: bool | None
    coverage: float | None
    covered: tuple[str, ...]
    mistakes: tuple[str, ...]
    points: int
    created_at: dt.datetime
    updated_at: dt.datetime
    delivery: str | None = None
    """The platform delivery that wrote this version (a retry of it is not an edit)."""
    first_score: float | None = None
    """The first version's score, once the answer has been edited (None before)."""


@dataclass(frozen=True)
class Streak:
    person_id: int
    channel_id: int
    current: int
    best: int
    last_date: dt.date | None


@dataclass(frozen=True)
class LeaderboardRow:
    person_id: int
    user: str
    """The person's external id (platform user id)."""
    display_name: str
    points: int
    answers: int
    correct: int
    """MCQs answered right plus open answers covering at least half the key points."""
    current_streak: int
    best_streak: int
    incident_points: int = 0

    @property
    def accuracy(self) -> float | None:
        """None with no answers: nothing was missed, so "0%" would be untrue."""
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class DrillStats:
    answered: int
    choices: dict[str, int] = field(default_factory=dict)
    average_coverage: float | None = None


@dataclass(frozen=True)
class Lease:
    """The right to post one keyed message, held by ``owner`` until it is done or expires.

    ``attempts`` counts every taking of the lease: above 1, an earlier holder may have posted
    the message before it died, so the platform is asked first (since ``first_claimed_at``).
    """

    key: str
    owner: str
    attempts: int
    first_claimed_at: dt.datetime
    until: dt.datetime

    @property
    def retried(self) -> bool:
        return self.attempts > 1
