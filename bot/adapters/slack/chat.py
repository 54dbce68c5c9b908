"""``SlackChat``: the core's chat port over the Slack Web API (slack_sdk's AsyncWebClient).

One client per bot token, all sharing one aiohttp session. The workspace's token comes from a
``TokenSource``: the single ``SLACK_BOT_TOKEN``, or the installation store (OAuth mode, one
token per workspace). Every client retries HTTP 429 after ``Retry-After``
(``AsyncRateLimitErrorRetryHandler``), 5xx with exponential backoff
(``AsyncServerErrorRetryHandler``) and dropped connections; a call that still fails raises
``ChatError``, whose message names the method and Slack's error code but never a token, so the
core can log it and retry later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.models.metadata import Metadata
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.render import message_payload
from bot.messaging.message import Image, Message, images
from bot.messaging.port import Capabilities, ChatError

log = logging.getLogger("drillbot.slack")

DEFAULT_API_URL = "https://slack.com/api/"
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
T = TypeVar("T")

METADATA_EVENT = "drillbot_post"
"""The message metadata event type every keyed post carries (its payload: ``{"key": ...}``)."""
LOOKUP_SKEW = dt.timedelta(minutes=2)
"""Looked back this much before a claim: our clock and Slack's may disagree a little."""
LOOKUP_PAGES = 10
"""At most this many pages of 200 messages are read when looking for an earlier post."""
BLIND_ERRORS = frozenset({"missing_scope", "not_allowed_token_type"})
"""Errors that mean the bot may never read the conversation, however long it waits."""
ALT_TEXT = 1000
"""The longest alt text sent with an uploaded image."""
PRIVATE_PICTURE = (
    "The chart that goes with the reply only you can see in the channel (Slack cannot attach "
    "a file to it)."
)
"""Said with a private reply's picture, which goes to the person's DM with the bot."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a Web API call is retried before it becomes a ChatError."""

    rate_limited: int = 3
    """Retries after HTTP 429, each after the server's Retry-After."""
    server_errors: int = 2
    """Retries after HTTP 500/502/503/504."""
    connection_errors: int = 1
    backoff: float = 0.5
    """Seconds before the first 5xx retry; doubles each time."""
    jitter: float = 1.0
    """Up to this many random seconds added to each backoff (slack_sdk's default is 1)."""
    timeout: int = 15
    """Seconds for one HTTP request."""


class _ServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """slack_sdk's handler retries 500 and 503; 502 and 504 come from the same outages."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


class _Jitter(Jitter):
    def __init__(self, amount: float) -> None:
        self.amount = amount

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.amount


def retry_handlers(policy: RetryPolicy) -> list[AsyncRetryHandler]:
    backoff = BackoffRetryIntervalCalculator(policy.backoff, _Jitter(policy.jitter))
    return [
        AsyncConnectionErrorRetryHandler(policy.connection_errors, backoff),
        AsyncRateLimitErrorRetryHandler(policy.rate_limited),
        _ServerErrorRetryHandler(policy.server_errors, backoff),
    ]


class SlackCallError(ChatError):
    """A Web API call that failed after the retries; ``code`` is Slack's error (or the HTTP
    status, or the exception's name). The message never holds a token."""

    def __init__(self, method: str, team_id: str, code: str) -> None:
        where = f" in {team_id}" if team_id else ""
        super().__init__(f"Slack {method} failed{where}: {code}")
        self.method = method
        self.code = code

    @property
    def refused(self) -> bool:
        """Slack refused the token (rather than being unreachable or failing)."""
        return self.code in AUTH_ERRORS


# --- tokens -----------------------------------------------------------------------------------
class TokenSource(Protocol):
    async def bot_token(self, team_id: str) -> str:
        """The bot token for the workspace; ChatError when there is none."""
        ...

    def forget(self, team_id: str) -> None:
        """Drop a cached token that Slack refused."""
        ...


