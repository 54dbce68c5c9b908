"""Between table rows and the domain's frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row

from bot.domain.model import (
    Answer,
    AwayPeriod,
    Channel,
    Drill,
    DrillState,
    Person,
    Schedule,
    Slot,
    Streak,
)

_MINUTE = dt.timedelta(minutes=1)


def schedule_values(schedule: Schedule | None) -> dict[str, Any]:
    """Column values for a channel's schedule; the defaults, flagged unset, for None."""
    has_schedule = schedule is not None
    s = schedule or Schedule()
    if s.answer_window % _MINUTE:
        raise ValueError(f"answer window {s.answer_window} is not a whole number of minutes")
    return {
        "has_schedule": has_schedule,
        "post_time": s.post_time,
        "timezone": s.timezone,
        "days": list(s.days),
        "packs": list(s.packs),
        "topics": list(s.topics),
        "levels": list(s.levels),
        "mcq_days": list(s.mcq_days),
        "mcq_time": s.mcq_time,
        "answer_window_minutes": s.answer_window // _MINUTE,
        "leaderboard_day": s.leaderboard_day,
        "leaderboard_time": s.leaderboard_time,
        "paused": s.paused,
    }


def channel(row: Row[Any]) -> Channel:
    schedule = None
    if row.has_schedule:
        schedule = Schedule(
            post_time=row.post_time,
            timezone=row.timezone,
            days=tuple(row.days),
            packs=tuple(row.packs),
            topics=tuple(row.topics),
            levels=tuple(row.levels),
            mcq_days=tuple(row.mcq_days),
            mcq_time=row.mcq_time,
            answer_window=dt.timedelta(minutes=row.answer_window_minutes),
            leaderboard_day=row.leaderboard_day,
            leaderboard_time=row.leaderboard_time,
            paused=bool(row.paused),
        )
    return Channel(
        id=row.id,
        workspace_id=row.workspace_id,
        external_id=row.external_id,
        name=row.name,
        schedule=schedule,
        share_answers=bool(row.share_answers),
    )


def person(row: Row[Any]) -> Person:
    return Person(
        id=row.id,
        workspace_id=row.workspace_id,
        external_id=row.external_id,
        display_name=row.display_name,
        opted_out=bool(row.opted_out),
    )


def away(row: Row[Any]) -> AwayPeriod:
    return AwayPeriod(person_id=row.person_id, start=row.start_date, end=row.end_date)


def drill(row: Row[Any]) -> Drill:
    return Drill(
        id=row.id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        slot=Slot(row.slot),
        local_date=row.local_date,
        item_id=row.item_id,
        kind=row.kind,
        scheduled_at=row.scheduled_at,
        reveal_at=row.reveal_at,
        state=DrillState(row.state),
        message_ref=row.message_ref,
        revealed_at=row.revealed_at,
    )


def answer(row: Row[Any]) -> Answer:
    return Answer(
        id=row.id,
        drill_id=row.drill_id,
        person_id=row.person_id,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        local_date=row.local_date,
        choice=row.choice,
        text=row.text,
        correct=row.correct,
        coverage=row.coverage,
        covered=tuple(row.covered),
        mistakes=tuple(row.mistakes),
        points=row.points,
        delivery=row.delivery,
        created_at=row.created_at,
        updated_at=row.updated_at,
        first_score=row.first_score,
    )


def streak(row: Row[Any]) -> Streak:
    return Streak(
        person_id=row.person_id,
        channel_id=row.channel_id,
        current=row.current,
        best=row.best,
        last_date=row.last_date,
    )
