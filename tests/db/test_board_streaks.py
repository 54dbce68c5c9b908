"""The current streak on every store: the board's rule reads the same stored drill days
whatever the reader's clock (issue 8, part 5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.scheduling.clock import ManualClock
from bot.services.boards import Boards
from bot.services.store import Store
from bot.testing.harness import WORKSPACE, Harness


async def test_a_broken_streak_reads_zero_from_any_clock(store: Store) -> None:
    h = Harness(store=store)
    await h.setup()
    for day in ("2026-11-30", "2026-12-01", "2026-12-02"):
        await h.at(f"{day}T09:30")
        await h.say("alice", "/drill answer hot data with a ttl")
    await h.at("2026-12-04T18:00")  # Thursday and Friday closed unanswered
    for clock in (h.clock, ManualClock(dt.datetime(2026, 11, 1, tzinfo=dt.UTC))):
        rows = await Boards(replace(h.deps, clock=clock)).rows(WORKSPACE, None, "all")
        assert [(r.user, r.current_streak, r.best_streak) for r in rows] == [("alice", 0, 3)]
