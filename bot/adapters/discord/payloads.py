"""Rendered payloads (``render.DiscordPayload``) as discord.py arguments: embeds and views.

Views are built from the buttons' ``custom_id`` alone and never kept in discord.py's view
store: a click is recognised by its id (``DiscordApp.on_interaction``), so a drill posted
before a restart takes clicks like a new one, and memory does not grow with every post.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import discord

from bot.adapters.discord.render import ButtonSpec, DiscordPayload
from bot.messaging.message import Image

NO_MENTIONS = discord.AllowedMentions.none()
"""On every send: text people wrote can never ping anyone, whatever the renderer missed."""


def embeds_of(payload: DiscordPayload) -> list[discord.Embed]:
    return [discord.Embed.from_dict(embed) for embed in payload.embeds]


def view_of(rows: tuple[tuple[ButtonSpec, ...], ...]) -> discord.ui.View | None:
    """A detached view of the buttons (None without any): stopped before it is sent, so
    discord.py does not store it for dispatch (``DiscordApp.on_interaction`` takes the
    clicks)."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for spec in row:
            style = discord.ButtonStyle.primary if spec.primary else discord.ButtonStyle.secondary
            view.add_item(
                discord.ui.Button(
                    style=style, label=spec.label, custom_id=spec.custom_id, row=number
                )
            )
    view.stop()
    return view


ALT_TEXT = 1024
"""The longest description Discord keeps for an attachment (its alt text)."""


def files_of(pictures: tuple[Image, ...]) -> list[discord.File]:
    """Attachments for the pictures: new ``discord.File`` objects on every send, as each can
    be read only once."""
    return [
        discord.File(io.BytesIO(p.png), filename=p.filename, description=p.alt[:ALT_TEXT])
        for p in pictures
    ]


def without_files(payload: DiscordPayload) -> DiscordPayload:
    """The payload with its text and buttons only: what goes out when an upload fails."""
    return DiscordPayload(payload.content, payload.embeds, payload.rows)


def message_kwargs(payload: DiscordPayload) -> dict[str, Any]:
    """Keyword arguments for ``InteractionResponse.send_message`` and ``Webhook.send``."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if payload.content:
        kwargs["content"] = payload.content
    if payload.embeds:
        kwargs["embeds"] = embeds_of(payload)
    view = view_of(payload.rows)
    if view is not None:
        kwargs["view"] = view
    if payload.files:
        kwargs["files"] = files_of(payload.files)
    return kwargs


def nonce_prefix(key: str) -> str:
    """The first 20 characters of the nonce of every part of a keyed message."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def nonce(key: str, part: int, parts: int) -> str:
    """``<prefix><part><parts>`` in hex: 24 characters, within Discord's 25. Each part of a
    split message has its own (Discord deduplicates by nonce), and the last two digits let a
    lookup tell whether every part landed."""
    return f"{nonce_prefix(key)}{part:02x}{parts:02x}"


def parse_nonce(value: object, prefix: str) -> tuple[int, int] | None:
    """(part, parts) when ``value`` is a nonce of the key with ``prefix``; else None."""
    if not isinstance(value, str) or len(value) != 24 or not value.startswith(prefix):
        return None
    try:
        return int(value[20:22], 16), int(value[22:24], 16)
    except ValueError:
        return None
