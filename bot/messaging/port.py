"""The chat port: what the core asks of a chat platform. Adapters implement it."""

from __future__ import annotations

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

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> None: ...