class StaticToken:
    """One workspace, one ``SLACK_BOT_TOKEN``."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, team_id: str) -> str:
        return self._token

    def forget(self, team_id: str) -> None:
        pass

    def __repr__(self) -> str:
        return "StaticToken(<redacted>)"


class InstalledTokens:
    """Tokens from the installation store (OAuth mode), cached for a minute."""

    def __init__(self, store: AsyncInstallationStore, ttl: float = 60.0) -> None:
        self._store = store
        self._ttl = ttl
        self._cache: dict[str, tuple[float, str]] = {}

    async def bot_token(self, team_id: str) -> str:
        cached = self._cache.get(team_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
        except Exception as exc:  # the store's own errors (database down) become ChatError
            raise ChatError(
                f"cannot read the installation of {team_id}: {type(exc).__name__}"
            ) from None
        if bot is None or not bot.bot_token:
            raise ChatError(f"drillbot is not installed in workspace {team_id}")
        self._cache[team_id] = (time.monotonic() + self._ttl, bot.bot_token)
        return bot.bot_token

    def forget(self, team_id: str) -> None:
        self._cache.pop(team_id, None)

    def __repr__(self) -> str:
        return "InstalledTokens(<redacted>)"


# --- clients ----------------------------------------------------------------------------------
class SlackClients:
    """AsyncWebClients (one per token) and response_url clients on one aiohttp session."""

    def __init__(self, api_url: str | None = None, policy: RetryPolicy | None = None) -> None:
        self.api_url = normalise_api_url(api_url)
        self.policy = policy or RetryPolicy()
        self.session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
                connector=aiohttp.TCPConnector(limit=64),
            )
        return self.session

    def web(self, token: str | None) -> AsyncWebClient:
        key = token or ""
        client = self._clients.get(key)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self.api_url,
                timeout=self.policy.timeout,
                session=self._session(),
                retry_handlers=retry_handlers(self.policy),
                logger=logging.getLogger("drillbot.slack.web"),
            )
            self._clients[key] = client
        return client

    def webhook(self, url: str) -> AsyncWebhookClient:
        return AsyncWebhookClient(
            url=url,
            timeout=self.policy.timeout,
            session=self._session(),
            retry_handlers=retry_handlers(self.policy),
            logger=logging.getLogger("drillbot.slack.webhook"),
        )

    async def close(self) -> None:
        self._clients.clear()
        if self.session is not None and not self.session.closed:
            await self.session.close()


def normalise_api_url(api_url: str | None) -> str:
    url = (api_url or DEFAULT_API_URL).strip()
    return url if url.endswith("/") else url + "/"


# --- the port ---------------------------------------------------------------------------------
class SlackChat:
    """Implements ``bot.messaging.port.ChatPort`` (and what the listeners need besides)."""

    capabilities = Capabilities(
        buttons=True, modals=True, threads=True, ephemeral=True, edits=True, names_are_ids=False
    )

    def __init__(self, clients: SlackClients, tokens: TokenSource) -> None:
        self.clients = clients
        self.tokens = tokens

    async def _call(
        self,
        team_id: str,
        method: str,
        call: Callable[[AsyncWebClient], Awaitable[AsyncSlackResponse]],
    ) -> AsyncSlackResponse:
        token = await self.tokens.bot_token(team_id)
        client = self.clients.web(token)
        try:
            return await call(client)
        except SlackApiError as exc:
            failure = SlackCallError(method, team_id, _error_code(exc))
            if failure.refused:
                self.tokens.forget(team_id)
            raise failure from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise SlackCallError(method, team_id, type(exc).__name__) from None

    # --- ChatPort ------------------------------------------------------------------------
    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        payload = _keyed(message)
        response = await self._call(
            workspace_id,
            "chat.postMessage",
            lambda c: c.chat_postMessage(channel=channel, **payload),
        )
        await self.upload_images(workspace_id, channel, images(message))
        return str(response.get("ts") or "")

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        payload = _keyed(message)
        response = await self._call(
            workspace_id,
            "chat.postMessage",
            lambda c: c.chat_postMessage(channel=channel, thread_ts=thread, **payload),
        )
        await self.upload_images(workspace_id, channel, images(message), thread=thread)
        return str(response.get("ts") or "")

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        payload = message_payload(message)
        await self._call(
            workspace_id,
            "chat.update",
            lambda c: c.chat_update(channel=channel, ts=ref, **payload),
        )

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        payload = message_payload(message)
        await self._call(
            workspace_id,
            "chat.postEphemeral",
            lambda c: c.chat_postEphemeral(channel=channel, user=user, **payload),
        )
        await self.send_private_images(workspace_id, user, message)

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        channel = await self.open_direct(workspace_id, user)
        return await self.post(workspace_id, channel, message)

    async def find_posted(
        self,
        workspace_id: str,
        channel: str,
        key: str,
        since: dt.datetime,
        thread: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        """Read the conversation (or the thread) since ``since`` with every message's metadata,
        and return the ts of the bot's message stamped with ``key``."""
        oldest = f"{(since - LOOKUP_SKEW).timestamp():.6f}"
        method = "conversations.replies" if thread else "conversations.history"

        def read(cursor: str | None) -> Callable[[AsyncWebClient], Awaitable[AsyncSlackResponse]]:
            def call(c: AsyncWebClient) -> Awaitable[AsyncSlackResponse]:
                if thread:
                    return c.conversations_replies(
                        channel=channel,
                        ts=thread,
                        oldest=oldest,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                return c.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )

            return call

        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            try:
                response = await self._call(workspace_id, method, read(cursor))
            except SlackCallError as exc:
                if exc.code not in BLIND_ERRORS:
                    raise
                # An install without the history scope can never look: waiting would lose the
                # message for good, so it is posted again at the risk of a second copy.
                log.warning("cannot look for %s in %s (%s); posting it again", key, channel, exc)
                return None
            for found in response.get("messages") or []:
                if isinstance(found, dict) and _key_of(found) == key and found.get("ts"):
                    return str(found["ts"])
            meta = response.get("response_metadata") or {}
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            if not cursor:
                return None
        log.warning("gave up looking for %s after %d pages of %s", key, LOOKUP_PAGES, channel)
        return None

    async def find_direct(
        self,
        workspace_id: str,
        user: str,
        key: str,
        since: dt.datetime,
        message: Message | None = None,
    ) -> str | None:
        channel = await self.open_direct(workspace_id, user)
        return await self.find_posted(workspace_id, channel, key, since)

    # --- images ---------------------------------------------------------------------------
    async def upload_images(
        self,
        workspace_id: str,
        channel: str,
        pictures: tuple[Image, ...],
        thread: str | None = None,
        comment: str | None = None,
    ) -> int:
        """Upload each picture into the conversation (under ``thread`` when given) with
        files.uploadV2, after the message it goes with; return how many landed. A failed upload
        is logged and skipped: the message's text, already sent, carries every number."""
        landed = 0
        for picture in pictures:
            try:
                await self._call(
                    workspace_id,
                    "files.uploadV2",
                    _upload(picture, channel, thread, comment),
                )
                landed += 1
            except ChatError as exc:
                log.warning("could not upload %s to %s: %s", picture.filename, channel, exc)
        return landed

    async def send_private_images(self, workspace_id: str, user: str, message: Message) -> int:
        """The pictures of a private reply: an ephemeral message cannot carry a file, so they
        go to the person's DM with the bot, which only they see. Failures are logged."""
        pictures = images(message)
        if not pictures:
            return 0
        try:
            channel = await self.open_direct(workspace_id, user)
        except ChatError as exc:
            log.warning("could not open a DM with %s for a picture: %s", user, exc)
            return 0
        return await self.upload_images(workspace_id, channel, pictures, comment=PRIVATE_PICTURE)

    # --- beyond the port, for the listeners ----------------------------------------------
    async def open_direct(self, workspace_id: str, user: str) -> str:
        response = await self._call(
            workspace_id, "conversations.open", lambda c: c.conversations_open(users=user)
        )
        channel = response.get("channel") or {}
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not channel_id:
            raise ChatError(f"Slack conversations.open gave no channel in {workspace_id}")
        return str(channel_id)

    async def respond(
        self,
        response_url: str,
        message: Message,
        ephemeral: bool = True,
        *,
        workspace_id: str = "",
        user: str = "",
    ) -> None:
        """Answer through an interaction's response_url (works in any conversation). The
        message's pictures, which a response_url cannot carry, go to ``user``'s DM when a
        workspace and user are given (``send_private_images``), else they are dropped."""
        payload = message_payload(message)
        client = self.clients.webhook(response_url)
        try:
            response = await client.send(
                text=payload["text"],
                blocks=payload["blocks"],
                response_type="ephemeral" if ephemeral else "in_channel",
                replace_original=False,
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise SlackCallError("response_url", "", type(exc).__name__) from None
        if response.status_code != 200:
            raise SlackCallError("response_url", "", f"HTTP {response.status_code}")
        if workspace_id and user:
            await self.send_private_images(workspace_id, user, message)
        elif images(message):
            log.info("dropped %d picture(s) of a response_url answer", len(images(message)))

    async def open_view(self, workspace_id: str, trigger_id: str, view: dict[str, Any]) -> None:
        await self._call(
            workspace_id, "views.open", lambda c: c.views_open(trigger_id=trigger_id, view=view)
        )

    async def publish_home(self, workspace_id: str, user: str, view: dict[str, Any]) -> None:
        await self._call(
            workspace_id, "views.publish", lambda c: c.views_publish(user_id=user, view=view)
        )

    async def user_info(self, workspace_id: str, user: str) -> dict[str, Any]:
        response = await self._call(workspace_id, "users.info", lambda c: c.users_info(user=user))
        found = response.get("user")
        return found if isinstance(found, dict) else {}

    async def auth_test(self, workspace_id: str = "") -> dict[str, Any]:
        response = await self._call(workspace_id, "auth.test", lambda c: c.auth_test())
        return dict(response.data) if isinstance(response.data, dict) else {}


def _upload(
    picture: Image, channel: str, thread: str | None, comment: str | None
) -> Callable[[AsyncWebClient], Awaitable[AsyncSlackResponse]]:
    """The files.uploadV2 call of one picture (getUploadURLExternal, the upload itself,
    completeUploadExternal)."""

    def call(c: AsyncWebClient) -> Awaitable[AsyncSlackResponse]:
        return c.files_upload_v2(
            channel=channel,
            file=picture.png,
            filename=picture.filename,
            title=picture.filename,
            alt_txt=picture.alt[:ALT_TEXT],
            thread_ts=thread,
            initial_comment=comment,
        )

    return call


def _keyed(message: Message) -> dict[str, Any]:
    """The chat.postMessage payload, with the delivery key in the message's metadata."""
    payload: dict[str, Any] = message_payload(message)
    if message.key:
        payload["metadata"] = Metadata(
            event_type=METADATA_EVENT, event_payload={"key": message.key}
        )
    return payload


def _key_of(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return None
    payload = metadata.get("event_payload")
    key = payload.get("key") if isinstance(payload, dict) else None
    return str(key) if key else None


def _error_code(exc: SlackApiError) -> str:
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    status = getattr(response, "status_code", None)
    return f"HTTP {status}" if status else "no response"


# --- people -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Profile:
    name: str
    is_admin: bool


class People:
    """Display names and admin rights from users.info, cached briefly (two minutes).

    Workspace admins and owners are the bot's admins. When users.info fails the person is
    treated as a non-admin under the name the payload gave, and nothing is cached.
    """

    def __init__(self, chat: SlackChat, ttl: float = 120.0) -> None:
        self.chat = chat
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[Profile | None]] = {}

    def cached(self, team_id: str, user_id: str) -> Profile | None:
        """The profile if it is cached and fresh, without asking Slack."""
        cached = self._cache.get((team_id, user_id))
        if cached and cached[0] > time.monotonic():
            return cached[1]
        return None

    async def profile(self, team_id: str, user_id: str, fallback_name: str = "") -> Profile:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(team_id, user_id))
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        found = await asyncio.shield(pending)
        return found or Profile(fallback_name or user_id, is_admin=False)

    async def _fetch(self, team_id: str, user_id: str) -> Profile | None:
        try:
            user = await self.chat.user_info(team_id, user_id)
        except ChatError as exc:
            log.warning("users.info for %s failed (%s); treating them as a non-admin", user_id, exc)
            return None
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        found = Profile(
            name=str(name),
            is_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
        )
        self._cache[(team_id, user_id)] = (time.monotonic() + self.ttl, found)
        return found
