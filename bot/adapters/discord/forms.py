"""Answer forms (Discord modals): built from ``render.ModalSpec``, read back from a submission.

A submission is read from the interaction's data by the input's ``custom_id``, not through a
``discord.ui.Modal`` kept in memory: a form opened before a restart is still answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import discord

from bot.adapters.discord import limits
from bot.adapters.discord.render import ModalSpec


def modal_of(spec: ModalSpec) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=spec.title, custom_id=spec.custom_id, timeout=None)
    if spec.question.strip():
        modal.add_item(discord.ui.TextDisplay(spec.question))
    # Inside a Label the label is the Label's: Discord refuses a text input that has its own.
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
        style=discord.TextStyle.paragraph,
        custom_id=spec.field_id,
        placeholder=spec.placeholder or None,
        min_length=spec.min_length,
        max_length=spec.max_length,
        required=spec.required,
    )
    modal.add_item(
        discord.ui.Label(text=spec.label, description=spec.description or None, component=answer)
    )
    return modal


def with_question(spec: ModalSpec, message: discord.Message | None, last_only: bool) -> ModalSpec:
    """The form with the text of the message it was opened from above its input: the drill's
    question, or the stage prompt (``last_only``: its last embed, the question itself)."""
    if spec.question or message is None:
        return spec
    parts = [_embed_text(embed) for embed in message.embeds] or [message.content]
    shown = [part for part in (parts[-1:] if last_only else parts) if part.strip()]
    question = "\n\n".join(shown).strip()
    if len(question) > limits.TEXT_DISPLAY:
        question = question[: limits.TEXT_DISPLAY - 2].rsplit(" ", 1)[0] + " …"
    return replace(spec, question=question)


def _embed_text(embed: discord.Embed) -> str:
    lines = [f"**{embed.title}**"] if embed.title else []
    if embed.description:
        lines.append(embed.description)
    return "\n".join(lines)


def submitted(data: Any, field_id: str) -> str | None:
    """The value of the text input ``field_id`` in a modal submission's data, wherever it sits
    (inside a ``Label``, or an action row of older forms); None when it is not there."""
    for component in _components(data.get("components") if isinstance(data, dict) else None):
        if component.get("custom_id") == field_id and "value" in component:
            return str(component.get("value") or "")
    return None


def _components(found: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(found, list):
        return
    for component in found:
        if not isinstance(component, dict):
            continue
        yield component
        yield from _components(component.get("components"))
        inner = component.get("component")
        if isinstance(inner, dict):
            yield inner
            yield from _components(inner.get("components"))
