"""A chat port that records what the core sent, for tests of services."""

from __future__ import annotations

import datetime as dt
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
    lost_answers: int = 0
    """How many of the next posts land but fail on the way back (a timeout after the platform
    accepted the message): the message is there, the caller gets ChatError."""
    lookup_failures: int = 0
    """How many of the next ``find_posted``/``find_direct`` calls fail with ChatError."""

    def _maybe_fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ChatError("simulated platform failure")

    def _maybe_lose(self) -> None:
        if self.lost_answers > 0:
            self.lost_answers -= 1
            raise ChatError("simulated timeout after the platform accepted the post")

    def _ref(self) -> str:
        return f"msg-{len(self.sent) + 1}"

    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        self._maybe_fail()
        ref = self._ref()
        self.sent.append(Sent("post", workspace_id, channel, message, ref=ref))
        self._maybe_lose()
        return ref

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        self._maybe_fail()
        ref = self._ref()
        self.sent.append(Sent("reply", workspace_id, channel, message, ref=ref, thread=thread))
        self._maybe_lose()
        return ref

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        self._maybe_fail()
        self.sent.append(Sent("update", workspace_id, channel, message, ref=ref))

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        self._maybe_fail()
        self.sent.append(Sent("private", workspace_id, channel, message, user=user))

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        self._maybe_fail()
        ref = self._ref()
        self.sent.append(Sent("direct", workspace_id, "", message, ref=ref, user=user))
        self._maybe_lose()
        return ref

    async def find_posted(
        self,
        workspace_id: str,
        channel: str,
        key: str,
        since: dt.datetime,
        thread: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        del since  # every message sent is recent enough in a test
        if self.lookup_failures > 0:
            self.lookup_failures -= 1
            raise ChatError("simulated failure to read the conversation")
        for sent in self.sent:
            if (
                sent.method in ("post", "reply")
                and sent.message.key == key
                and sent.workspace_id == workspace_id
                and sent.channel == channel
                and (thread is None or sent.thread == thread)
            ):
                return sent.ref
        return None

    async def find_direct(
        self,
        workspace_id: str,
        user: str,
        key: str,
        since: dt.datetime,
        message: Message | None = None,
    ) -> str | None:
        del since
        if self.lookup_failures > 0:
            self.lookup_failures -= 1
            raise ChatError("simulated failure to read the conversation")
        for sent in self.sent:
            if sent.method == "direct" and sent.message.key == key and sent.user == user:
                return sent.ref
        return None

    def posted(self, key: str) -> list[Sent]:
        """Every message that went out under a delivery key (there should be one)."""
        return [s for s in self.sent if s.message.key == key]

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.message.kind == kind]
