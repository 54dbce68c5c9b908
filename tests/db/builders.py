"""Small builders for the store tests: a workspace with a channel, a drill, an answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.domain.model import Answer, Channel, Drill, DrillState, Person, Slot
from bot.services.store import Tx

UTC = dt.UTC
MONDAY = dt.date(2025, 3, 3)
T0 = dt.datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


async def channel(tx: Tx, workspace: str = "W1", external: str = "C1") -> Channel:
    await tx.ensure_workspace(workspace, "slack", f"{workspace} Inc")
    return await tx.ensure_channel(workspace, external, f"#{external.lower()}")


async def person(tx: Tx, workspace: str = "W1", external: str = "U1") -> Person:
    await tx.ensure_workspace(workspace, "slack", f"{workspace} Inc")
    return await tx.ensure_person(workspace, external, f"name-{external}")


async def claim(
    tx: Tx,
    ch: Channel,
    *,
    slot: Slot = Slot.DAILY,
    local_date: dt.date = MONDAY,
    item: str = "q-1",
    scheduled_at: dt.datetime = T0,
    reveal_at: dt.datetime | None = None,
    state: DrillState = DrillState.POSTED,
) -> Drill | None:
    return await tx.claim_drill(
        workspace_id=ch.workspace_id,
        channel_id=ch.id,
        slot=slot,
        local_date=local_date,
        item_id=item,
        kind="mcq" if slot is Slot.MCQ else "open",
        scheduled_at=scheduled_at,
        reveal_at=reveal_at or scheduled_at + 6 * HOUR,
        state=state,
    )


async def drill(tx: Tx, ch: Channel, **kwargs: Any) -> Drill:
    claimed = await claim(tx, ch, **kwargs)
    assert claimed is not None
    return claimed


async def answer(
    tx: Tx,
    d: Drill,
    p: Person,
    *,
    points: int = 10,
    correct: bool | None = True,
    choice: str | None = None,
    text: str | None = "an answer",
    covered: Sequence[str] = ("k1",),
    now: dt.datetime | None = None,
) -> Answer | None:
    return await tx.insert_answer(
        drill=d,
        person_id=p.id,
        choice=choice,
        text=text,
        correct=correct,
        coverage=0.5,
        covered=covered,
        mistakes=(),
        points=points,
        now=now or d.scheduled_at + HOUR,
    )
