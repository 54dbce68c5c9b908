"""Discord interactions and messages in, the core's terms out: who acted, where, and the
delivery key.

The delivery key is how the core counts a submission once (``Tx.claim_submission``): the same
for every copy of one action, different for two real actions. Discord gives every interaction
and every message a snowflake id of its own, which a gateway resume that replays the event
keeps: ``discord:<kind>:<id>``.

A server is a workspace, a channel (or a thread) is a channel. In a direct message there is
no server: ``state.dm_workspace`` says which one the person is drilling in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.services.answers import Actor
from bot.services.commands import Where

PLATFORM = "discord"


@dataclass(frozen=True)
class Who:
    workspace_id: str
    user_id: str
    name: str
    is_admin: bool

    def actor(self) -> Actor:
        return Actor(
            self.workspace_id, self.user_id, self.name or self.user_id, self.is_admin, PLATFORM
        )


def display_name(user: discord.abc.User) -> str:
    return user.display_name or user.name or str(user.id)


def is_server_admin(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server (or Administrator), from the member's permissions in the interaction.
    Outside a server nobody is an admin of anything."""
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    return permissions.administrator or permissions.manage_guild


def who(interaction: discord.Interaction[Any], workspace_id: str) -> Who:
    return Who(
        workspace_id,
        str(interaction.user.id),
        display_name(interaction.user),
        is_server_admin(interaction),
    )


def where(interaction: discord.Interaction[Any]) -> Where:
    if interaction.guild_id is None or interaction.channel_id is None:
        return Where(None, "")
    channel = interaction.channel
    name = getattr(channel, "name", None) or ""
    return Where(str(interaction.channel_id), str(name))


def delivery(interaction: discord.Interaction[Any]) -> str:
    kind = {
        discord.InteractionType.application_command: "cmd",
        discord.InteractionType.component: "click",
        discord.InteractionType.modal_submit: "form",
    }.get(interaction.type, "ix")
    return f"{PLATFORM}:{kind}:{interaction.id}"


def message_delivery(message: discord.Message) -> str:
    return f"{PLATFORM}:msg:{message.id}"
