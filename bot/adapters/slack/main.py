"""Running drillbot on Slack: Socket Mode, or HTTP for one workspace or many (OAuth).

Which mode, from the settings (``SlackConfig.from_settings``):

- ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` (+ ``SLACK_SIGNING_SECRET``): HTTP with the OAuth
  install flow; each workspace's token lives in our database (``installations``);
- ``SLACK_APP_TOKEN`` + ``SLACK_BOT_TOKEN``: Socket Mode, one workspace, no public URL needed;
- ``SLACK_SIGNING_SECRET`` + ``SLACK_BOT_TOKEN``: HTTP, one workspace.

Over HTTP one aiohttp application serves ``POST /slack/events`` (events, commands and
interactivity), ``GET /slack/install`` and ``GET /slack/oauth_redirect`` (OAuth mode) and
``GET /healthz``; in Socket Mode it serves only ``/healthz``. ``SlackRuntime`` has an explicit
lifecycle (``start``/``stop``) so tests run the real thing on port 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot import memory
from bot.adapters.slack.app import WORKERS, Background, SlackListeners
from bot.adapters.slack.chat import (
    InstalledTokens,
    People,
    RetryPolicy,
    SlackCallError,
    SlackChat,
    SlackClients,
    StaticToken,
    TokenSource,
    normalise_api_url,
)
from bot.adapters.slack.installations import (
    InstallationAuthorize,
    SqlInstallationStore,
    SqlOAuthStateStore,
)
from bot.adapters.web import METRICS_PATH, metrics_response
from bot.config import Settings
from bot.db.secrets import SecretKeyError, TokenCipher
from bot.observability import context as log_context
from bot.observability.logs import RedactSecrets
from bot.observability.prometheus import PrometheusMetrics
from bot.scheduling.clock import SystemClock
from bot.scheduling.runner import Scheduler
from bot.services.engine import Engine
from bot.services.store import Store

log = logging.getLogger("drillbot.slack")

Mode = Literal["socket", "http", "oauth"]

BOT_SCOPES: tuple[str, ...] = (
    "channels:history",  # message.channels: answers in incident threads (`incident here`)
    "chat:write",  # drills, reveals, leaderboards, ephemeral feedback, count updates
    "commands",  # /drill
    "files:write",  # files.uploadV2: the team chart with /drill team and the weekly post
    "groups:history",  # message.groups: the same in private channels
    "im:history",  # message.im: answers in incident sessions
    "im:write",  # conversations.open: incident prompts and debriefs by DM
    "users:read",  # users.info: display names, workspace admins and owners
)
"""The bot scopes the OAuth flow asks for; ``slack/manifest.yml`` lists the same."""

_NEEDS_AN_ANSWER = ("view_submission", "block_suggestion", "dialog_submission", "dialog_suggestion")
"""Interaction types whose acknowledgement may carry a body: always dispatched before it."""

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 2.0
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


class SlackStartupError(Exception):
    """Slack cannot start; the message says what to set."""


@dataclass(frozen=True)
class SlackConfig:
    mode: Mode
    api_url: str
    port: int
    host: str = "0.0.0.0"
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str = ""
    client_id: str | None = None
    client_secret: str | None = None

    def __repr__(self) -> str:  # never show a secret, whatever prints this
        return f"SlackConfig(mode={self.mode!r}, api_url={self.api_url!r}, port={self.port})"

    @classmethod
    def from_settings(cls, settings: Settings, host: str = "0.0.0.0") -> SlackConfig:
        bot = _secret(settings.slack_bot_token)
        app = _secret(settings.slack_app_token)
        signing = _secret(settings.slack_signing_secret) or ""
        client_id = (settings.slack_client_id or "").strip() or None
        client_secret = _secret(settings.slack_client_secret)
        mode = _mode(bot, app, signing, client_id, client_secret)
        return cls(
            mode=mode,
            api_url=normalise_api_url(settings.slack_api_url),
            port=settings.port,
            host=host,
            bot_token=None if mode == "oauth" else bot,
            app_token=app if mode == "socket" else None,
            signing_secret=signing,
            client_id=client_id if mode == "oauth" else None,
            client_secret=client_secret if mode == "oauth" else None,
        )

    def authorization_url(self) -> str:
        """The OAuth authorize page on the same Slack as the Web API (slack.com, GovSlack)."""
        parts = urlsplit(self.api_url)
        return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


def _secret(value: SecretStr | None) -> str | None:
    return (value.get_secret_value().strip() or None) if value is not None else None


def _mode(
    bot: str | None,
    app: str | None,
    signing: str,
    client_id: str | None,
    client_secret: str | None,
) -> Mode:
    if client_id or client_secret:
        if not (client_id and client_secret):
            raise SlackStartupError(
                "Slack OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(Basic Information > App Credentials)."
            )
        if not signing:
            raise SlackStartupError(
                "Slack over HTTP needs SLACK_SIGNING_SECRET "
                "(Basic Information > App Credentials > Signing Secret)."
            )
        return "oauth"
    if app:
        if not app.startswith("xapp-"):
            raise SlackStartupError(
                "SLACK_APP_TOKEN must be an app-level token (xapp-...) with the "
                "connections:write scope."
            )
        if not bot:
            raise SlackStartupError(
                "Socket Mode needs SLACK_BOT_TOKEN (xoxb-...) besides SLACK_APP_TOKEN."
            )
        return "socket"
    if signing:
        if not bot:
            raise SlackStartupError(
                "Slack over HTTP needs SLACK_BOT_TOKEN for one workspace, or "
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install into many."
            )
        return "http"
    raise SlackStartupError(
        "Slack needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Socket Mode), or "
        "SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN (HTTP, one workspace) or with "
        "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (HTTP, OAuth install)."
    )


# --- secrets out of logs (bot.observability.logs.RedactSecrets) -----------------------------
def install_redaction(config: SlackConfig) -> RedactSecrets:
    secrets = (
        config.bot_token or "",
        config.app_token or "",
        config.signing_secret,
        config.client_secret or "",
    )
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    return redact


# --- the runtime -----------------------------------------------------------------------------
class SlackRuntime:
    """The Slack side of a running drillbot: clients, the Bolt app, and its transport.

    Build it, build the engine with ``runtime.chat``, then ``await runtime.start(engine)``.
    """

    def __init__(
        self,
        config: SlackConfig,
        store: Store,
        *,
        policy: RetryPolicy | None = None,
        workers: int = WORKERS,
        metrics: PrometheusMetrics | None = None,
        secrets: TokenCipher | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.metrics = metrics or PrometheusMetrics()
        self.clients = SlackClients(config.api_url, policy)
        self.installations: SqlInstallationStore | None = None
        tokens: TokenSource
        if config.mode == "oauth":
            engine = getattr(store, "engine", None)
            if engine is None:
                raise SlackStartupError("Slack OAuth keeps installations in the SQL database.")
            assert config.client_id is not None
            self.installations = SqlInstallationStore(
                engine, config.client_id, cipher=secrets or TokenCipher.from_keys(None)
            )
            tokens = InstalledTokens(self.installations)
        else:
            assert config.bot_token is not None
            tokens = StaticToken(config.bot_token)
        self.chat = SlackChat(self.clients, tokens)
        self.people = People(self.chat)
        self.background = Background(workers)
        self.bolt: AsyncApp | None = None
        self.engine: Engine | None = None
        self.port: int | None = None
        self._verifier = SignatureVerifier(config.signing_secret)
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.extra_health: list[Callable[[], Awaitable[list[str]]]] = []
        """More checks for ``/healthz`` (another platform served by the same process)."""

    # --- lifecycle -----------------------------------------------------------------------
    async def start(self, engine: Engine) -> None:
        self.engine = engine
        if self.installations is not None:
            await self._encrypt_stored_tokens(self.installations)
        self.bolt = await self._build_bolt()
        self.bolt.middleware(_bind_log_context)
        SlackListeners(engine, self.chat, self.people, self.background).register(self.bolt)
        await self._serve()
        if self.config.mode == "socket":
            self._socket = AsyncSocketModeHandler(
                self.bolt, self.config.app_token, web_client=self.clients.web(None)
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack in Socket Mode")

    async def _encrypt_stored_tokens(self, installations: SqlInstallationStore) -> None:
        """Tokens stored in the clear, or under a key since rotated out of first place, are
        rewritten under the first key at every start (a handful of rows)."""
        try:
            changed = await installations.rewrite_tokens()
        except SecretKeyError as exc:
            raise SlackStartupError(str(exc)) from None
        if changed:
            log.info("encrypted the tokens of %d stored installation(s)", changed)

    async def _build_bolt(self) -> AsyncApp:
        common = {
            "name": "drillbot",
            "logger": logging.getLogger("drillbot.slack.bolt"),
            "signing_secret": self.config.signing_secret,
            "client": self.clients.web(None),
            "process_before_response": True,
            "request_verification_enabled": True,
            "user_facing_authorize_error_message": (
                "drillbot is not installed in this workspace (or was removed). "
                "Ask a workspace admin to install it again."
            ),
        }
        if self.config.mode == "oauth":
            assert self.installations is not None
            settings = AsyncOAuthSettings(
                client_id=self.config.client_id,
                client_secret=self.config.client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=self.installations,
                installation_store_bot_only=True,
                state_store=SqlOAuthStateStore(self.installations.engine),
                authorization_url=self.config.authorization_url(),
            )
            app = AsyncApp(
                oauth_settings=settings,
                installation_store=self.installations,
                authorize=InstallationAuthorize(self.installations),  # type: ignore[arg-type]
                **common,  # type: ignore[arg-type]
            )
            app.enable_token_revocation_listeners()
            return app
        authorized = await self._auth_test()

        async def authorize(
            team_id: str | None, enterprise_id: str | None
        ) -> AuthorizeResult | None:
            """One workspace: the token's own identity, checked once at start.

            A signed request can come from another workspace (the app is distributed, or was
            installed elsewhere with the same signing secret): our token must not act there.
            Bolt answers a refusal with a 200 that Slack shows the person (slash commands) or
            ignores (events, which are then not retried), and runs no listener.
            """
            if _same_workspace(authorized, team_id, enterprise_id):
                return authorized
            log.warning(
                "refused a request from workspace %s (enterprise %s): SLACK_BOT_TOKEN is for "
                "workspace %s",
                team_id,
                enterprise_id,
                authorized.team_id,
            )
            return None

        app = AsyncApp(authorize=authorize, **common)  # type: ignore[arg-type]

        async def ignore() -> None:
            """Uninstall events in single-workspace mode: nothing is stored to forget."""

        app.event("tokens_revoked")(ignore)
        app.event("app_uninstalled")(ignore)
        return app

    async def _auth_test(self) -> AuthorizeResult:
        try:
            found = await self.chat.auth_test()
        except SlackCallError as exc:
            if exc.refused:
                raise SlackStartupError(
                    f"Slack refused SLACK_BOT_TOKEN ({exc.code}): check the token, and that "
                    "the app is installed in the workspace."
                ) from None
            raise SlackStartupError(
                f"cannot reach Slack at {self.config.api_url} ({exc.code}) to check "
                "SLACK_BOT_TOKEN; check the network and SLACK_API_URL."
            ) from None
        return AuthorizeResult(
            enterprise_id=found.get("enterprise_id") or None,
            team_id=found.get("team_id"),
            bot_user_id=found.get("user_id"),
            bot_id=found.get("bot_id"),
            bot_token=self.config.bot_token,
        )

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get(HEALTH_PATH, self.health)
        app.router.add_get(METRICS_PATH, self.metrics_page)
        if self.config.mode != "socket":
            app.router.add_post(EVENTS_PATH, self.events)
            if self.bolt is not None and self.bolt.oauth_flow is not None:
                flow = self.bolt.oauth_flow
                app.router.add_get(flow.install_path, self.install)
                app.router.add_get(flow.redirect_uri_path, self.oauth_redirect)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # A burst of clicks opens hundreds of connections at once: a short accept queue would
        # drop some, and the client's SYN retry costs a whole second.
        site = web.TCPSite(self._runner, self.config.host, self.config.port, backlog=1024)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.config.port
        log.info("Slack %s mode listening on %s:%s", self.config.mode, self.config.host, self.port)

    async def drain(self, timeout: float | None = 30.0) -> None:
        """Wait for work after acknowledgements and for answer-count refreshes."""
        await self.background.drain(timeout)
        if self.engine is not None:
            await self.engine.answers.flush()

    async def stop(self, timeout: float = 10.0) -> None:
        if self._socket is not None:
            try:
                await self._socket.close_async()  # type: ignore[no-untyped-call]
            except Exception:
                log.warning("closing the Socket Mode connection failed", exc_info=True)
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        try:
            await self.drain(timeout)
        except TimeoutError:
            log.warning(
                "gave up waiting for %d Slack requests at shutdown", self.background.pending
            )
            await self.background.cancel()
        await self.clients.close()

    # --- HTTP handlers -------------------------------------------------------------------
    async def events(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            with log_context.bound(request_id=log_context.new_request_id()):
                return await self._events(request)
        finally:
            took = time.perf_counter() - started
            self.metrics.ack_latency("slack", took)
            log.debug("acknowledged a request in %.1f ms", took * 1000)

    async def _events(self, request: web.Request) -> web.Response:
        assert self.bolt is not None
        self.background.request_arrived()
        if not _usable_timestamp(request.headers.get(TIMESTAMP_HEADER)):
            # slack_sdk's verifier calls int() on this header: an unreadable one would raise
            # (HTTP 500 and a traceback) instead of failing verification like a bad signature.
            log.info("refused a request without a usable %s header", TIMESTAMP_HEADER)
            return web.json_response({"error": "invalid request"}, status=401)
        body = await request.text()
        if self._button_click(body, request):
            # A button click is acknowledged with an empty 200 whatever happens next, so say it
            # now and let Bolt (its own verification included) dispatch it afterwards: a burst
            # of clicks then costs each one a signature check, not a full dispatch, before its
            # acknowledgement.
            urgent = "answer_open" in body  # its modal must open within 3 s of the click
            headers = dict(request.headers)
            self.background.spawn(self._dispatch_later(body, request.query_string, headers), urgent)
            return web.Response(status=200)
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    def _button_click(self, body: str, request: web.Request) -> bool:
        """A signed block_actions payload (the button clicks; no other interaction)."""
        if not body.startswith("payload=") or "block_actions" not in body:
            return False
        if any(word in body for word in _NEEDS_AN_ANSWER):
            return False
        return self._verifier.is_valid(
            body,
            request.headers.get(TIMESTAMP_HEADER, ""),
            request.headers.get("X-Slack-Signature", ""),
        )

    async def _dispatch_later(self, body: str, query: str, headers: dict[str, str]) -> None:
        assert self.bolt is not None
        request = AsyncBoltRequest(body=body, query=query, headers=headers)  # type: ignore[arg-type]
        response = await self.bolt.async_dispatch(request)
        if response.status != 200:
            log.warning("a button click acknowledged early failed: HTTP %s", response.status)

    async def install(self, request: web.Request) -> web.Response:
        assert self.bolt is not None and self.bolt.oauth_flow is not None
        response = await self.bolt.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        assert self.bolt is not None and self.bolt.oauth_flow is not None
        response = await self.bolt.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def metrics_page(self, request: web.Request) -> web.Response:
        return metrics_response(self.metrics)

    async def health(self, request: web.Request) -> web.Response:
        problems: list[str] = []
        if self.bolt is None:
            problems.append("app not started")
        if self.config.mode == "socket" and (
            self._socket is None or not await self._socket.client.is_connected()
        ):
            problems.append("not connected to Slack")
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                # Read-only: a writer holding SQLite's lock must not make the check wait.
                async with self.store.transaction(read_only=True):
                    pass
        except Exception as exc:  # any failure means "not healthy", whatever it is
            problems.append(f"database unavailable ({type(exc).__name__})")
        for check in self.extra_health:
            problems.extend(p for p in await check() if p not in problems)
        body = {"ok": not problems, "mode": self.config.mode, "problems": problems}
        return web.json_response(body, status=503 if problems else 200)


async def _bind_log_context(
    context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
) -> BoltResponse:
    """Every log line of a listener names the workspace and channel it acts for."""
    with log_context.bound(
        workspace=context.team_id or context.enterprise_id, channel=context.channel_id
    ):
        log.debug("dispatching a request of %s", context.user_id)
        return await next()


def _same_workspace(
    authorized: AuthorizeResult, team_id: str | None, enterprise_id: str | None
) -> bool:
    """Whether a request is for the workspace the one token belongs to (an org-wide token,
    which has no team of its own, serves every workspace of its enterprise)."""
    if authorized.team_id:
        return team_id == authorized.team_id
    return bool(authorized.enterprise_id) and enterprise_id == authorized.enterprise_id


def _usable_timestamp(value: str | None) -> bool:
    """Whether a request timestamp header is what Slack sends: whole seconds, digits only."""
    return value is not None and value.isascii() and value.isdigit()


# --- the entry point --------------------------------------------------------------------------
@dataclass
class Running:
    """What ``run_slack`` started, for a caller that wants to watch it (tests)."""

    runtime: SlackRuntime
    engine: Engine
    scheduler: Scheduler
    stop: asyncio.Event


async def run_slack(
    settings: Settings, ready: Callable[[Running], Awaitable[None]] | None = None
) -> int:
    """``drillbot run --platform slack``: serve Slack and post due drills until SIGINT/SIGTERM
    (or until ``ready``'s ``stop`` is set)."""
    from bot.bootstrap import StartupError, load_content, make_engine, open_configured_store

    try:
        config = SlackConfig.from_settings(settings)
    except SlackStartupError as exc:
        raise StartupError(f"drillbot will not start: {exc}") from None
    install_redaction(config)
    library = load_content(settings)
    store = await open_configured_store(settings)
    runtime = SlackRuntime(config, store, secrets=TokenCipher.from_settings(settings))
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
        except SlackStartupError as exc:
            raise StartupError(f"drillbot will not start: {exc}") from None
        except OSError as exc:
            raise StartupError(
                f"drillbot will not start: cannot listen on port {config.port} ({exc.strerror})"
            ) from None
        await scheduler.start()
        memory.settle_heap()
        log.info("drillbot is running on Slack (%s mode)", config.mode)
        if ready is not None:
            await ready(Running(runtime, engine, scheduler, stopping))
        await stopping.wait()
        log.info("stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await scheduler.stop()
        await runtime.stop()
        await store.close()
    return 0
