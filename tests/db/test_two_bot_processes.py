"""Two bot processes on one PostgreSQL: each drill, reveal and weekly board is posted once."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.db.sql_store import SqlStore, open_store
from bot.scheduling.clock import ManualClock
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.testing.fake_chat import FakeChat
from bot.testing.library import tiny_library

BERLIN = ZoneInfo("Europe/Berlin")


def engine_on(store: SqlStore, chat: FakeChat, clock: ManualClock) -> Engine:
    deps = Deps(store, tiny_library(), chat, clock, EngineSettings(count_update_delay=0))
    return Engine(deps)


@pytest.mark.postgres
async def test_two_processes_ticking_together_post_everything_once(
    pg_store: SqlStore, pg_database: str
) -> None:
    other = await open_store(pg_database, upgrade=False)  # a second process: its own pool
    chat = FakeChat()  # both processes post to the same Slack
    clock = ManualClock(dt.datetime(2026, 12, 4, 8, 0, tzinfo=BERLIN))  # a Friday
    first, second = engine_on(pg_store, chat, clock), engine_on(other, chat, clock)
    try:
        lead = Actor("T1", "lead", "Lead", is_admin=True)
        await first.command(lead, Where("C1", "team"), "/drill setup 09:30 Europe/Berlin", "d1")
        for local in ("09:30", "15:30", "16:00"):  # post, reveal, weekly board
            hour, minute = map(int, local.split(":"))
            now = dt.datetime(2026, 12, 4, hour, minute, tzinfo=BERLIN)
            clock.set(now)
            # Each process ticks several times at once, as overlapping jobs would.
            await asyncio.gather(*(e.tick(now) for e in (first, second) * 5))
        kinds = [s.message.kind for s in chat.sent if s.method in ("post", "reply")]
        assert sorted(kinds) == ["drill", "leaderboard", "reveal"]
    finally:
        await other.close()
