"""Housekeeping on SQLite and PostgreSQL: old per-request records go in bounded batches, recent
ones and unfinished work stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from bot.db.sql_store import SqlStore
from bot.db.tables import ChannelPostRow, DeliveryRow, SubmissionRow
from bot.scheduling.clock import ManualClock
from bot.services.deps import Deps
from bot.services.housekeeping import Housekeeping
from bot.testing.library import tiny_library
from bot.testing.null_chat import NullChat

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=40)
RECENT = NOW - dt.timedelta(days=2)


async def _count(store: SqlStore, table: type[object]) -> int:
    async with store.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def test_old_rows_go_in_bounded_batches_and_recent_ones_stay(sql_store: SqlStore) -> None:
    store = sql_store
    async with store.transaction() as tx:
        await tx.ensure_workspace("T1", "slack", "Team")
        channel = await tx.ensure_channel("T1", "C1", "drills")
        for n in range(1200):
            assert await tx.claim_submission("T1", f"key-{n}")
        for n in range(3):
            assert await tx.claim_post(channel.id, "board", f"week-{n}")
        for n, when in enumerate((OLD, OLD, RECENT)):
            lease = await tx.take_lease(f"drill:{n}", "me", when, when + dt.timedelta(minutes=1))
            assert lease is not None
            assert await tx.finish_lease(f"drill:{n}", when, f"ts-{n}")
        # Claimed long ago and never finished: work still to do, never pruned.
        assert await tx.take_lease("drill:99", "me", OLD, OLD + dt.timedelta(minutes=1))
    async with store.engine.begin() as conn:
        # The database stamps these itself (now); make 1,100 of them and two posts old.
        await conn.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id <= select(func.min(SubmissionRow.id)).scalar_subquery() + 1099)
            .values(created_at=OLD)
        )
        await conn.execute(
            update(ChannelPostRow).where(ChannelPostRow.key != "week-2").values(created_at=OLD)
        )

    deps = Deps(store, tiny_library(), NullChat(), ManualClock(NOW))
    housekeeping = Housekeeping(deps, batch=500, pause=0)
    pruned = {p.table: (p.rows, p.batches) for p in await housekeeping.run(NOW)}
    assert pruned == {
        "submissions": (1100, 3),  # 500 + 500 + 100: no batch is larger than asked
        "deliveries": (2, 1),
        "channel_posts": (2, 1),
    }
    assert await _count(store, SubmissionRow) == 100
    assert await _count(store, ChannelPostRow) == 1
    async with store.engine.connect() as conn:
        left = set((await conn.execute(select(DeliveryRow.key))).scalars())
    assert left == {"drill:2", "drill:99"}
    async with store.transaction() as tx:
        # The newest keys still protect against a platform's retry.
        assert not await tx.claim_submission("T1", "key-1199")
    # A second run finds nothing, in one batch per table.
    again = await housekeeping.run(NOW)
    assert [(p.rows, p.batches) for p in again] == [(0, 1), (0, 1), (0, 1)]


async def test_a_run_stops_after_its_batch_budget(sql_store: SqlStore) -> None:
    store = sql_store
    async with store.transaction() as tx:
        await tx.ensure_workspace("T1", "slack", "Team")
        for n in range(30):
            await tx.claim_submission("T1", f"key-{n}")
    async with store.engine.begin() as conn:
        await conn.execute(update(SubmissionRow).values(created_at=OLD))
    deps = Deps(store, tiny_library(), NullChat(), ManualClock(NOW))
    first = await Housekeeping(deps, batch=10, max_batches=2, pause=0).run(NOW)
    assert (first[0].rows, first[0].batches) == (20, 2)
    assert await _count(store, SubmissionRow) == 10  # the rest waits for the next run


async def test_each_run_gives_freed_memory_back(sql_store: SqlStore) -> None:
    """Without it glibc keeps every thread's busiest moment, and RSS creeps up by the week
    (issue 14; ``bot.memory``)."""
    releases: list[int] = []

    def release() -> bool:
        releases.append(len(releases))
        return True

    deps = Deps(sql_store, tiny_library(), NullChat(), ManualClock(NOW))
    housekeeping = Housekeeping(deps, pause=0, release_memory=release)
    await housekeeping.run(NOW)
    await housekeeping.run(NOW)
    assert releases == [0, 1]
