"""Uniqueness under real concurrency on PostgreSQL: many transactions at once, two engines (as
two bot processes would have), and exactly one winner every time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import func, select

from bot.db.sql_store import SqlStore, SqlTx
from bot.db.tables import AnswerRow, DrillRow
from bot.domain.model import Channel, Drill, Person
from tests.db.builders import answer, at, channel, claim, drill, person
from tests.db.conftest import clean_pg_store

pytestmark = pytest.mark.postgres

POOL = {"pool_size": 30, "max_overflow": 0}  # every racer holds a connection at the barrier


@pytest.fixture
async def two_stores(pg_database: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    first = await clean_pg_store(pg_database, **POOL)
    second = await clean_pg_store(pg_database, **POOL)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _race(
    stores: list[SqlStore], attempts: int, action: Callable[[SqlTx], Awaitable[object]]
) -> list[object]:
    """Open ``attempts`` transactions, wait until all have started, then run ``action`` in
    each at once. Transaction i uses stores[i % len(stores)]."""
    barrier = asyncio.Barrier(attempts)

    async def one(i: int) -> object:
        async with stores[i % len(stores)].transaction() as tx:
            await tx.get_drill(0)  # the transaction is really open on the server
            await barrier.wait()
            return await action(tx)

    return await asyncio.gather(*(one(i) for i in range(attempts)))


async def _count(store: SqlStore, table: type[AnswerRow] | type[DrillRow]) -> int:
    async with store.engine.connect() as connection:
        total: int = (
            await connection.execute(select(func.count()).select_from(table))
        ).scalar_one()
    return total


async def _setup(store: SqlStore) -> tuple[Channel, Person, Drill]:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx)
        d = await drill(tx, ch)
    return ch, ann, d


async def test_twenty_concurrent_answers_by_one_person_make_one_row(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    store, _ = two_stores
    _, ann, d = await _setup(store)

    async def insert(tx: SqlTx) -> object:
        return await answer(tx, d, ann, points=10)

    results = await _race([store], 20, insert)
    assert sum(r is not None for r in results) == 1
    assert await _count(store, AnswerRow) == 1


async def test_two_processes_racing_claim_drill_fifty_times_have_one_winner(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    ch, _, _ = await _setup(first)
    before = await _count(first, DrillRow)

    async def claim_tomorrow(tx: SqlTx) -> object:
        return await claim(tx, ch, local_date=at(24).date(), scheduled_at=at(24))

    results = await _race([first, second], 50, claim_tomorrow)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert await _count(second, DrillRow) == before + 1


async def test_two_processes_revealing_at_once_reveal_once(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    _, _, d = await _setup(first)

    async def reveal(tx: SqlTx) -> object:
        return await tx.mark_revealed(d.id, at(6))

    results = await _race([first, second], 10, reveal)
    assert results.count(True) == 1


async def test_concurrent_first_sightings_create_one_channel_and_person(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores

    async def sight(tx: SqlTx) -> object:
        ch = await tx.ensure_channel("W9", "C-new", "#new")
        someone = await tx.ensure_person("W9", "U-new", "New")
        return ch.id, someone.id

    results = await _race([first, second], 10, sight)
    assert len(set(results)) == 1


async def test_concurrent_claims_of_the_same_submission_have_one_winner(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    async with first.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "Acme")

    async def deliver(tx: SqlTx) -> object:
        return await tx.claim_submission("W1", "retry-of-evt-1")

    results = await _race([first, second], 10, deliver)
    assert results.count(True) == 1


async def test_twenty_racers_for_a_new_lease_and_for_an_expired_one_have_one_winner(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    stores = list(two_stores)
    now = at(9)
    later = at(10)

    async def take_new(tx: SqlTx) -> object:
        return await tx.take_lease("drill:1", f"p{id(tx)}", now, later)

    first = await _race(stores, 20, take_new)
    assert sum(r is not None for r in first) == 1

    async def take_expired(tx: SqlTx) -> object:
        return await tx.take_lease("drill:1", f"q{id(tx)}", at(11), at(12))

    second = await _race(stores, 20, take_expired)
    winners = [r for r in second if r is not None]
    assert len(winners) == 1
    assert getattr(winners[0], "attempts", None) == 2
