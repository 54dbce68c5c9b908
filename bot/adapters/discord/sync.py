"""Syncing ``/drill`` with Discord: at start only when its definition changed.

Discord rate-limits command syncs (and a global sync takes a while to reach every server), so
the runtime keeps a hash of the definition it last synced in ``discord_state`` and syncs only
when the code defines something else. ``drillbot discord sync --guild ID`` syncs a copy to one
server at once, for a test server, and leaves the stored hash alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.chat import call
from bot.adapters.discord.commands import definition
from bot.adapters.discord.state import DiscordState

log = logging.getLogger("drillbot.discord")


def tree_hash(tree: app_commands.CommandTree[Any]) -> str:
    text = json.dumps(definition(tree), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _key(application_id: int | None) -> str:
    return f"commands:{application_id or 'app'}"


async def sync_if_changed(
    tree: app_commands.CommandTree[Any], state: DiscordState, application_id: int | None
) -> bool:
    """Sync the global commands unless the same definition was synced before; True if synced."""
    digest = tree_hash(tree)
    key = _key(application_id)
    if await state.get(key) == digest:
        log.info("application commands unchanged since the last sync; not synced")
        return False
    synced = await call("sync application commands", tree.sync())
    await state.put(key, digest)
    log.info("synced %d application command(s) with Discord", len(synced))
    return True


async def sync_now(tree: app_commands.CommandTree[Any], guild_id: int | None) -> int:
    """Sync at once (to one server when ``guild_id`` is given); the number of commands."""
    if guild_id is None:
        return len(await call("sync application commands", tree.sync()))
    guild = discord.Object(id=guild_id)
    tree.copy_global_to(guild=guild)
    return len(await call("sync application commands", tree.sync(guild=guild)))
