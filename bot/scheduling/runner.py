"""Real-time scheduling with APScheduler, built from the channel schedules in the database.

Each channel slot (daily post, MCQ slot, weekly leaderboard) becomes a cron job in the
channel's own zone, so APScheduler handles DST; a sweep every minute catches reveals, retries
and posts missed while the bot was down (within the grace window). Every job just runs the
engine's idempotent ``tick``, so a job that fires twice, or in two processes, posts once.
"""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduling.clock import Clock
from bot.scheduling.virtual import Ticking
from bot.services.store import Store, StoreUnavailable

log = logging.getLogger("drillbot.scheduler")

SWEEP_SECONDS = 60


class Scheduler:
    def __init__(self, engine: Ticking, store: Store, clock: Clock) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.aps: Any = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        self.aps.add_job(
            self._tick,
            IntervalTrigger(seconds=SWEEP_SECONDS),
            id="sweep",
            max_instances=1,
            coalesce=True,
        )
        await self.sync()
        self.aps.start()
        await self._tick()

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
        try:
            await self.engine.tick(self.clock.now())
        except StoreUnavailable as exc:
            log.warning("tick postponed, database unreachable: %s", exc)
        except Exception:
            log.exception("tick failed; the next one retries")

    async def stop(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)
