"""Group commit: many small writes from concurrent tasks committed in one transaction.

A fan-out of two thousand posts makes four thousand tiny write transactions (claim a drill,
record it posted). SQLite takes one writer at a time and PostgreSQL pays a round trip and a
commit for each, so written one by one they queue behind each other for tens of seconds while
the posts themselves could go out in a few. Here each write is a *unit*: a coroutine function
given the open transaction. Units submitted while a transaction is being written wait for the
next one, which takes all of them (up to ``max_batch``), so a burst is written in a handful of
transactions and a lone write still goes out at once.

A unit's failure must not fail its neighbours: when a batch's transaction fails, each of its
units is run again in a transaction of its own, and only the failing ones raise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.services.store import Store, Tx

T = TypeVar("T")
log = logging.getLogger("drillbot.group_commit")

Unit = Callable[[Tx], Awaitable[T]]

MAX_BATCH = 100
"""Units in one transaction: large enough to absorb a burst, small enough that one
transaction holds SQLite's write lock only for tens of milliseconds."""


@dataclass
class _Pending(Generic[T]):
    unit: Unit[T]
    order: str
    future: asyncio.Future[T]


class GroupCommit:
    def __init__(self, store: Store, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max(1, max_batch)
        self._queue: list[_Pending[Any]] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0
        """Transactions committed so far (read by tests and benchmarks)."""

    async def run(self, unit: Unit[T], order: str = "") -> T:
        """Run ``unit`` in a transaction shared with the units submitted beside it.

        ``order`` sorts the units of one transaction, so that two processes writing the same
        rows in batches lock them in the same order and cannot deadlock each other."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        # Its caller may be gone (cancelled) by the time it fails: not an unretrieved error.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._queue.append(_Pending(unit, order, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        # Shielded: a caller that gives up (a cancelled tick) leaves its unit to be written or
        # not as a whole with its batch; the transaction is never cut in the middle.
        return await asyncio.shield(future)

    async def _write_all(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                batch.sort(key=lambda p: p.order)
                await self._write(batch)
        except BaseException:
            # Cancelled (the loop is closing): nobody waits for ever on a write never tried.
            queued, self._queue = self._queue, []
            for pending in queued:
                pending.future.cancel()
            raise

    async def _write(self, batch: list[_Pending[Any]]) -> None:
        try:
            results: list[Any] = []
            async with self.store.transaction() as tx:
                for pending in batch:
                    results.append(await pending.unit(tx))
            self.transactions += 1
        except Exception as exc:
            if len(batch) == 1:
                self._settle(batch[0], exc=exc)
                return
            log.debug("a batch of %d writes failed (%s); writing each alone", len(batch), exc)
            for pending in batch:
                await self._write([pending])
            return
        except BaseException:
            # Cancelled mid-transaction (the loop is closing): nothing of the batch was kept.
            for pending in batch:
                pending.future.cancel()
            raise
        for pending, result in zip(batch, results, strict=True):
            self._settle(pending, result=result)

    @staticmethod
    def _settle(
        pending: _Pending[Any], result: Any = None, exc: BaseException | None = None
    ) -> None:
        if pending.future.done():
            return
        if exc is not None:
            pending.future.set_exception(exc)
        else:
            pending.future.set_result(result)
