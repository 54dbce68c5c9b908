"""The platform-neutral message model as Slack Block Kit, within Slack's limits, escaped.

Every piece of text goes through :func:`escape` before it reaches Slack: ``&``, ``<`` and ``>``
become entities, so nothing anyone wrote (an answer shown back in a ``Quote``, a display name in
a leaderboard) can become a mention (``<!channel>``, ``<@U123>``, ``<!subteam^S1>``) or a link
(``<https://evil|innocent>``); and the words ``@channel``, ``@here`` and ``@everyone`` get a
zero-width joiner after the ``@`` so no client or ``link_names`` setting turns them into a
broadcast. Text objects are ``verbatim``, which stops Slack from auto-linking bare URLs and
channel names in them. A display name the core marked with ``literal()`` goes through
:func:`escape_literal` instead, which also keeps its ``*``, ``_``, ``~`` and backticks from
formatting anything.

Limits (Slack rejects a request past them, or cuts it silently): 50 blocks in a message and
100 in a modal or Home tab, 3,000 characters of section text, 2,000 per section field, 10
fields per section, 25 buttons per actions block, 75 characters of button label, 2,000 of
button value.
"""

from __future__ import annotations

import re
from typing import Any

from bot.messaging.message import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Fields,
    Image,
    Message,
    Quote,
    Section,
    Table,
    literal_parts,
    shown_moments,
    unmarked,
)

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_BUTTONS = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 3000
TABLE_CELL = 24
"""Widest table cell (display names are cut): tables must stay readable on a phone."""

ZWJ = "\u200d"
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
ACTION_PREFIX = "drillbot."
"""Every button's action_id starts with this, then the core's ``Action`` value and an index."""

JSON = dict[str, Any]


def escape(text: str) -> str:
    """Text that Slack shows as written: no mentions, no links, no broadcasts."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: f"@{ZWJ}{m[1]}", text)


_FORMATTING = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")
"""Characters that can open or close mrkdwn formatting: every backtick, and ``*``, ``_``, ``~``
unless inside a word (Slack formats ``*a*`` but not ``a*b*c``; ``snake_case`` stays as is)."""
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}


def escape_literal(text: str) -> str:
    """Text shown exactly as written inside mrkdwn (a display name): :func:`escape`, and
    formatting characters as look-alikes, since Slack's mrkdwn has no escape character."""
    flat = " ".join(text.splitlines())  # a line break could start a quote or a list
    return escape(_FORMATTING.sub(lambda m: _LOOKALIKES[m[0]], flat))


def escape_text(text: str) -> str:
    """Bot-authored text for mrkdwn: its own markup kept, its ``literal()`` parts shown as
    written, its ``moment()`` instants as the core wrote them, and nothing turned into a
    mention or a link."""
    return "".join(
        escape_literal(piece) if is_literal else escape(shown_moments(piece))
        for piece, is_literal in literal_parts(text)
    )


