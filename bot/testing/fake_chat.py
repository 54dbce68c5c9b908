"""A chat port that records what the core sent, for tests of services."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messaging.message import Message
from bot.messaging.port import Capabilities, ChatError


@dataclass
class Sent:
    method: str
    workspace_id: str
    channel: str
    message: Message
    ref: str = ""
    thread: str = ""
    user: str = ""


@dataclass
class FakeChat:
    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(
            buttons=True, modals=True, threads=True, ephemeral=True, edits=True
        )
    )
    sent: list[Sent] = field(default_factory=list)
    failures: int = 0
    """How many of the next calls fail with ChatError (simulates a platform outage)."""

    def _maybe_fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ChatError("simulated platform failure")

    def _ref(self) -> str:
        return f"msg-{len(self.sent) + 1}"

    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        self._maybe_fail()
        ref = self._ref()
        self.sent.append(Sent("post", workspace_id, channel, message, ref=ref))
        return ref

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        self._maybe_fail()
        ref = self._ref()
        self.sent.append(Sent("reply", workspace_id, channel, message, ref=ref, thread=thread))
        return ref

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        self._maybe_fail()
        self.sent.append(Sent("update", workspace_id, channel, message, ref=ref))

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        self._maybe_fail()
        self.sent.append(Sent("private", workspace_id, channel, message, user=user))

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> None:
        self._maybe_fail()
        self.sent.append(Sent("direct", workspace_id, "", message, user=user))

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.message.kind == kind]
