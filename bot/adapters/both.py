"""Slack and Discord in one process: one engine, one scheduler, one database.

Each runtime takes its own platform's events and answers them through its own chat; what the
core sends by itself (scheduled drills, reveals, boards, count updates, incident threads and
debriefs) goes through ``RoutingChat``, which sends each workspace's messages through the
platform the store recorded for it. Slack's HTTP server also serves ``/healthz`` for both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import memory
from bot.adapters.discord.config import DiscordConfig, DiscordStartupError
from bot.adapters.discord.main import DiscordRuntime
from bot.adapters.discord.secrets import install_redaction as hide_discord_token
from bot.adapters.slack.main import SlackConfig, SlackRuntime, SlackStartupError
from bot.adapters.slack.main import install_redaction as hide_slack_secrets
from bot.config import Settings
from bot.db.errors import translate_errors
from bot.db.secrets import TokenCipher
from bot.db.tables import WorkspaceRow
from bot.messaging.router import PlatformOf, RoutingChat
from bot.scheduling.clock import SystemClock
from bot.scheduling.runner import Scheduler
from bot.services.engine import Engine
from bot.services.store import Store

log = logging.getLogger("drillbot")


def recorded_platforms(store: Store) -> PlatformOf:
    """The platform each workspace was recorded with (None: not recorded)."""
    engine = getattr(store, "engine", None)

    async def platform_of(workspace_id: str) -> str | None:
        if not isinstance(engine, AsyncEngine):
            return None
        with translate_errors(engine.url.render_as_string(hide_password=False)):
            async with engine.connect() as conn:
                found = await conn.scalar(
                    select(WorkspaceRow.platform).where(WorkspaceRow.id == workspace_id)
                )
        return str(found) if found else None

    return platform_of


@dataclass
class Running:
    """What ``run_both`` started, for a caller that wants to watch it (tests)."""

    slack: SlackRuntime
    discord: DiscordRuntime
    engine: Engine
    scheduler: Scheduler
    stop: asyncio.Event


async def run_both(
    settings: Settings, ready: Callable[[Running], Awaitable[None]] | None = None
) -> int:
    """``drillbot run`` with Slack and Discord credentials both set: until SIGINT or SIGTERM
    (or until ``ready``'s ``stop`` is set)."""
    from bot.bootstrap import StartupError, load_content, make_engine, open_configured_store

    try:
        slack_config = SlackConfig.from_settings(settings)
        discord_config = replace(DiscordConfig.from_settings(settings), serve_health=False)
    except (SlackStartupError, DiscordStartupError) as exc:
        raise StartupError(f"drillbot will not start: {exc}") from None
    hide_slack_secrets(slack_config)
    hide_discord_token(discord_config.token)
    library = load_content(settings)
    store = await open_configured_store(settings)
    slack = SlackRuntime(slack_config, store, secrets=TokenCipher.from_settings(settings))
    # One registry for both: Slack's server serves /metrics (and /healthz) for the process.
    discord = DiscordRuntime(discord_config, store, library, metrics=slack.metrics)
    chat = RoutingChat({"slack": slack.chat, "discord": discord.chat}, recorded_platforms(store))
    clock = SystemClock()
    engine = make_engine(store, library, chat, clock, settings, slack.metrics)
    await engine.start()
    scheduler = Scheduler(
        engine,
        store,
        clock,
        sweep_seconds=settings.sweep_seconds,
        shutdown_grace=settings.shutdown_grace_seconds,
        housekeeping=engine.housekeep,
        housekeeping_seconds=settings.housekeeping_seconds,
    )
    engine.deps.on_schedule_change = scheduler.sync
    slack.extra_health.append(discord.problems)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stopping.set)
    try:
        try:
            await slack.start(engine)
            await discord.start(engine)
        except (SlackStartupError, DiscordStartupError) as exc:
            raise StartupError(f"drillbot will not start: {exc}") from None
        except OSError as exc:
            raise StartupError(
                f"drillbot will not start: cannot listen on port {slack_config.port} "
                f"({exc.strerror})"
            ) from None
        await scheduler.start()
        memory.settle_heap()
        log.info("drillbot is running on Slack (%s mode) and Discord", slack_config.mode)
        if ready is not None:
            await ready(Running(slack, discord, engine, scheduler, stopping))
        stop = asyncio.ensure_future(stopping.wait())
        gone = asyncio.ensure_future(discord.closed())
        await asyncio.wait({stop, gone}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        gone.cancel()
        if not stopping.is_set():
            try:
                discord.check_gateway()
            except DiscordStartupError as exc:
                raise StartupError(f"drillbot stopped: {exc}") from None
        log.info("stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await scheduler.stop()
        await discord.stop()
        await slack.stop()
        await store.close()
    return 0
