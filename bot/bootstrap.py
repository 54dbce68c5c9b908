"""The composition root: settings in, a running engine with its store and adapter out."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import memory
from bot.config import Settings
from bot.content.loader import ContentError, Library, load_library
from bot.db.incident_store import SqlIncidentStore
from bot.db.sql_store import SqlStore
from bot.domain import schedule_rules as rules
from bot.domain.model import Schedule
from bot.domain.reviews import FsrsParams
from bot.messaging.port import ChatPort
from bot.observability import logs
from bot.scheduling.clock import Clock, ManualClock
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.incident_store import IncidentStore
from bot.services.metrics import Metrics, NullMetrics
from bot.services.store import Store, StoreUnavailable

log = logging.getLogger("drillbot")


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do."""


def load_content(settings: Settings) -> Library:
    try:
        return load_library([settings.content_dir] if settings.content_dir else None)
    except ContentError as exc:
        raise StartupError(
            "drillbot will not start: the content packs fail the check.\n" + str(exc)
        ) from exc


STARTUP_ATTEMPTS = 4


async def open_configured_store(settings: Settings, retry_delay: float = 1.0) -> Store:
    """The configured database, migrated to the newest schema. A database that is down at
    start is tried again a few times (it may be starting too), then reported plainly."""
    from bot.db.sql_store import open_store
    from bot.db.urls import database_url, redact

    try:
        url = database_url(settings.env_for_db())
    except ValueError as exc:
        raise StartupError(f"drillbot will not start: {exc}") from exc
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            return await open_store(url, upgrade=True)
        except ValueError as exc:
            raise StartupError(f"drillbot will not start: {exc}") from exc
        except StoreUnavailable as exc:
            if attempt == STARTUP_ATTEMPTS:
                raise StartupError(
                    f"drillbot will not start: the database at {redact(url)} is unreachable "
                    f"after {attempt} attempts ({exc}). Check that it is running and that "
                    "DATABASE_URL is right."
                ) from exc
            log.warning(
                "database unreachable at start (%s); retry %d in %.0fs", exc, attempt, retry_delay
            )
            await asyncio.sleep(retry_delay)
            retry_delay *= 2
    raise AssertionError("unreachable")


def make_engine(
    store: Store,
    library: Library,
    chat: ChatPort,
    clock: Clock,
    settings: Settings,
    metrics: Metrics | None = None,
) -> Engine:
    from bot.services.incidents import Incidents

    # Before the engine starts its threads' work (the database's, the charts', the grader's):
    # see bot.memory for why a long-running process needs it.
    memory.cap_arenas()
    incident_store: IncidentStore
    if isinstance(store, SqlStore):
        incident_store = SqlIncidentStore.over(store)
    else:
        from bot.testing.memory_incident_store import MemoryIncidentStore

        incident_store = MemoryIncidentStore()
    deps = Deps(
        store=store,
        library=library,
        chat=chat,
        clock=clock,
        settings=EngineSettings(
            grace=settings.grace,
            lease=dt.timedelta(seconds=settings.lease_seconds),
            max_concurrent_posts=settings.max_concurrent_posts,
            posts_per_workspace=settings.posts_per_workspace,
            away_max_days=settings.away_max_days,
            fsrs=FsrsParams(
                desired_retention=settings.fsrs_desired_retention,
                maximum_interval=settings.fsrs_maximum_interval,
                learning_steps=tuple(settings.fsrs_learning_steps),
                relearning_steps=tuple(settings.fsrs_relearning_steps),
            ),
        ),
        metrics=metrics or NullMetrics(),
    )
    idle = dt.timedelta(hours=settings.incident_idle_hours)
    return Engine(deps, incidents=Incidents(deps, incident_store, idle_limit=idle))


@dataclass
class ConsoleOptions:
    start: dt.datetime | None
    zone: str


async def run_console(
    settings: Settings, options: ConsoleOptions, stdin: TextIO, stdout: TextIO
) -> int:
    from bot.adapters.console.app import CHANNEL, CONNECT_HINT, WORKSPACE, ConsoleApp
    from bot.adapters.console.chat import ConsoleChat

    library = load_content(settings)
    store = await open_configured_store(settings)
    start = options.start or dt.datetime.now(dt.UTC)
    clock = ManualClock(start)
    chat = ConsoleChat(stdout, clock.now, options.zone, settings.data_dir)
    engine = make_engine(store, library, chat, clock, settings)
    await engine.start()
    app = ConsoleApp(engine, clock, chat, options.zone)
    chat.note(CONNECT_HINT)
    try:
        async with store.transaction() as tx:
            await tx.ensure_workspace(WORKSPACE, "console", "Console")
            channel = await tx.ensure_channel(WORKSPACE, CHANNEL, CHANNEL)
            if channel.schedule is None:
                schedule = Schedule(timezone=options.zone)
                await tx.save_schedule(channel.id, schedule)
                chat.note(
                    f"#{CHANNEL} had no schedule; it now has the default. "
                    f"{rules.describe(schedule)} "
                    "Change it with `/drill setup`."
                )
        await engine.tick()
        if stdin.isatty():
            await app.interactive(stdin)
        else:
            await app.replay(stdin)
    finally:
        await store.close()
    return 0


def configure_logging(settings: Settings, stream: TextIO = sys.stderr) -> None:
    logs.configure(settings.log_level, settings.log_format, stream)


def log_to_file(settings: Settings) -> Path:
    """The console's own output is the chat; its logs go to a file beside the database, and
    only errors still reach the terminal."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "drillbot.log"
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setLevel(logging.ERROR)
    root.addHandler(logs.dress(logging.FileHandler(path, encoding="utf-8"), settings.log_format))
    return path
