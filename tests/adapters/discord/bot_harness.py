"""drillbot's real Discord runtime against the fake Discord, moved by a manual clock.

``DiscordHarness`` owns ``fake`` (REST and gateway on 127.0.0.1), ``runtime`` (the same code
``drillbot run --platform discord`` runs: discord.py's AutoShardedClient, ``/drill``, the chat
port), ``engine`` (the core on a SQLite file migrated by Alembic) and a server to drill in:
a channel, an admin with Manage Server, and two members.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.discord import custom_ids
from bot.adapters.discord.config import DiscordConfig
from bot.adapters.discord.main import DiscordRuntime
from bot.content.loader import Library
from bot.db.sql_store import SqlStore, open_store
from bot.messaging.message import Action
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.store import Store
from bot.testing.library import tiny_library
from tests.adapters.discord.fake_discord import (
    MANAGE_GUILD,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeUser,
    SentInteraction,
)

JSON = dict[str, Any]
ZONE = "Europe/Berlin"
EPHEMERAL = 1 << 6


@dataclass
class DiscordHarness:
    fake: FakeDiscord
    store: Store
    library: Library = field(default_factory=tiny_library)
    start: str = "2026-11-30T08:00"
    """A Monday."""
    real_incidents: bool = False
    message_content: bool = True
    runtime: DiscordRuntime = field(init=False)
    engine: Engine = field(init=False)
    clock: ManualClock = field(init=False)
    time: VirtualTime = field(init=False)
    guild: FakeGuild = field(init=False)
    channel: FakeChannel = field(init=False)
    admin: FakeUser = field(init=False)
    alice: FakeUser = field(init=False)
    bob: FakeUser = field(init=False)

    def __post_init__(self) -> None:
        if not self.fake.guilds:
            self.guild = self.fake.add_guild("Study group", channels=("drills", "general"))
            self.admin = self.fake.add_member(self.guild, "lead", permissions=MANAGE_GUILD)
            self.alice = self.fake.add_member(self.guild, "alice")
            self.bob = self.fake.add_member(self.guild, "bob")
        else:  # a restart: the same world
            self.guild = next(iter(self.fake.guilds.values()))
            users = {u.username: u for u in self.fake.users.values()}
            self.admin, self.alice, self.bob = users["lead"], users["alice"], users["bob"]
        self.channel = self.guild.channel("drills")

    def config(self) -> DiscordConfig:
        return DiscordConfig(
            token=self.fake.token,
            api_url=self.fake.api_url,
            gateway_url=self.fake.gateway_url,
            message_content=self.message_content,
            port=0,
            host="127.0.0.1",
        )

    async def __aenter__(self) -> DiscordHarness:
        self.runtime = DiscordRuntime(
            self.config(), self.store, self.library, guild_ready_timeout=0.05
        )
        start = dt.datetime.fromisoformat(self.start).replace(tzinfo=ZoneInfo(ZONE))
        self.clock = ManualClock(start)
        deps = Deps(
            store=self.store,
            library=self.library,
            chat=self.runtime.chat,
            clock=self.clock,
            settings=EngineSettings(count_update_delay=0.0, retry_delay=0.01),
        )
        incidents = None
        if self.real_incidents:
            from bot.db.incident_store import SqlIncidentStore
            from bot.services.incidents import Incidents

            assert isinstance(self.store, SqlStore)
            incidents = Incidents(deps, SqlIncidentStore.over(self.store))
        self.engine = Engine(deps, incidents=incidents)
        self.time = VirtualTime(self.clock, self.engine)
        try:
            await self.runtime.start(self.engine)
        except BaseException:
            await self.runtime.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runtime.stop()

    @property
    def workspace(self) -> str:
        return str(self.guild.id)

    # --- time ----------------------------------------------------------------------------
    async def at(self, local: str) -> None:
        """Move the clock to a local time in the channel's zone, firing what comes due."""
        target = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(ZONE))
        await self.time.advance_to(target)
        await self.engine.answers.flush()

    # --- what people do ------------------------------------------------------------------
    async def drill(
        self,
        user: FakeUser,
        subcommand: str,
        *,
        group: str | None = None,
        channel: FakeChannel | None = None,
        dm: bool = False,
        **options: Any,
    ) -> SentInteraction:
        """``/drill [group] subcommand option:value ...`` in the drill channel (or a DM)."""
        sent = await self.fake.slash_command(
            user,
            guild=None if dm else self.guild,
            channel=None if dm else (channel or self.channel),
            subcommand=subcommand,
            group=group,
            options=options,
        )
        await self.fake.wait_for_callback(sent)
        return sent

    async def replies(self, sent: SentInteraction, count: int = 1, timeout: float = 5.0) -> str:
        """Wait until the interaction has ``count`` visible messages; their text and embeds."""

        def enough() -> list[JSON] | None:
            found = [self.fake.message(m) for m in sent.message_ids]
            shown = [m for m in found if not (int(m.get("flags") or 0) & (1 << 7))]
            return shown if len(shown) >= count else None

        return "\n".join(shown_text(m) for m in await self.fake.wait_until(enough, timeout))

    async def click(
        self, message: JSON, user: FakeUser, action: Action, value: str | None = None
    ) -> SentInteraction:
        custom_id = button_id(message, action, value)
        sent = await self.fake.button_click(message["id"], custom_id, user)
        await self.fake.wait_for_callback(sent)
        return sent

    def posts(self, channel: FakeChannel | None = None, match: str = "") -> list[JSON]:
        return [
            m
            for m in self.fake.messages(channel or self.channel)
            if m["author"]["id"] == str(self.fake.bot.id) and match in shown_text(m)
        ]


def shown_text(message: JSON) -> str:
    """What a person reads in a message: its content and its embeds, as JSON text."""
    return (message.get("content") or "") + json.dumps(
        message.get("embeds") or [], ensure_ascii=False
    )


def buttons(message: JSON) -> list[JSON]:
    return [c for row in message.get("components") or [] for c in row.get("components") or []]


def button_id(message: JSON, action: Action, value: str | None = None) -> str:
    for button in buttons(message):
        decoded = custom_ids.decode(button["custom_id"])
        if decoded and decoded[0] is action and (value is None or decoded[1] == value):
            return str(button["custom_id"])
    raise AssertionError(f"no {action} button ({value}) on {buttons(message)}")


def flags(call_or_message: Any) -> int:
    data = call_or_message
    if hasattr(call_or_message, "json"):
        data = call_or_message.json.get("data") or call_or_message.json
    return int((data or {}).get("flags") or 0)


async def sql_store(path: Path) -> SqlStore:
    """A SQLite store at the newest migration (Alembic, never create_all)."""
    return await open_store(f"sqlite:///{path}")


def find(predicate: Callable[[JSON], bool], messages: list[JSON]) -> JSON:
    found = [m for m in messages if predicate(m)]
    assert found, f"nothing matches among {len(messages)} messages"
    return found[-1]
