"""The discord.py client drillbot runs, pointed at the configured REST and gateway addresses.

``DISCORD_API_URL`` replaces ``discord.http.Route.BASE`` and ``DISCORD_GATEWAY_URL``
``DiscordWebSocket.DEFAULT_GATEWAY``. Both are class attributes, so they hold for the whole
process (one Discord per process). An ``AutoShardedClient`` without a fixed shard count asks
``GET /gateway/bot`` for the count and the address instead of using the default one: when a
gateway address is configured it still wins over the one Discord names.

The client keeps as little as it can: no message cache and no member cache (drillbot reads
neither), and discord.py's own view store stays empty (``payloads.view_of``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.adapters.discord.config import DiscordConfig

log = logging.getLogger("drillbot.discord")

MAX_RATELIMIT_WAIT = 30.0
"""A REST call told to wait longer than this fails (``ChatError``): the core retries it on a
later tick instead of holding a post for minutes."""


def point_at(config: DiscordConfig) -> None:
    discord.http.Route.BASE = config.api_url
    if config.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def intents(config: DiscordConfig) -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True  # servers joined and left, channel names
    wanted.guild_messages = True  # answers typed in an `incident here` thread
    wanted.dm_messages = True  # answers typed in a direct message
    # Privileged: without it Discord sends thread messages without their text (DMs keep
    # theirs); the Answer button on every stage prompt works either way.
    wanted.message_content = config.message_content
    return wanted


class Handlers(Protocol):
    async def on_message(self, message: discord.Message) -> None: ...

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None: ...

    async def on_guild_join(self, guild: discord.Guild) -> None: ...

    async def on_guild_remove(self, guild: discord.Guild) -> None: ...


class DrillbotClient(discord.AutoShardedClient):
    """An ``AutoShardedClient`` whose events go to ``handlers`` (the runtime's app)."""

    def __init__(self, config: DiscordConfig, guild_ready_timeout: float = 2.0) -> None:
        options: dict[str, Any] = {}
        if config.shard_ids is not None:
            options["shard_ids"] = list(config.shard_ids)
        if config.application_id is not None:
            options["application_id"] = config.application_id
        super().__init__(
            intents=intents(config),
            shard_count=config.shard_count,
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            guild_ready_timeout=guild_ready_timeout,
            **options,
        )
        self.handlers: Handlers | None = None
        self.on_setup: Callable[[], Awaitable[None]] | None = None
        if config.gateway_url:
            self._honour_gateway(config.gateway_url)

    def _honour_gateway(self, url: str) -> None:
        asked = self.http.get_bot_gateway

        async def get_bot_gateway() -> Any:
            count, _, limits = await asked()
            return count, url, limits

        self.http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        if self.on_setup is not None:
            await self.on_setup()

    async def on_message(self, message: discord.Message) -> None:
        if self.handlers is not None:
            await self.handlers.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if self.handlers is not None:
            await self.handlers.on_interaction(interaction)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        if self.handlers is not None:
            await self.handlers.on_guild_join(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        if self.handlers is not None:
            await self.handlers.on_guild_remove(guild)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("handling the Discord event %s failed", event_method)

    def gateway_problems(self) -> list[str]:
        """What /healthz reports about the gateway: nothing when every shard is connected."""
        if self.is_closed():
            return ["not connected to the Discord gateway (closed)"]
        if not self.is_ready():
            return ["not connected to the Discord gateway yet"]
        down = sorted(shard_id for shard_id, shard in self.shards.items() if shard.is_closed())
        return [f"Discord gateway shard {shard_id} disconnected" for shard_id in down]
