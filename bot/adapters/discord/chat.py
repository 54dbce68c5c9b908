"""``DiscordChat``: the core's chat port over Discord's REST API, through discord.py's HTTP client.

Sends go through ``discord.http.HTTPClient`` itself (``send_message``, ``edit_message``, ...),
so discord.py's rate limiting applies: a 429 is waited out on its own route's bucket, and one
busy channel does not hold up the posts of another. A call that still fails (server errors
after discord.py's retries, a wait longer than ``max_ratelimit_timeout``, a missing
permission) raises ``ChatError``, whose message names what failed and Discord's error code but
never the token, and the core tries again on a later tick.

- **Replies** (reveals, incident stages run ``here``) go in a thread started from the posted
  message: a thread made from a message has the message's id, so the core's message ref is the
  thread's channel id too. Where a thread cannot be made (a DM, a message inside a thread, no
  Create Public Threads permission) the reply is a message that quotes the original. The
  opening of a mock incident run ``here`` gets its thread as soon as it is posted, since its
  owner answers there (``OPENS_A_THREAD``).
- **post_private**: Discord has ephemeral messages only as answers to an interaction. The
  runtime answers interactions itself (``respond.Responder``); anything private the core sends
  outside one goes to the person by direct message.
- **Exactly once**: every keyed post carries a nonce derived from ``Message.key`` (one per part
  of a split message) with ``enforce_nonce``, so Discord itself returns the message already
  made when the same part is sent again within its deduplication window (a few minutes, longer
  than a delivery lease). ``find_posted`` looks for those nonces in the channel's history since
  the claim; Discord does not promise to return nonces in history, and where it does not, the
  deduplication above is what keeps a retry from posting twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Mapping
from typing import Any, Literal, TypeVar

import aiohttp
import discord
from discord.http import handle_message_parameters
from discord.utils import MISSING

from bot.adapters.discord.payloads import (
    NO_MENTIONS,
    embeds_of,
    files_of,
    nonce,
    nonce_prefix,
    parse_nonce,
    view_of,
    without_files,
)
from bot.adapters.discord.render import DiscordPayload, render
from bot.adapters.discord.state import DiscordState
from bot.messaging.message import Message, unmarked
from bot.messaging.port import Capabilities, ChatError

log = logging.getLogger("drillbot.discord")
T = TypeVar("T")

THREAD_EXISTS = 160004
"""A thread has already been created for this message."""
NO_THREADS_HERE = frozenset({50001, 50003, 50013, 50024, 160002})
"""Missing access, a DM, missing permissions, the wrong channel type, a thread of a thread."""
UNKNOWN_CHANNEL = 10003
OPENS_A_THREAD = frozenset({"incident"})
"""Kinds of channel post that people answer in their thread (a mock incident run `here`): on
Discord a thread exists only once someone starts it, so the bot starts it with the post."""
THREAD_NAME = 100
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440
LOOKUP_SKEW = dt.timedelta(minutes=2)
"""Looked back this much before a claim: our clock and Discord's may disagree a little."""
LOOKUP_PAGE = 100
LOOKUP_PAGES = 10
KNOWN = 10_000
"""Threads and DM channels remembered; beyond that the oldest are asked for again."""


class DiscordCallError(ChatError):
    """A REST call that failed after discord.py's retries. ``code`` is Discord's JSON error
    code (0 when there was none), ``status`` the HTTP status (0 without a response)."""

    def __init__(self, what: str, status: int = 0, code: int = 0, reason: str = "") -> None:
        detail = f"HTTP {status}" if status else reason or "no response"
        if code:
            detail += f", error {code}"
        if reason and status:
            detail += f": {reason[:120]}"
        super().__init__(f"Discord {what} failed ({detail})")
        self.status = status
        self.code = code


async def call(what: str, work: Awaitable[T]) -> T:
    """Await a discord.py call, turning its failures into ``DiscordCallError``."""
    try:
        return await work
    except discord.HTTPException as exc:
        raise DiscordCallError(what, exc.status, exc.code, str(exc.text or "")) from None
    except discord.RateLimited as exc:
        raise DiscordCallError(what, 429, 0, f"rate-limited for {exc.retry_after:.0f}s") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise DiscordCallError(what, reason=type(exc).__name__) from None


