"""The platform-neutral message model. Adapters render it (Block Kit, embeds, plain text).

Text in ``Section``/``Context`` is bot-authored, with light markup: ``*bold*``, ``_italic_``,
`` `code` `` and lines starting with ``• ``. Text a person wrote travels only in ``Quote`` so
every renderer can escape it (no mentions, no links).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Visibility(StrEnum):
    CHANNEL = "channel"
    """Everyone in the channel sees it."""
    PRIVATE = "private"
    """Only the person who acted sees it (Slack ephemeral, Discord ephemeral, console label)."""
    DIRECT = "direct"
    """A direct message to the person."""


@dataclass(frozen=True)
class Section:
    text: str


@dataclass(frozen=True)
class Quote:
    """Text a person wrote, shown back; always escaped by the renderer."""

    text: str
    author: str = ""


@dataclass(frozen=True)
class Fields:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Context:
    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Table:
    """A small fixed-width table (leaderboards); renderers show it monospaced."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Action(StrEnum):
    ANSWER_OPEN = "answer_open"
    """Open the answer form for a drill (value: drill id)."""
    PICK = "pick"
    """Choose an MCQ option (value: "<drill id>:<key>" or "practice:<item id>:<key>")."""
    ANSWER_INCIDENT = "answer_incident"
    """Open a form to answer the current stage of your mock incident (value: scenario id)."""
    PAUSE = "pause"
    RESUME = "resume"
    """Admin buttons on a channel schedule (value: channel id)."""


@dataclass(frozen=True)
class Button:
    action: Action
    label: str
    value: str
    primary: bool = False


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


Block = Section | Quote | Fields | Context | Divider | Table | Actions


@dataclass(frozen=True)
class Message:
    text: str
    """A plain-text summary: notifications, fallbacks, and the console's first line."""
    blocks: tuple[Block, ...] = ()
    kind: str = "info"
    """What it is (drill, feedback, reveal, leaderboard, help, error, info), for renderers."""


@dataclass(frozen=True)
class Reply:
    message: Message
    visibility: Visibility = Visibility.PRIVATE


@dataclass
class Replies:
    items: list[Reply] = field(default_factory=list)

    def private(self, message: Message) -> Replies:
        self.items.append(Reply(message, Visibility.PRIVATE))
        return self

    def channel(self, message: Message) -> Replies:
        self.items.append(Reply(message, Visibility.CHANNEL))
        return self

    def direct(self, message: Message) -> Replies:
        self.items.append(Reply(message, Visibility.DIRECT))
        return self
