"""Delivery leases: the same contract on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from bot.services.store import Store
from tests.db.builders import at

MINUTE = dt.timedelta(minutes=1)


async def test_a_new_lease_is_taken_once_and_kept_until_it_expires(store: Store) -> None:
    async with store.transaction() as tx:
        lease = await tx.take_lease("drill:1", "a", at(9), at(9) + MINUTE)
        assert lease is not None
        assert (lease.attempts, lease.first_claimed_at, lease.retried) == (1, at(9), False)
        assert await tx.take_lease("drill:1", "b", at(9) + MINUTE / 2, at(9) + MINUTE) is None
        assert await tx.stale_leases("drill:", at(9)) == []
    async with store.transaction() as tx:
        taken = await tx.take_lease("drill:1", "b", at(9) + 2 * MINUTE, at(9) + 3 * MINUTE)
        assert taken is not None
        assert (taken.owner, taken.attempts, taken.first_claimed_at) == ("b", 2, at(9))
        assert taken.retried


async def test_renew_and_release_only_by_the_holder(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.take_lease("board:1:2026-W49", "a", at(9), at(9) + MINUTE)
        assert not await tx.renew_lease("board:1:2026-W49", "b", at(9) + 5 * MINUTE)
        assert await tx.renew_lease("board:1:2026-W49", "a", at(9) + 5 * MINUTE)
        # renewed: still held past the first expiry
        assert await tx.take_lease("board:1:2026-W49", "b", at(9) + 2 * MINUTE, at(10)) is None
        await tx.release_lease("board:1:2026-W49", "b")  # not b's: nothing happens
        assert await tx.take_lease("board:1:2026-W49", "b", at(9) + 2 * MINUTE, at(10)) is None
        await tx.release_lease("board:1:2026-W49", "a")
        assert await tx.stale_leases("board:", at(9) + 2 * MINUTE) == ["board:1:2026-W49"]
        again = await tx.take_lease("board:1:2026-W49", "b", at(9) + 2 * MINUTE, at(10))
        assert again is not None and again.attempts == 2


async def test_a_finished_delivery_is_never_taken_again(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.take_lease("reveal:7", "a", at(9), at(9) + MINUTE)
        assert not await tx.lease_done("reveal:7")
        assert await tx.finish_lease("reveal:7", at(9), "1700000000.000100")
        assert await tx.lease_done("reveal:7")
        assert not await tx.finish_lease("reveal:7", at(10), "other")
        assert await tx.take_lease("reveal:7", "b", at(20), at(21)) is None
        assert await tx.stale_leases("reveal:", at(20)) == []


async def test_stale_leases_match_the_prefix_literally(store: Store) -> None:
    async with store.transaction() as tx:
        for key in ("debrief:1", "debrief:2", "debriefX3", "drill:4"):
            assert await tx.take_lease(key, "a", at(9), at(9) + MINUTE)
        assert await tx.finish_lease("debrief:2", at(9), None)
        # '_' and '%' would be wildcards in LIKE; they are not here
        assert await tx.stale_leases("debrief:", at(11)) == ["debrief:1"]
        assert await tx.stale_leases("debrief_", at(11)) == []


async def test_a_lease_is_stolen_only_from_the_holder_named(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.take_lease("drill:9", "dead", at(9), at(10))
        assert await tx.lease_holder("drill:9") == "dead"
        assert await tx.take_lease("drill:9", "b", at(9), at(10), steal_from="someone") is None
        stolen = await tx.take_lease("drill:9", "b", at(9), at(10), steal_from="dead")
        assert stolen is not None and stolen.attempts == 2
        assert await tx.lease_holder("drill:9") == "b"
        assert await tx.take_lease("drill:9", "c", at(9), at(10), steal_from="dead") is None
        await tx.release_lease("drill:9", "b")
        assert await tx.lease_holder("drill:9") is None
        assert await tx.finish_lease("drill:9", at(9), "ts")
        assert await tx.lease_holder("drill:9") is None
        assert await tx.lease_holder("never") is None
