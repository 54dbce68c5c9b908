"""Running drillbot on Discord: the gateway client, ``/drill``, and ``/healthz``.

``DiscordRuntime`` has an explicit lifecycle so tests run the real thing against a fake
Discord: build it, build the engine with ``runtime.chat``, then ``await runtime.start(engine)``
(log in over REST, sync the commands if they changed, serve ``/healthz``, connect to the
gateway and wait until it is ready), and ``await runtime.stop()``.

A token Discord refuses, or a privileged intent the application does not have, stops the start
with one line that says what to change in the Developer Portal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
import discord
from aiohttp import web
from discord import app_commands

from bot import memory
from bot.adapters.discord.app import DiscordApp
from bot.adapters.discord.chat import DiscordCallError, DiscordChat
from bot.adapters.discord.client import DrillbotClient, point_at
from bot.adapters.discord.commands import build_tree
from bot.adapters.discord.config import DiscordConfig, DiscordStartupError
from bot.adapters.discord.secrets import install_redaction
from bot.adapters.discord.state import state_for
from bot.adapters.discord.sync import sync_if_changed
from bot.adapters.web import METRICS_PATH, metrics_response
from bot.config import Settings
from bot.content.loader import Library
from bot.observability.prometheus import PrometheusMetrics
from bot.scheduling.clock import SystemClock
from bot.scheduling.runner import Scheduler
from bot.services.engine import Engine
from bot.services.store import Store

log = logging.getLogger("drillbot.discord")

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 2.0
READY_TIMEOUT = 60.0
"""Seconds the start waits for the gateway; after that it goes on and discord.py keeps trying."""
PORTAL = "https://discord.com/developers/applications"

REFUSED_TOKEN = (
    "Discord refused DISCORD_TOKEN: in the Developer Portal ({portal}) open your application > "
    "Bot > Reset Token, and set DISCORD_TOKEN to the new token."
)
MISSING_INTENT = (
    "Discord refused the Message Content intent: in the Developer Portal ({portal}) open your "
    "application > Bot > Privileged Gateway Intents and turn on Message Content Intent, or set "
    "DISCORD_MESSAGE_CONTENT=false (answers then come through the Answer button only)."
)


class DiscordRuntime:
    """The Discord side of a running drillbot."""

    def __init__(
        self,
        config: DiscordConfig,
        store: Store,
        library: Library,
        *,
        guild_ready_timeout: float = 2.0,
        metrics: PrometheusMetrics | None = None,
    ) -> None:
        point_at(config)
        self.config = config
        self.metrics = metrics or PrometheusMetrics()
        self.store = store
        self.library = library
        self.client = DrillbotClient(config, guild_ready_timeout=guild_ready_timeout)
        self.state = state_for(store)
        self.chat = DiscordChat(self.client, self.state)
        self.engine: Engine | None = None
        self.app: DiscordApp | None = None
        self.tree: app_commands.CommandTree[Any] | None = None
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._gateway: asyncio.Task[None] | None = None

    # --- lifecycle -----------------------------------------------------------------------
    async def start(self, engine: Engine) -> None:
        self.engine = engine
        self.app = DiscordApp(engine, self.chat, self.state)
        self.app.crowd.on_ack = partial(self.metrics.ack_latency, "discord")
        self.client.handlers = self.app
        self.app.take_clicks(self.client)
        self.tree = build_tree(self.client, self.app, self.library)
        await self._login()
        await self._sync()
        if self.config.serve_health:
            await self._serve()
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True))
        await self._wait_ready()

    async def _login(self) -> None:
        try:
            await self.client.login(self.config.token)
        except discord.LoginFailure:
            raise DiscordStartupError(REFUSED_TOKEN.format(portal=PORTAL)) from None
        except discord.HTTPException as exc:
            raise DiscordStartupError(
                f"cannot log in to Discord at {self.config.api_url} (HTTP {exc.status}); "
                "check the network and DISCORD_API_URL."
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise DiscordStartupError(
                f"cannot reach Discord at {self.config.api_url} ({type(exc).__name__}); "
                "check the network and DISCORD_API_URL."
            ) from None
        if self.client.application_id is None:
            raise DiscordStartupError(
                "Discord did not say which application DISCORD_TOKEN belongs to; set "
                "DISCORD_APPLICATION_ID (Developer Portal > General Information)."
            )

    async def _sync(self) -> None:
        assert self.tree is not None
        try:
            await sync_if_changed(self.tree, self.state, self.client.application_id)
        except DiscordCallError as exc:
            # Posting drills does not need the commands: start, and try again next start.
            log.error("could not sync /drill with Discord (%s); it keeps the last definition", exc)

    async def _wait_ready(self) -> None:
        assert self._gateway is not None
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {ready, self._gateway}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if self._gateway in done:
            self.check_gateway()
            raise DiscordStartupError("the Discord gateway closed the connection at start.")
        if ready not in done:
            log.warning(
                "not connected to the Discord gateway after %.0fs; still trying", READY_TIMEOUT
            )
            return
        log.info(
            "connected to the Discord gateway as %s (%d server(s), shards %s)",
            self.client.user,
            len(self.client.guilds),
            sorted(self.client.shards),
        )

    def check_gateway(self) -> None:
        """Raise ``DiscordStartupError`` when the gateway connection ended for good."""
        task = self._gateway
        if task is None or not task.done() or task.cancelled():
            return
        error = task.exception()
        if isinstance(error, discord.PrivilegedIntentsRequired):
            raise DiscordStartupError(MISSING_INTENT.format(portal=PORTAL)) from None
        if isinstance(error, discord.LoginFailure):
            raise DiscordStartupError(REFUSED_TOKEN.format(portal=PORTAL)) from None
        if error is not None:
            raise DiscordStartupError(
                f"the Discord gateway connection failed ({type(error).__name__}: {error})."
            ) from None

    async def closed(self) -> None:
        """Returns when the gateway connection has ended for good."""
        if self._gateway is not None:
            await asyncio.wait({self._gateway})

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get(HEALTH_PATH, self.health)
        app.router.add_get(METRICS_PATH, self.metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as exc:
            raise DiscordStartupError(
                f"cannot listen on port {self.config.port} ({exc.strerror})"
            ) from None
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.config.port
        log.info("Discord health check listening on %s:%s", self.config.host, self.port)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.app is not None and not await self.app.in_flight.wait(timeout):
            log.warning(
                "gave up waiting for %d Discord actions at shutdown", self.app.in_flight.count
            )
        if self.engine is not None:
            # Before the client closes: the last answer-count edit needs its HTTP session.
            try:
                await asyncio.wait_for(self.engine.answers.flush(), timeout)
            except TimeoutError:
                log.warning("gave up waiting for the answer counts' last edits at shutdown")
        if not self.client.is_closed():
            await self.client.close()
        if self._gateway is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._gateway, 10)

    # --- /healthz ------------------------------------------------------------------------
    async def problems(self) -> list[str]:
        problems = self.client.gateway_problems()
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                # Read-only: a writer holding SQLite's lock must not make the check wait.
                async with self.store.transaction(read_only=True):
                    pass
        except Exception as exc:  # any failure means "not healthy", whatever it is
            problems.append(f"database unavailable ({type(exc).__name__})")
        return problems

    async def metrics_page(self, request: web.Request) -> web.Response:
        return metrics_response(self.metrics)

    async def health(self, request: web.Request) -> web.Response:
        problems = await self.problems()
        body = {"ok": not problems, "platform": "discord", "problems": problems}
        return web.json_response(body, status=503 if problems else 200)


# --- the entry point --------------------------------------------------------------------------
@dataclass
class Running:
    """What ``run_discord`` started, for a caller that wants to watch it (tests)."""

    runtime: DiscordRuntime
    engine: Engine
    scheduler: Scheduler
    stop: asyncio.Event


async def run_discord(
    settings: Settings, ready: Callable[[Running], Awaitable[None]] | None = None
) -> int:
    """``drillbot run --platform discord``: serve Discord and post due drills until SIGINT or
    SIGTERM (or until ``ready``'s ``stop`` is set)."""
    from bot.bootstrap import StartupError, load_content, make_engine, open_configured_store

    try:
        config = DiscordConfig.from_settings(settings)
    except DiscordStartupError as exc:
        raise StartupError(f"drillbot will not start: {exc}") from None
    install_redaction(config.token)
    library = load_content(settings)
    store = await open_configured_store(settings)
    runtime = DiscordRuntime(config, store, library)
    clock = SystemClock()
    engine = make_engine(store, library, runtime.chat, clock, settings, runtime.metrics)
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
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(sig, stopping.set)
    try:
        try:
            await runtime.start(engine)
        except DiscordStartupError as exc:
            raise StartupError(f"drillbot will not start: {exc}") from None
        await scheduler.start()
        memory.settle_heap()
        log.info("drillbot is running on Discord")
        if ready is not None:
            await ready(Running(runtime, engine, scheduler, stopping))
        await _until(stopping, runtime)
        log.info("stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await scheduler.stop()
        await runtime.stop()
        await store.close()
    return 0


async def _until(stopping: asyncio.Event, runtime: DiscordRuntime) -> None:
    """Wait for a stop signal, or for the gateway to end for good (which is reported)."""
    from bot.bootstrap import StartupError

    stop = asyncio.ensure_future(stopping.wait())
    gone = asyncio.ensure_future(runtime.closed())
    try:
        await asyncio.wait({stop, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        gone.cancel()
    if not stopping.is_set():
        try:
            runtime.check_gateway()
        except DiscordStartupError as exc:
            raise StartupError(f"drillbot stopped: {exc}") from None
        log.warning("the Discord gateway connection ended")
