"""The platform-neutral message model. Adapters render it (Block Kit, embeds, plain text).

Text in ``Section``/``Context`` is bot-authored, with light markup: ``*bold*``, ``_italic_``,
`` `code` `` and lines starting with ``• ``. Text a person wrote travels only in ``Quote`` so
every renderer can escape it (no mentions, no links). A person's name inside bot-authored text
is wrapped with ``literal()``, so every renderer shows it exactly as written, markup and all.
An instant inside bot-authored text is wrapped with ``moment()``, so a platform that can show
it in each reader's own time zone does (Discord's ``<t:...>``); the others show it as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
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
    """``text`` without literal marks and with each ``moment()`` as its written form, for
    output where nothing is markup (plain text)."""
    return shown_moments("".join(piece for piece, _ in literal_parts(text)))


MOMENT_OPEN = "\ue010"
MOMENT_CLOSE = "\ue011"
_MOMENT = re.compile(f"{MOMENT_OPEN}(-?[0-9]+)\\|([^{MOMENT_OPEN}{MOMENT_CLOSE}]*){MOMENT_CLOSE}")


@dataclass(frozen=True)
class Moment:
    at: dt.datetime
    """The instant, in UTC."""
    shown: str
    """How the core writes it (in the channel's zone): what a renderer without zones shows."""


def moment(at: dt.datetime, shown: str) -> str:
    """The instant ``at`` inside bot-authored text, written ``shown`` where a platform cannot
    show each reader their own time. A naive ``at`` is taken as UTC (the store keeps UTC).

    The marks are private-use characters, so no text a person types can look like one by
    accident; every renderer turns them into its own form through :func:`moments`."""
    instant = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    written = shown.replace(MOMENT_OPEN, "").replace(MOMENT_CLOSE, "")
    return f"{MOMENT_OPEN}{int(instant.timestamp())}|{written}{MOMENT_CLOSE}"


def moments(text: str, render: Callable[[Moment], str]) -> str:
    """``text`` with each ``moment()`` replaced by ``render(moment)``."""
    return _MOMENT.sub(
        lambda m: render(Moment(dt.datetime.fromtimestamp(int(m[1]), dt.UTC), m[2])), text
    )


def shown_moments(text: str) -> str:
    """``text`` with each ``moment()`` as the core wrote it."""
    return moments(text, lambda m: m.shown)


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
    RATE = "rate"
    """Rate your own answer after practice feedback (value: "<item id>:<again|hard|good|easy>")."""
    PRACTICE = "practice"
    """Start practice from a reminder (value: "start")."""
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


@dataclass(frozen=True)
class Image:
    """A picture sent with the message (a PNG chart). Text must carry everything it shows:
    the picture is extra, for the platforms and people that can see it; ``alt`` describes it
    for screen readers, and a renderer without images (or an upload that failed) drops it."""

    png: bytes
    alt: str
    filename: str

    def __repr__(self) -> str:  # the bytes would flood every log line and test failure
        return f"Image({self.filename!r}, {len(self.png)} bytes, alt={self.alt!r})"


Block = Section | Quote | Fields | Context | Divider | Table | Actions | Image


def images(message: Message) -> tuple[Image, ...]:
    """The pictures ``message`` carries, in order."""
    return tuple(block for block in message.blocks if isinstance(block, Image))


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
