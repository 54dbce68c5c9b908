"""An engine wired to in-memory fakes, with a movable clock: the unit tests' test bed."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from bot.content.loader import Library
from bot.messaging.message import Message, Replies
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.store import Store
from bot.testing.fake_chat import FakeChat
from bot.testing.library import tiny_library
from bot.testing.memory_store import MemoryStore

WORKSPACE = "T1"
CHANNEL = "C1"


class Harness:
    def __init__(
        self,
        start: str = "2026-11-30T08:00",
        zone: str = "Europe/Berlin",
        library: Library | None = None,
        store: Store | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        self.zone = zone
        self.clock = ManualClock(dt.datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(zone)))
        self.chat = FakeChat()
        self.store: Store = store or MemoryStore()
        self.deps = Deps(
            store=self.store,
            library=library or tiny_library(),
            chat=self.chat,
            clock=self.clock,
            settings=settings or EngineSettings(count_update_delay=0),
        )
        self.engine = Engine(self.deps)
        self.time = VirtualTime(self.clock, self.engine)
        self._deliveries = itertools.count(1)

    def actor(self, user: str, admin: bool = False) -> Actor:
        return Actor(WORKSPACE, user, user.capitalize(), is_admin=admin)

    def delivery(self) -> str:
        return f"d{next(self._deliveries)}"

    async def command(
        self,
        user: str,
        text: str,
        admin: bool = False,
        direct: bool = False,
        delivery: str | None = None,
    ) -> Replies:
        where = Where(None if direct else CHANNEL, "" if direct else "team")
        return await self.engine.command(
            self.actor(user, admin), where, text, delivery or self.delivery()
        )

    async def say(self, user: str, text: str, admin: bool = False, direct: bool = False) -> str:
        """The text of the first reply to a command."""
        replies = await self.command(user, text, admin=admin, direct=direct)
        return text_of(replies.items[0].message)

    async def setup(self, args: str = "09:30 Europe/Berlin mon-fri") -> str:
        return await self.say("lead", f"/drill setup {args}", admin=True)

    async def at(self, local: str) -> None:
        await self.time.advance_to(
            dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(self.zone))
        )

    def posted(self, kind: str = "drill") -> list[Message]:
        return [s.message for s in self.chat.sent if s.method == "post" and s.message.kind == kind]


def text_of(message: Message) -> str:
    """Everything a person would read in a message, as one string."""
    from bot.adapters.console.render import render

    return "\n".join(render(message))
