"""Streaks: consecutive drill days answered before the reveal.

Only days on which the channel had a drill count, and a person's away days are skipped, so
weekends, paused weeks and holidays never break a streak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.domain.model import AwayPeriod, Drill, Streak


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


def takes_answers(drill: Drill, now: dt.datetime) -> bool:
    """Whether a posted drill still takes answers: until its reveal time, revealed or not
    (the rule answers follow, so a day stops counting as open exactly when answering stops)."""
    return drill.revealed_at is None and now < drill.reveal_at


def closed_days(drill_days: Iterable[dt.date], open_drills: Iterable[Drill]) -> set[dt.date]:
    """The drill days none of whose drills still takes answers (``open_drills``: the channel's
    drills that do, e.g. those ``takes_answers`` keeps)."""
    still_open = {d.local_date for d in open_drills}
    return {day for day in drill_days if day not in still_open}


def current_length(
    streak: Streak,
    drill_days: Sequence[dt.date],
    away: Sequence[AwayPeriod],
    closed: set[dt.date],
) -> int:
    """The streak as it stands: zero once a later drill day closed without an answer.

    The one definition every board, `/drill stats`, the Home tab and `drillbot leaderboard`
    show. ``drill_days`` are every day the channel posted a drill, not only those up to the
    reader's today: the reader's clock may be behind the one that posted them (the CLI reading
    a console run with ``--start``), and a later posted drill day exists either way.
    ``closed`` are the days whose answer window has ended (``closed_days``).
    """
    if streak.last_date is None:
        return 0
    for day in drill_days:
        if day > streak.last_date and day in closed and not is_away(day, away):
            return 0
    return streak.current
