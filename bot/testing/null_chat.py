"""A chat port that drops everything (command-line tools that never post)."""

from __future__ import annotations

from bot.messaging.message import Message
from bot.messaging.port import Capabilities, NothingToFind


class NullChat(NothingToFind):
    capabilities = Capabilities(
        buttons=False, modals=False, threads=False, ephemeral=False, edits=False
    )

    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        return ""

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        return ""

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        return None

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        return None

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        return ""
