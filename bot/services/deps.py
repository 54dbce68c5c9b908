"""What every service is given: the store, the content, the chat port, the clock, settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.content.loader import Library
from bot.domain.away import DEFAULT_MAX_DAYS
from bot.domain.reviews import FsrsParams
from bot.messaging.port import ChatPort
from bot.scheduling.clock import Clock
from bot.services.charts import ChartCache
from bot.services.identity import process_identity
from bot.services.metrics import Metrics, NullMetrics
from bot.services.store import Store, StoreUnavailable

T = TypeVar("T")
log = logging.getLogger("drillbot")


@dataclass(frozen=True)
class EngineSettings:
    grace: dt.timedelta = dt.timedelta(hours=2)
    """A post missed by downtime is still made this long after its time; later, it is skipped."""
    store_retries: int = 4
    retry_delay: float = 0.5
    """Seconds before the first retry when the database is unreachable; doubles each time."""
    max_answer_chars: int = 3000
    count_update_delay: float = 2.0
    """Answer counts on a posted drill are refreshed at most this often (seconds)."""
    lease: dt.timedelta = dt.timedelta(seconds=60)
    """How long a claim to post one message lasts unless renewed: a process that dies while
    posting holds it this long at most, then any process takes it over."""
    owner: str = field(default_factory=process_identity)
    max_concurrent_posts: int = 100
    """Scheduled posts in flight at once, over all workspaces."""
    posts_per_workspace: int = 8
    """Scheduled posts in flight at once in one workspace (Slack rate-limits per workspace)."""
    away_max_days: int = DEFAULT_MAX_DAYS
    """The longest run of away days (periods that touch or overlap count as one)."""
    fsrs: FsrsParams = field(default_factory=FsrsParams)
    """How practice spaces reviews (``bot.domain.reviews``; ``DRILLBOT_FSRS_*``)."""
    channels_ttl: dt.timedelta = dt.timedelta(minutes=10)
    """Between ticks the scheduler reads only the schedules that changed (by their sequence
    number); it reads them all again this often anyway."""


@dataclass
class Deps:
    store: Store
    library: Library
    chat: ChatPort
    clock: Clock
    settings: EngineSettings = field(default_factory=EngineSettings)
    on_schedule_change: Callable[[], Awaitable[None]] | None = None
    draining: bool = False
    """Set when the process is stopping: no new post is started, leases are given back."""
    charts: ChartCache = field(default_factory=ChartCache)
    """Team charts, rendered off the event loop and remembered (``bot.services.charts``)."""
    metrics: Metrics = field(default_factory=NullMetrics)

    async def retrying(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run a store operation, retrying with logged back-off while the database is down."""
        delay = self.settings.retry_delay
        for attempt in range(1, self.settings.store_retries + 1):
            try:
                return await operation()
            except StoreUnavailable as exc:
                if attempt == self.settings.store_retries:
                    log.error("%s: database unreachable after %d attempts: %s", what, attempt, exc)
                    raise
                log.warning(
                    "%s: database unreachable (%s); retry %d in %.1fs", what, exc, attempt, delay
                )
                self.metrics.db_retry()
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")
