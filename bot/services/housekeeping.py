"""Pruning per-request records once they can no longer matter.

- ``submissions``, 30 days: a platform's delivery key, so a retried answer edit counts once;
  platforms retry within minutes, and an answer can be edited only until its reveal.
- ``deliveries`` once finished, 30 days: the lease and "done" mark of each scheduled post; a
  tick looks back only over the grace window (hours) and the current week's board.
- ``channel_posts``, 30 days: one-off post claims.

Never pruned: unfinished deliveries (work still to do), drills, answers, totals, streaks and
incident sessions (they make the boards and the history).

Each batch deletes at most ``batch`` rows in a transaction of its own, oldest first, and the
loop pauses between batches: on SQLite, with one writer at a time, an answer waiting for the
write lock gets it before the next batch, so a large backlog never holds the answer path for
longer than one small DELETE.

After pruning, a run hands the memory the process freed back to the system
(``bot.memory.release_free_memory``): without it glibc keeps each thread's busiest moment for
ever, and the resident size of a long-running process creeps up by the week (issue 14).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot import memory
from bot.services.deps import Deps
from bot.services.store import PRUNABLE

log = logging.getLogger("drillbot.housekeeping")

RETENTION = dt.timedelta(days=30)
BATCH = 500
MAX_BATCHES = 200
"""Per table and run: a backlog larger than 100,000 rows is finished by the next runs."""
PAUSE = 0.05
"""Seconds between batches: room for the answer path's writes."""


@dataclass(frozen=True)
class Pruned:
    table: str
    rows: int
    batches: int


class Housekeeping:
    def __init__(
        self,
        deps: Deps,
        retention: dt.timedelta = RETENTION,
        batch: int = BATCH,
        max_batches: int = MAX_BATCHES,
        pause: float = PAUSE,
        release_memory: Callable[[], bool] = memory.release_free_memory,
    ) -> None:
        self.d = deps
        # A board or a missed drill is looked for up to the grace window back: what decides
        # it must outlive that, whatever the grace is set to.
        self.retention = max(retention, 2 * deps.settings.grace + dt.timedelta(days=8))
        self.batch = batch
        self.max_batches = max_batches
        self.pause = pause
        self.release_memory = release_memory

    async def run(self, now: dt.datetime | None = None) -> list[Pruned]:
        before = (now or self.d.clock.now()) - self.retention
        done: list[Pruned] = []
        for table in PRUNABLE:
            rows = batches = 0
            while batches < self.max_batches:
                async with self.d.store.transaction() as tx:
                    went = await tx.prune_old(table, before, self.batch)
                batches += 1
                rows += went
                if went < self.batch:
                    break
                await asyncio.sleep(self.pause)
            if rows:
                self.d.metrics.pruned(table, rows)
                log.info(
                    "pruned %d %s row(s) older than %s in %d batch(es)",
                    rows,
                    table,
                    before,
                    batches,
                )
            done.append(Pruned(table, rows, batches))
        # Hourly is often enough: what grows between two runs is one hour's peak, and a trim
        # walks every arena under its lock (a few milliseconds on the loop, bench/soak_bench).
        self.release_memory()
        return done
