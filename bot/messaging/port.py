"""The chat port: what the core asks of a chat platform. Adapters implement it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from bot.messaging.message import Message


@dataclass(frozen=True)
class Capabilities:
    buttons: bool
    modals: bool
    threads: bool
    """Replies can go in a thread under a message; otherwise they are posted as replies."""
    ephemeral: bool
    edits: bool
    """Posted messages can be updated (live answer counts)."""
    names_are_ids: bool = True
    """A name typed in a command (``@maria``) identifies a person: the console's user ids are
    the names people type. False where only a mention the platform turned into an id
    (``<@U123>``) does (Slack, Discord): a typed name there is just text."""


class ChatError(Exception):
    """A platform call failed after the adapter's own retries; the core retries later."""


class ChatPort(Protocol):
    capabilities: Capabilities

    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        """Post in a channel; return a reference to the message (for threads and edits)."""
        ...

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        """Reply under a posted message (in its thread where the platform has threads)."""
        ...

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None: ...

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        """Show a message in the channel to one person only."""
        ...

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        """Send a direct message; return its reference."""
        ...

    async def find_posted(
        self,
        workspace_id: str,
        channel: str,
        key: str,
        since: dt.datetime,
        thread: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        """The reference of a message the bot posted with ``Message.key == key`` at or after
        ``since`` (in ``thread`` when given), or None when there is none. A platform that keeps
        no such key, or a conversation that died with the process (the console), answers None.
        ``message`` is the message as it would be posted: a platform that does not keep the key
        with a message (Discord keeps its nonce only for minutes) recognises it by its content.
        Raises ChatError when the platform cannot be asked; the caller then tries later."""
        ...

    async def find_direct(
        self,
        workspace_id: str,
        user: str,
        key: str,
        since: dt.datetime,
        message: Message | None = None,
    ) -> str | None:
        """Like ``find_posted``, in the direct conversation with ``user``."""
        ...


class NothingToFind:
    """``find_posted``/``find_direct`` for a chat that keeps nothing between processes (the
    console, command-line tools): there is never an earlier post to adopt."""

    async def find_posted(
        self,
        workspace_id: str,
        channel: str,
        key: str,
        since: dt.datetime,
        thread: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        return None

    async def find_direct(
        self,
        workspace_id: str,
        user: str,
        key: str,
        since: dt.datetime,
        message: Message | None = None,
    ) -> str | None:
        return None
