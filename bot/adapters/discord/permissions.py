"""The one list of permissions the bot uses in a server; the invite link asks for exactly these.

Slash commands, buttons and modals need no channel permission at all (they answer through the
interaction), so everything here is for what the bot posts by itself: scheduled drills,
reveals, boards and incident threads.
"""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES: tuple[str, ...] = ("bot", "applications.commands")

PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "see the channels it is set up in"),
    ("send_messages", "post the daily drills and the weekly leaderboard"),
    ("embed_links", "show drills, reveals and boards as embeds"),
    ("attach_files", "attach the team chart to the weekly post"),
    ("create_public_threads", "start the reveal thread under each drill"),
    ("send_messages_in_threads", "post reveals and `incident here` stages in those threads"),
    ("read_message_history", "after a restart, find a post that landed, so none is doubled"),
)
"""(discord.Permissions flag, why drillbot needs it)."""


def bot_permissions() -> discord.Permissions:
    return discord.Permissions(**{name: True for name, _ in PERMISSIONS})


def invite_url(application_id: int | str) -> str:
    return discord.utils.oauth_url(
        str(application_id), permissions=bot_permissions(), scopes=SCOPES
    )


def application_id_from_token(token: str) -> int | None:
    """A bot token starts with its bot user's id in base64; a bot's user id is its application's
    id. None when the token does not look like one."""
    head = token.strip().split(".", 1)[0]
    try:
        text = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() else None
