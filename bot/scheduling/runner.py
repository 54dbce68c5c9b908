"""Real-time scheduling with APScheduler, built from the channel schedules in the database.

Each channel slot (daily post, MCQ slot, weekly leaderboard) becomes a cron job in the
channel's own zone, so APScheduler handles DST; a sweep every minute catches reveals, retries
and posts missed while the bot was down (within the grace window). Every job just runs the
engine's idempotent ``tick``, so a job that fires twice, or in two processes, posts once. One
process runs one tick at a time: a job that fires during a tick asks for one more run after it.

``stop`` is the graceful shutdown (SIGTERM on every deploy): no new tick starts, the tick in
flight finishes the post it is making but starts no other, and is cancelled after
``shutdown_grace`` seconds; what it had claimed and not posted is released for other processes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling.clock import Clock
from bot.scheduling.virtual import Ticking
from bot.services.store import Store, StoreUnavailable

log = logging.getLogger("drillbot.scheduler")

SWEEP_SECONDS = 60
SHUTDOWN_GRACE = 20.0
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
    ) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self.shutdown_grace = shutdown_grace
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
        await self.sync()
        self.aps.start()
        # The first tick (posts missed while the bot was down) runs beside the start-up, so a
        # SIGTERM that comes during it is heard at once.
        self._first = asyncio.create_task(self._tick())

    async def sync(self) -> None:
        """Rebuild the cron jobs from the schedules in the database."""
        async with self.store.transaction() as tx:
            channels = await tx.channels()
        wanted: dict[str, CronTrigger] = {}
        for channel in channels:
            s = channel.schedule
            if s is None or s.paused:
                continue
            days = ",".join(s.days)
            wanted[f"post:{channel.id}"] = CronTrigger(
                day_of_week=days,
                hour=s.post_time.hour,
                minute=s.post_time.minute,
                timezone=s.timezone,
            )
            if s.mcq_time is not None:
                wanted[f"mcq:{channel.id}"] = CronTrigger(
                    day_of_week=days,
                    hour=s.mcq_time.hour,
                    minute=s.mcq_time.minute,
                    timezone=s.timezone,
                )
            wanted[f"board:{channel.id}"] = CronTrigger(
                day_of_week=s.leaderboard_day,
                hour=s.leaderboard_time.hour,
                minute=s.leaderboard_time.minute,
                timezone=s.timezone,
            )
        for job in self.aps.get_jobs():
            if job.id != "sweep" and job.id not in wanted:
                job.remove()
        for job_id, trigger in wanted.items():
            self.aps.add_job(
                self._tick,
                trigger,
                id=job_id,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
            )
        log.info("scheduler synced: %d channel jobs", len(wanted))

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self.aps.get_jobs())

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

    async def stop(self) -> None:
        self._stopping = True
        self.engine.drain()
        if self.aps.running:
            self.aps.shutdown(wait=False)
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