class _Recent(OrderedDict[int, int]):
    def remember(self, key: int, value: int) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > KNOWN:
            self.popitem(last=False)


class DiscordChat:
    """Implements ``bot.messaging.port.ChatPort`` (and what the interaction handlers need)."""

    capabilities = Capabilities(
        buttons=True, modals=True, threads=True, ephemeral=True, edits=True, names_are_ids=False
    )

    def __init__(self, client: discord.Client, state: DiscordState) -> None:
        self.client = client
        self.state = state
        self._threads = _Recent()
        self._dms = _Recent()

    @property
    def http(self) -> discord.http.HTTPClient:
        return self.client.http

    # --- ChatPort ------------------------------------------------------------------------
    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        ref = await self._send(_id(channel), message)
        if message.kind in OPENS_A_THREAD:
            try:
                await self._thread(_id(channel), _id(ref), message)
            except ChatError as exc:  # its Answer button still takes answers
                log.warning("could not open the thread of %s in %s: %s", ref, channel, exc)
        return ref

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        in_thread = await self._thread(_id(channel), _id(thread), message)
        if in_thread is not None:
            return await self._send(in_thread, message)
        return await self._send(_id(channel), message, reference=(_id(channel), _id(thread)))

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        payload = render(message)[0]
        view = view_of(payload.rows)
        with handle_message_parameters(
            content=payload.content or None,
            embeds=embeds_of(payload),
            view=view,
            allowed_mentions=NO_MENTIONS,
        ) as params:
            # An edit has no text-to-speech; discord.py adds the field to every message body.
            if params.payload is not None:
                params.payload.pop("tts", None)
            await call("edit", self.http.edit_message(_id(channel), _id(ref), params=params))

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        await self.send_direct(workspace_id, user, message)

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        channel = await self.dm_channel(user)
        self.state.sent_dm(user, workspace_id)
        return await self._send(channel, message)

    async def find_posted(
        self,
        workspace_id: str,
        channel: str,
        key: str,
        since: dt.datetime,
        thread: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        if thread is not None:
            # A reply lives in the thread named after the message, or quotes it in the channel.
            try:
                found = await self._find(_id(thread), key, since, message)
            except DiscordCallError as exc:
                if exc.code != UNKNOWN_CHANNEL and exc.status != 404:
                    raise
                found = None
            if found is not None:
                return found
        return await self._find(_id(channel), key, since, message)

    async def find_direct(
        self,
        workspace_id: str,
        user: str,
        key: str,
        since: dt.datetime,
        message: Message | None = None,
    ) -> str | None:
        return await self._find(await self.dm_channel(user), key, since, message)

    # --- beyond the port -----------------------------------------------------------------
    async def post_in(self, channel: int, message: Message) -> str:
        """Post in a conversation as it is (a DM the bot answers in): no thread, no key."""
        return await self._send(channel, message)

    async def dm_channel(self, user: str) -> int:
        user_id = _id(user)
        known = self._dms.get(user_id)
        if known is not None:
            return known
        data = await call("open a DM", self.http.start_private_message(user_id))
        channel = int(data["id"])
        self._dms.remember(user_id, channel)
        return channel

    # --- sending -------------------------------------------------------------------------
    async def _send(
        self, channel: int, message: Message, reference: tuple[int, int] | None = None
    ) -> str:
        payloads = render(message)
        first: str | None = None
        for part, payload in enumerate(payloads):
            stamp = nonce(message.key, part, len(payloads)) if message.key else None
            quoted = reference if part == 0 else None
            try:
                data = await self._send_one(channel, payload, stamp, quoted)
            except DiscordCallError as exc:
                if not payload.files:
                    raise
                # The text carries every number the picture shows: it goes out without it.
                log.warning(
                    "could not attach %d file(s) in %s (%s); sent the text alone",
                    len(payload.files),
                    channel,
                    exc,
                )
                data = await self._send_one(channel, without_files(payload), stamp, quoted)
            first = first or str(data["id"])
        assert first is not None, "render() returns at least one payload"
        return first

    async def _send_one(
        self,
        channel: int,
        payload: DiscordPayload,
        stamp: str | None,
        reference: tuple[int, int] | None,
    ) -> Any:
        view = view_of(payload.rows)
        with handle_message_parameters(
            content=payload.content or MISSING,
            embeds=embeds_of(payload) if payload.embeds else MISSING,
            view=view if view is not None else MISSING,
            files=files_of(payload.files) if payload.files else MISSING,
            nonce=stamp,
            allowed_mentions=NO_MENTIONS,
            message_reference=(
                {
                    "channel_id": reference[0],
                    "message_id": reference[1],
                    "fail_if_not_exists": False,
                }
                if reference is not None
                else MISSING
            ),
        ) as params:
            return await call("post", self.http.send_message(channel, params=params))

    async def _thread(self, channel: int, message_id: int, message: Message) -> int | None:
        """The thread under ``message_id`` (its id is the message's), started if need be; None
        where the channel allows no thread."""
        if message_id in self._threads:
            return message_id
        try:
            await call(
                "start a thread",
                self.http.start_thread_with_message(
                    channel,
                    message_id,
                    name=thread_name(message),
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                ),
            )
        except DiscordCallError as exc:
            if exc.code in NO_THREADS_HERE:
                log.info(
                    "no thread under %s in %s (%s); replying instead", message_id, channel, exc
                )
                return None
            if exc.code != THREAD_EXISTS:
                raise
        self._threads.remember(message_id, message_id)
        return message_id

    # --- looking for an earlier post -----------------------------------------------------
    async def _find(
        self, channel: int, key: str, since: dt.datetime, message: Message | None = None
    ) -> str | None:
        """The id of the first part of the bot's message for ``key`` since ``since``, when
        every part of it is there; None otherwise (the caller posts it again, and Discord's
        nonce check returns the parts that did land instead of making them twice).

        A part is recognised by its nonce while Discord still returns it, and otherwise by its
        content: Discord keeps a nonce only for minutes, while a post may be looked for up to
        the grace period later. The content of a keyed message names what it is (the drill's
        number, the week of a board), so an equal one from the bot is the same post."""
        prefix = nonce_prefix(key)
        shapes = [fingerprint(p) for p in render(message)] if message is not None else []
        after = discord.utils.time_snowflake(since - LOOKUP_SKEW)
        me = self.client.user.id if self.client.user else None
        parts: dict[int, str] = {}
        expected: int | None = len(shapes) or None
        for _ in range(LOOKUP_PAGES):
            page = await call(
                "read history", self.http.logs_from(channel, LOOKUP_PAGE, after=after)
            )
            for found in sorted(page, key=lambda m: int(m["id"])):
                author = (found.get("author") or {}).get("id")
                if me is not None and str(author) != str(me):
                    continue
                stamp = parse_nonce(found.get("nonce"), prefix)
                if stamp is not None:
                    part, expected = stamp
                elif fingerprint_of(found) in shapes:
                    part = shapes.index(fingerprint_of(found))
                else:
                    continue
                parts.setdefault(part, str(found["id"]))
            if len(page) < LOOKUP_PAGE:
                break
            after = max(int(found["id"]) for found in page)
        else:
            log.warning("gave up looking for %s after %d pages of %s", key, LOOKUP_PAGES, channel)
        if expected is None or 0 not in parts:
            return None
        if len(parts) < expected:
            log.warning("only %d of %d parts of %s are in %s", len(parts), expected, key, channel)
            return None
        return parts[0]


Fingerprint = tuple[str, tuple[tuple[str, str], ...]]


def fingerprint(payload: DiscordPayload) -> Fingerprint:
    """What identifies a posted part: its text and its embeds' titles and descriptions."""
    return (
        payload.content.strip(),
        tuple(
            (str(e.get("title") or ""), str(e.get("description") or "").strip())
            for e in payload.embeds
        ),
    )


def fingerprint_of(found: Mapping[str, Any]) -> Fingerprint:
    """The same, of a message as Discord returns it."""
    return (
        str(found.get("content") or "").strip(),
        tuple(
            (str(e.get("title") or ""), str(e.get("description") or "").strip())
            for e in found.get("embeds") or ()
        ),
    )


def thread_name(message: Message) -> str:
    """The first reply's summary, cut at a word to fit Discord's 100 characters."""
    text = " ".join(unmarked(message.text).split()) or "drillbot"
    if len(text) <= THREAD_NAME:
        return text
    cut = text[: THREAD_NAME - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ChatError(f"{value!r} is not a Discord id") from None
