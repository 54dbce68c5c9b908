"""Group commit: the writes of concurrent posts share transactions, and one failing write
fails alone. On every store, since the rollback of a shared transaction is what matters."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from bot.domain.model import DrillState, Lease, Slot
from bot.services.group_commit import GroupCommit
from bot.services.store import Store, Tx
from tests.db.builders import at, channel, claim, day

MINUTE = dt.timedelta(minutes=1)


def taking(key: str, owner: str = "a") -> Callable[[Tx], Awaitable[Lease | None]]:
    async def unit(tx: Tx) -> Lease | None:
        return await tx.take_lease(key, owner, at(9), at(9) + MINUTE)

    return unit


async def test_concurrent_writes_share_a_few_transactions(store: Store) -> None:
    commits = GroupCommit(store)
    keys = [f"drill:{n}" for n in range(30)]
    leases = await asyncio.gather(*(commits.run(taking(k), order=k) for k in keys))
    assert [lease.key if lease else None for lease in leases] == keys
    assert 1 <= commits.transactions <= 2
    async with store.transaction(read_only=True) as tx:
        assert [await tx.lease_holder(k) for k in keys] == ["a"] * 30


async def test_a_failing_write_fails_alone_and_leaves_nothing(store: Store) -> None:
    commits = GroupCommit(store)

    async def broken(tx: Tx) -> None:
        await tx.take_lease("drill:bad", "a", at(9), at(9) + MINUTE)
        raise ValueError("this one is wrong")

    good = [commits.run(taking(f"drill:{n}"), order=f"drill:{n}") for n in range(5)]
    results = await asyncio.gather(
        *good, commits.run(broken, order="drill:2x"), return_exceptions=True
    )
    assert [isinstance(r, Lease) for r in results[:5]] == [True] * 5
    assert isinstance(results[5], ValueError)
    # The broken unit's write was rolled back with its transaction; the others were kept.
    async with store.transaction() as tx:
        assert await tx.lease_holder("drill:bad") is None
        assert await tx.take_lease("drill:bad", "b", at(9), at(9) + MINUTE) is not None
        assert await tx.lease_holder("drill:3") == "a"


async def test_a_lone_write_goes_out_at_once(store: Store) -> None:
    commits = GroupCommit(store)
    lease = await asyncio.wait_for(commits.run(taking("board:1:2026-W49")), 5)
    assert lease is not None and commits.transactions == 1


@pytest.mark.parametrize("batch", [1, 7])
async def test_batches_are_capped(store: Store, batch: int) -> None:
    commits = GroupCommit(store, max_batch=batch)
    await asyncio.gather(*(commits.run(taking(f"drill:{n}")) for n in range(14)))
    assert commits.transactions == 14 // batch


async def test_channel_histories_in_one_read(store: Store) -> None:
    async with store.transaction() as tx:
        first = await channel(tx, external="C1")
        second = await channel(tx, external="C2")
        empty = await channel(tx, external="C3")
        await claim(tx, first, item="q-2", local_date=day(1), scheduled_at=at(9) + 24 * 60 * MINUTE)
        await claim(tx, first, item="q-1", local_date=day(0), scheduled_at=at(9))
        await claim(tx, second, item="q-3", local_date=day(0))
        # A slot skipped for being found too late uses no question.
        await claim(tx, second, item="", slot=Slot.MCQ, local_date=day(0), state=DrillState.SKIPPED)
    async with store.transaction(read_only=True) as tx:
        found = await tx.channels_items([first.id, second.id, empty.id, first.id])
    assert found == {first.id: ["q-1", "q-2"], second.id: ["q-3"], empty.id: []}
