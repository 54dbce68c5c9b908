"""The platform-neutral message model. Adapters render it (Block Kit, embeds, plain text).

Text in ``Section``/``Context`` is bot-authored, with light markup: ``*bold*``, ``_italic_``,
`` `code` `` and lines starting with ``• ``. Text a person wrote travels only in ``Quote`` so
every renderer can escape it (no mentions, no links). A person's name inside bot-authored text
is wrapped with ``literal()``, so every renderer shows it exactly as written, markup and all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

LITERAL_OPEN = "\u2068"
LITERAL_CLOSE = "\u2069"
_LITERAL = re.compile(f"{LITERAL_OPEN}([^{LITERAL_OPEN}{LITERAL_CLOSE}]*){LITERAL_CLOSE}")


def literal(text: str) -> str:
    """``text`` marked to be shown as written inside bot-authored text: a display name.

    The marks are Unicode's isolates (FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE), which
    renderers find with ``literal_parts``: Slack escapes what is inside, the console prints it
    as is. They are also what Unicode recommends around a name of unknown writing direction, so
    text that reaches a person unrendered still reads right.
    """
    inside = text.replace(LITERAL_OPEN, "").replace(LITERAL_CLOSE, "")
    return f"{LITERAL_OPEN}{inside}{LITERAL_CLOSE}"


def literal_parts(text: str) -> list[tuple[str, bool]]:
    """``text`` in order as (piece, is literal) pairs, without the marks."""
    parts: list[tuple[str, bool]] = []
    start = 0
    for found in _LITERAL.finditer(text):
        if found.start() > start:
            parts.append((text[start : found.start()], False))
        parts.append((found[1], True))
        start = found.end()
    if start < len(text) or not parts:
        parts.append((text[start:], False))
    return parts


def unmarked(text: str) -> str:
    """``text`` without literal marks, for output where nothing is markup (plain text)."""
    return "".join(piece for piece, _ in literal_parts(text))


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
    """Open a form to answer a stage of your mock incident (value: "<scenario id>:<stage>")."""
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
    key: str | None = None
    """The delivery key of a message that must be posted exactly once (``drill:42``). Adapters
    stamp it on the post (Slack message metadata, Discord nonce) so that ``find_posted`` can
    tell, after a crash, whether an earlier attempt landed."""


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
