"""Real-time scheduling: one loop per process, woken when something is due.

APScheduler keeps two jobs, both running the engine's ``tick``: ``due``, a one-off job moved
after every tick to the next instant anything is due (the engine asks the database for the next
reveal and computes the next slot or board from the schedules), and ``sweep``, every
``sweep_seconds``, a safety net for what no schedule announces (retries, expired leases, idle
mock incidents, schedules changed by another process). One tick runs at a time: a job that
fires during a tick asks for one more run after it. Every tick is idempotent, so a tick that
runs twice, or in two processes, posts once.

``stop`` is the graceful shutdown (SIGTERM on every deploy): no new tick starts, the tick in
flight finishes the posts it is making but starts no other, and is cancelled after
``shutdown_grace`` seconds; what it had claimed and not posted is released for other processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling.clock import Clock
from bot.scheduling.virtual import Ticking
from bot.services.store import Store, StoreUnavailable

log = logging.getLogger("drillbot.scheduler")

SWEEP_SECONDS = 60
SHUTDOWN_GRACE = 20.0
HOUSEKEEPING_SECONDS = 3600.0
CANCEL_WAIT = 10.0
"""Seconds a cancelled tick gets to give its leases back."""


class Drainable(Ticking, Protocol):
    def drain(self) -> None:
        """Start no new post from now on; release what is claimed and not started."""
        ...


class Scheduler:
    def __init__(
        self,
        engine: Drainable,
        store: Store,
        clock: Clock,
        sweep_seconds: float = SWEEP_SECONDS,
        shutdown_grace: float = SHUTDOWN_GRACE,
        housekeeping: Callable[[dt.datetime], Awaitable[object]] | None = None,
        housekeeping_seconds: float = HOUSEKEEPING_SECONDS,
    ) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self.shutdown_grace = shutdown_grace
        self.housekeeping = housekeeping
        self.housekeeping_seconds = housekeeping_seconds
        self.aps: Any = AsyncIOScheduler(timezone="UTC")
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._stopping = False
        self._first: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.aps.add_job(
            self._tick,
            IntervalTrigger(seconds=self.sweep_seconds),
            id="sweep",
            max_instances=1,
            coalesce=True,
        )
        if self.housekeeping is not None:
            # Beside the ticks, not inside one: pruning a backlog must not delay a post.
            self.aps.add_job(
                self._housekeep,
                IntervalTrigger(seconds=self.housekeeping_seconds),
                id="housekeeping",
                max_instances=1,
                coalesce=True,
            )
        self.aps.start()
        # The first tick (posts missed while the bot was down) runs beside the start-up, so a
        # SIGTERM that comes during it is heard at once.
        self._first = asyncio.create_task(self._tick())

    async def sync(self) -> None:
        """A schedule changed: wake at its next due time (or sooner)."""
        await self._wake_at_next_due()

    def next_wake(self) -> dt.datetime | None:
        """When the ``due`` job will run next; None when nothing is scheduled."""
        job = self.aps.get_job("due")
        found: dt.datetime | None = job.next_run_time if job is not None else None
        return found

    async def _wake_at_next_due(self) -> None:
        if self._stopping:
            return
        try:
            due = await self.engine.next_due(self.clock.now())
        except StoreUnavailable as exc:
            log.warning("cannot plan the next tick, database unreachable: %s", exc)
            return
        if due is None:
            if self.aps.get_job("due") is not None:
                self.aps.remove_job("due")
            return
        self.aps.add_job(
            self._tick,
            DateTrigger(run_date=due),
            id="due",
            replace_existing=True,
            # However late the loop gets to it, it still runs: a missed tick is a late drill.
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _tick(self) -> None:
        if self._stopping:
            return
        if self._running is not None:
            # Another job fired while a tick runs (many channels due in one minute): one more
            # pass afterwards covers them all, instead of a tick each at once.
            self._again = True
            return
        self._running = asyncio.current_task()
        try:
            while True:
                self._again = False
                await self._tick_once()
                if not self._again or self._stopping:
                    break
        finally:
            self._running = None

    async def _tick_once(self) -> None:
        try:
            await self.engine.tick(self.clock.now())
        except StoreUnavailable as exc:
            log.warning("tick postponed, database unreachable: %s", exc)
        except Exception:
            log.exception("tick failed; the next one retries")
        await self._wake_at_next_due()

    async def _housekeep(self) -> None:
        if self._stopping or self.housekeeping is None:
            return
        try:
            await self.housekeeping(self.clock.now())
        except StoreUnavailable as exc:
            log.warning("housekeeping postponed, database unreachable: %s", exc)
        except Exception:
            log.exception("housekeeping failed; the next run retries")

    async def stop(self) -> None:
        self._stopping = True
        self.engine.drain()
        if self.aps.running:
            # Paused, not shut down yet: APScheduler's shutdown cancels the job in flight,
            # which must first have its grace period.
            self.aps.pause()
        try:
            await self._let_the_tick_finish()
        finally:
            if self.aps.running:
                self.aps.shutdown(wait=False)

    async def _let_the_tick_finish(self) -> None:
        running = self._running
        if running is None or running.done() or running is asyncio.current_task():
            return
        done, _ = await asyncio.wait({running}, timeout=self.shutdown_grace)
        if done:
            log.info("the tick in flight finished before shutdown")
            return
        log.warning(
            "the tick in flight did not finish within %.0fs; cancelling it", self.shutdown_grace
        )
        running.cancel()
        await asyncio.wait({running}, timeout=CANCEL_WAIT)
