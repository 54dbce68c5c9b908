"""The database locked or down while Slack traffic goes on: background work logs and carries on,
a Home tab click is still answered, and reads (the health check first) never queue behind a
writer's lock."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from bot.db.sql_store import SqlStore
from bot.services.store import Store, StoreUnavailable, Tx
from tests.adapters.slack.conftest import ADMIN, ALICE
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.harness import CHANNEL, SlackHarness


class Locked:
    """The store, with transactions refused (as SQLite does when it stays locked) while
    ``down``, or only inside tasks running ``only_in`` (a coroutine's qualified name)."""

    def __init__(self, inner: Store, only_in: str | None = None) -> None:
        self.inner = inner
        self.down = only_in is None
        self.only_in = only_in

    def transaction(self, **options: Any) -> AbstractAsyncContextManager[Tx]:
        task = asyncio.current_task()
        running = task.get_coro().__qualname__ if task is not None else ""  # type: ignore[union-attr]
        if self.down or (self.only_in is not None and running == self.only_in):
            raise StoreUnavailable(
                "database sqlite:///drillbot.db is unavailable (database is locked)"
            )
        return self.inner.transaction(**options)

    async def close(self) -> None:
        await self.inner.close()


async def _posted_mcq(slack: SlackHarness) -> Call:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri mcq-days=mon")
    await slack.at("2026-11-30T09:30")
    return next(c for c in slack.fake.posts(channel=CHANNEL) if "Daily MCQ" in c["text"])


# --- the live answer count --------------------------------------------------------------------


async def test_a_count_refresh_during_a_lock_is_logged_not_lost_in_the_task(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    mcq = await _posted_mcq(slack)
    answers = slack.engine.answers
    spawned: list[asyncio.Task[None]] = []

    class Kept(dict[int, asyncio.Task[None]]):
        def __setitem__(self, key: int, task: asyncio.Task[None]) -> None:
            spawned.append(task)
            super().__setitem__(key, task)

    answers._count_tasks = Kept()
    slack.engine.deps.store = Locked(slack.store, only_in="Answers._update_count")
    with caplog.at_level(logging.WARNING):
        await slack.click(ALICE, mcq, label="B")
        assert spawned, "the click recorded an answer and asked for a count refresh"
        await asyncio.wait(spawned, timeout=5)
    # Nobody awaits this task: an exception left in it is only ever reported by the garbage
    # collector ("Task exception was never retrieved"), long after, with no context.
    assert [t.exception() for t in spawned] == [None]
    assert "could not refresh the answer count" in caplog.text
    assert "database is locked" in caplog.text
    assert answers._count_tasks == {}, "the finished task is forgotten"
    async with slack.store.transaction() as tx:
        assert len(await tx.drill_answers(1)) == 1, "the answer itself was recorded"


# --- a Home tab click -------------------------------------------------------------------------


async def test_a_pause_click_while_the_database_is_down_is_answered(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
    await slack.send_event(slack.home_opened_body(ADMIN))
    shown = slack.fake.of("views.publish")[-1]["view"]
    channel_id = next(
        e["value"]
        for b in shown["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Pause"
    )
    locked = Locked(slack.store)
    slack.engine.deps.store = locked
    await slack.send_action(slack.home_action_body(ADMIN, shown, channel_id))
    answered = slack.fake.of("views.publish")[-1]
    assert answered["user_id"] == ADMIN
    blocks = answered["view"]["blocks"]
    assert "can't reach its database" in str(blocks[0]) and "not paused" in str(blocks[0])
    assert len(blocks) <= 100 and "drillbot · Lead" in str(blocks), "the tab is still there"

    # A second failed click replaces the notice rather than stacking another.
    await slack.send_action(slack.home_action_body(ADMIN, answered["view"], channel_id))
    again = slack.fake.of("views.publish")[-1]["view"]["blocks"]
    assert str(again).count("can't reach its database") == 1

    # Back up: the click works, and the notice gives way to the result.
    locked.down = False
    await slack.send_action(slack.home_action_body(ADMIN, answered["view"], channel_id))
    done = str(slack.fake.of("views.publish")[-1]["view"]["blocks"])
    assert "Drills paused" in done and "can't reach its database" not in done


# --- reads and the write lock -----------------------------------------------------------------


@pytest.fixture
async def writer(store: SqlStore) -> AsyncIterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock, as a long write transaction does."""
    path = store.engine.url.database
    assert path
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def test_healthz_answers_at_once_while_a_writer_holds_the_lock(
    slack: SlackHarness, writer: sqlite3.Connection
) -> None:
    started = time.monotonic()
    health, _ = await slack.get("/healthz")
    assert health.status == 200 and health.json()["problems"] == []
    assert time.monotonic() - started < 1.0


async def test_a_read_only_transaction_reads_while_a_writer_holds_the_lock(
    slack: SlackHarness, writer: sqlite3.Connection
) -> None:
    started = time.monotonic()
    async with slack.store.transaction(read_only=True) as tx:
        assert await tx.channels() == []
    assert time.monotonic() - started < 1.0
