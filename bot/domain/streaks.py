"""Streaks: consecutive drill days answered before the reveal.

Only days on which the channel had a drill count, and a person's away days are skipped, so
weekends, paused weeks and holidays never break a streak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.domain.model import AwayPeriod, Streak


def is_away(day: dt.date, away: Iterable[AwayPeriod]) -> bool:
    return any(a.start <= day <= a.end for a in away)


def previous_drill_day(
    earlier_drill_days: Sequence[dt.date], away: Sequence[AwayPeriod]
) -> dt.date | None:
    """The latest of the channel's earlier drill days (newest first) the person was not away."""
    return next((d for d in earlier_drill_days if not is_away(d, away)), None)


def advance(
    streak: Streak | None,
    person_id: int,
    channel_id: int,
    day: dt.date,
    previous_day: dt.date | None,
) -> Streak:
    """The streak after answering the drill of ``day`` on time."""
    if streak is None:
        streak = Streak(person_id, channel_id, 0, 0, None)
    if streak.last_date is not None and streak.last_date >= day:
        return streak
    continues = streak.last_date is not None and streak.last_date == previous_day
    current = streak.current + 1 if continues else 1
    return Streak(person_id, channel_id, current, max(streak.best, current), day)


def current_length(
    streak: Streak,
    drill_days: Sequence[dt.date],
    away: Sequence[AwayPeriod],
    closed: set[dt.date],
) -> int:
    """The streak as it stands: zero once a later drill day closed without an answer.

    ``drill_days`` are the channel's drill days up to today; ``closed`` those whose answer
    window has ended.
    """
    if streak.last_date is None:
        return 0
    for day in drill_days:
        if day > streak.last_date and day in closed and not is_away(day, away):
            return 0
    return streak.current