def mrkdwn(text: str) -> JSON:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int = MAX_SECTION_TEXT) -> JSON:
    """A plain_text object (never parsed for mentions), cut to ``limit`` characters."""
    return {"type": "plain_text", "text": _cut(unmarked(text), limit) or " ", "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Split escaped text at line breaks into pieces of at most ``limit`` characters."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one huge line: cut it, but never inside an entity
            cut = limit
            amp = line.rfind("&", max(0, cut - 6), cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [" "]


def _section(text: str) -> list[JSON]:
    if not text.strip():
        return []  # Slack refuses an empty text object
    return [{"type": "section", "text": mrkdwn(piece)} for piece in _chunks(text)]


def _quote(block: Quote) -> list[JSON]:
    lines = [f"> {line}" if line else ">" for line in escape(block.text).split("\n")]
    author = f"*{escape_literal(unmarked(block.author))}*\n" if block.author else ""
    return _section(author + "\n".join(lines))


def _fields(block: Fields) -> list[JSON]:
    out: list[JSON] = []
    pairs = list(block.pairs)
    for start in range(0, len(pairs), MAX_FIELDS):
        fields = [
            mrkdwn(_cut(f"*{escape_text(key)}*\n{escape_text(value)}", MAX_FIELD_TEXT))
            for key, value in pairs[start : start + MAX_FIELDS]
        ]
        out.append({"type": "section", "fields": fields})
    return out


def _cell(text: str) -> str:
    # A backtick could close the code fence the table lives in.
    return _cut(unmarked(text).replace("`", "'").replace("\n", " "), TABLE_CELL)


def _table(block: Table) -> list[JSON]:
    headers = [_cell(h) for h in block.headers]
    rows = [[_cell(c) for c in row] for row in block.rows]
    widths = [
        max([len(h), *(len(r[i]) for r in rows if i < len(r))]) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in rows
    ]
    out: list[JSON] = []
    for piece in _chunks(escape("\n".join(lines)), MAX_SECTION_TEXT - 8):
        out.append({"type": "section", "text": mrkdwn(f"```\n{piece}\n```")})
    return out


def action_id(button: Button, index: int) -> str:
    return f"{ACTION_PREFIX}{button.action.value}.{index}"


def _button(button: Button, index: int) -> JSON:
    element: JSON = {
        "type": "button",
        "action_id": action_id(button, index),
        "text": plain(button.label, MAX_BUTTON_LABEL),
        "value": button.value[:MAX_BUTTON_VALUE],
    }
    if button.primary:
        element["style"] = "primary"
    return element


def _actions(block: Actions) -> list[JSON]:
    buttons = list(block.buttons)
    return [
        {
            "type": "actions",
            "elements": [
                _button(b, start + n) for n, b in enumerate(buttons[start : start + MAX_BUTTONS])
            ],
        }
        for start in range(0, len(buttons), MAX_BUTTONS)
    ]


def render_block(block: Block) -> list[JSON]:
    """One model block as one or more Block Kit blocks."""
    match block:
        case Section(text=text):
            return _section(escape_text(text))
        case Quote():
            return _quote(block)
        case Fields():
            return _fields(block) if block.pairs else []
        case Context(text=text):
            if not text.strip():
                return []
            return [
                {"type": "context", "elements": [mrkdwn(_cut(escape_text(text), MAX_SECTION_TEXT))]}
            ]
        case Divider():
            return [{"type": "divider"}]
        case Table():
            return _table(block)
        case Actions():
            return _actions(block) if block.buttons else []
        case Image():
            return []  # uploaded after the message (SlackChat), the text carries its numbers
    raise TypeError(f"cannot render {type(block).__name__}")


def render_blocks(message: Message, limit: int = MAX_MESSAGE_BLOCKS) -> list[JSON]:
    """The message's blocks, at most ``limit`` of them (the last one then says so)."""
    blocks: list[JSON] = []
    for block in message.blocks:
        blocks += render_block(block)
    if len(blocks) > limit:
        blocks = blocks[: limit - 1]
        blocks.append(
            {"type": "context", "elements": [mrkdwn("… (cut short: too long for Slack)")]}
        )
    return blocks or _section(fallback_text(message))


def fallback_text(message: Message) -> str:
    """The notification text that accompanies the blocks, escaped too."""
    return _cut(escape_text(message.text.strip() or "drillbot"), MAX_FALLBACK_TEXT)


def message_payload(message: Message) -> JSON:
    """``text`` and ``blocks`` for chat.postMessage, chat.postEphemeral, chat.update and
    response_url requests."""
    return {"text": fallback_text(message), "blocks": render_blocks(message)}


NOTICE_BLOCK = "drillbot.notice."
"""The block_id prefix of a notice shown at the top of the Home tab (the answer to a click)."""


def _notice_blocks(notice: Message | None) -> list[JSON]:
    if notice is None:
        return []
    blocks = [*render_blocks(notice), {"type": "divider"}]
    return [{**block, "block_id": f"{NOTICE_BLOCK}{n}"} for n, block in enumerate(blocks)]


def _view(blocks: list[JSON]) -> JSON:
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = blocks[: MAX_VIEW_BLOCKS - 1]
        blocks.append(
            {"type": "context", "elements": [mrkdwn("… (cut short: too long for Slack)")]}
        )
    return {"type": "home", "callback_id": "drillbot.home", "blocks": blocks}


def home_view(message: Message, notice: Message | None = None) -> JSON:
    """A Home tab view (for views.publish) from the core's ``home`` message, under ``notice``
    (what a click on the tab did) when there is one."""
    return _view([*_notice_blocks(notice), *render_blocks(message, MAX_VIEW_BLOCKS)])


def home_view_again(shown: JSON, notice: Message) -> JSON:
    """The Home tab as the person last saw it (a click's ``view``), with ``notice`` on top in
    place of any earlier one: the answer to a click when a fresh view cannot be made."""
    kept = [
        block
        for block in shown.get("blocks") or []
        if not str(block.get("block_id") or "").startswith(NOTICE_BLOCK)
    ]
    return _view([*_notice_blocks(notice), *kept])
