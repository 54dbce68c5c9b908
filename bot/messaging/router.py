"""One chat port over several platforms: each workspace's messages go through its own.

When one process serves Slack and Discord, the core still has one ``ChatPort``: this one. It
asks ``platform_of`` which platform a workspace is on (the store records it with the
workspace) and remembers the answer, since a workspace never changes platform. A workspace the
store cannot place (recorded before platforms were, or not at all) is placed by ``guess``, from
the shape of its id.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import fields

from bot.messaging.message import Message
from bot.messaging.port import Capabilities, ChatError, ChatPort

log = logging.getLogger("drillbot.chat")

PlatformOf = Callable[[str], Awaitable[str | None]]


def guess_platform(workspace_id: str) -> str | None:
    """Discord servers have numeric ids (snowflakes); Slack workspaces and organisations have
    ids of capitals and digits starting with T or E."""
    if workspace_id.isdigit():
        return "discord"
    if workspace_id[:1] in ("T", "E") and workspace_id.isalnum():
        return "slack"
    return None


class RoutingChat:
    """Implements ``ChatPort`` by handing each call to the port of the workspace's platform."""

    def __init__(
        self,
        ports: Mapping[str, ChatPort],
        platform_of: PlatformOf,
        guess: Callable[[str], str | None] = guess_platform,
    ) -> None:
        if not ports:
            raise ValueError("a router needs at least one chat port")
        self.ports = dict(ports)
        self.platform_of = platform_of
        self.guess = guess
        self._known: dict[str, str] = {}
        # The core asks one set of capabilities of the whole chat: promise only what all have.
        every = [port.capabilities for port in self.ports.values()]
        self.capabilities = Capabilities(
            **{f.name: all(getattr(c, f.name) for c in every) for f in fields(Capabilities)}
        )

    async def port(self, workspace_id: str) -> ChatPort:
        platform = self._known.get(workspace_id)
        if platform is not None:
            return self.ports[platform]
        try:
            recorded = await self.platform_of(workspace_id)
        except Exception as exc:  # the store is down: the id's shape still tells, this once
            log.warning("cannot read the platform of %s (%s); going by its id", workspace_id, exc)
            recorded, lasting = None, False
        else:
            lasting = True
        platform = recorded if recorded in self.ports else self.guess(workspace_id)
        if platform is None or platform not in self.ports:
            raise ChatError(f"no chat platform serves workspace {workspace_id}")
        if lasting:
            self._known[workspace_id] = platform
        return self.ports[platform]

    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        return await (await self.port(workspace_id)).post(workspace_id, channel, message)

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        port = await self.port(workspace_id)
        return await port.reply(workspace_id, channel, thread, message)

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        await (await self.port(workspace_id)).update(workspace_id, channel, ref, message)

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        port = await self.port(workspace_id)
        await port.post_private(workspace_id, channel, user, message)

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        return await (await self.port(workspace_id)).send_direct(workspace_id, user, message)

    async def find_posted(
        self,
        workspace_id: str,
        channel: str,
        key: str,
        since: dt.datetime,
        thread: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        port = await self.port(workspace_id)
        return await port.find_posted(workspace_id, channel, key, since, thread, message)

    async def find_direct(
        self,
        workspace_id: str,
        user: str,
        key: str,
        since: dt.datetime,
        message: Message | None = None,
    ) -> str | None:
        port = await self.port(workspace_id)
        return await port.find_direct(workspace_id, user, key, since, message)
