"""The platform-neutral message model as Discord messages: embeds and buttons, within
Discord's limits (``limits.py``), escaped (``escape.py``).

A message with blocks becomes embeds, coloured by its ``kind``. A ``Section`` whose first
line opens with a bold span (``*Daily question #42* · Node.js · mid``) gives that line to the
embed as its title; a ``Divider`` starts a new embed (and so may a title); ``Context`` is
Discord subtext (``-# ``); a ``Quote`` is a block quote of escaped text; ``Fields`` are inline
embed fields; a ``Table`` is a code block. A message without blocks is plain ``content``.

Splitting: text past an embed description's 4,096 characters goes on in another embed, and
embeds past 6,000 characters or 10 in one message go on in another message, so one core
message may be several Discord messages, posted in order. Text is split between paragraphs,
else lines, else words; a single word longer than the limit is the only thing ever cut. A
code block split in two is closed and reopened. Nothing is dropped and nothing is refused.

Buttons: all on the **first** message, in rows of five, a new row for each ``Actions`` block.
The first message is the one the runtime records (``message_ref``), edits with the live
answer count, and starts the reveal thread from, so a drill's buttons stay on it; the core's
messages are far below the limits, so in practice the first message is the whole drill. Past
five rows, the rest go on the next messages (never dropped; the core sends at most six).

Every send must carry ``allowed_mentions`` set to none (``NO_MENTIONS`` or ``no_mentions()``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import discord

from bot.adapters.discord import custom_ids, limits
from bot.adapters.discord.escape import (
    code_text,
    escape_name,
    escape_text,
    markup,
    neutralise_mentions,
)
from bot.domain import scoring
from bot.messaging.message import (
    MOMENT_OPEN,
    Action,
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
    images,
    literal,
    literal_parts,
    unmarked,
)

JSON = dict[str, Any]

NO_MENTIONS: Final[JSON] = {"parse": []}
"""``allowed_mentions`` for every message the bot sends: nobody is pinged, whatever the
text says (also what ``discord.AllowedMentions.none().to_dict()`` gives)."""

COLORS: Final[dict[str, int]] = {
    "drill": 0x5865F2,
    "reveal": 0xFEE75C,
    "leaderboard": 0xEB459E,
    "feedback": 0x57F287,
    "incident": 0xE67E22,
    "debrief": 0xE67E22,
    "error": 0xED4245,
}
DEFAULT_COLOR: Final = 0x99AAB5

TABLE_CELL: Final = 24
"""Widest table cell (longer display names are cut): a table must stay readable on a phone."""
CONTINUED: Final = "…"
"""The content of a message that only carries buttons past the first message's five rows."""
EMPTY_FIELD: Final = "\u200b"
"""Discord refuses an empty field name or value."""
_FENCE: Final = "```"
_FENCE_ROOM: Final = len(_FENCE) * 2 + 2
"""Room a split keeps for closing a code block and reopening it in the next piece."""
_TITLE = re.compile(r"\*[^*\n]*[^\s*]\*")


def no_mentions() -> discord.AllowedMentions:
    """``NO_MENTIONS`` for discord.py's ``allowed_mentions=`` arguments."""
    return discord.AllowedMentions.none()


@dataclass(frozen=True)
class ButtonSpec:
    custom_id: str
    """From :func:`custom_ids.encode`."""
    label: str
    """At most 80 characters, cut at a word."""
    primary: bool


@dataclass(frozen=True)
class DiscordPayload:
    content: str
    """At most 2,000 characters; "" when the embeds carry the message."""
    embeds: tuple[JSON, ...]
    """Embed JSON: ``discord.Embed.from_dict`` builds each."""
    rows: tuple[tuple[ButtonSpec, ...], ...]
    """Action rows of buttons: at most 5 rows of at most 5."""
    files: tuple[Image, ...] = ()
    """Pictures sent as attachments of this message (the last part of a split message)."""

    def components(self) -> list[JSON]:
        """``rows`` as message component JSON (for raw HTTP sends and for tests)."""
        return [
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 1 if b.primary else 2,
                        "label": b.label,
                        "custom_id": b.custom_id,
                    }
                    for b in row
                ],
            }
            for row in self.rows
        ]


# --- splitting ---------------------------------------------------------------------------------
_SEPARATORS: Final = ("\n\n", "\n", " ")
_CARRIED = re.compile(r"^(?:> |-# )")
"""Line prefixes that a line split at its words keeps on every piece."""


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at paragraphs, else lines,
    else words; a word longer than ``limit`` is cut. Code blocks stay balanced."""
    if len(text) <= limit:
        return [text]
    if _FENCE not in text:
        return _pieces(_split(text, limit, 0))
    return _pieces(_balance_fences(_split(text, limit - _FENCE_ROOM, 0)))


def _pieces(pieces: list[str]) -> list[str]:
    trimmed = [p.strip("\n") for p in pieces]
    return [p for p in trimmed if p.strip()] or [" "]


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _cut_word(text, limit)
    separator = _SEPARATORS[level]
    out: list[str] = []
    current: str | None = None
    for part in text.split(separator):
        if len(part) > limit:
            if current is not None:
                out.append(current)
            if separator == "\n":
                pieces = _split_line(part, limit)
            else:
                pieces = _split(part, limit, level + 1)
            out += pieces[:-1]
            current = pieces[-1]
        elif current is None:
            current = part
        elif len(current) + len(separator) + len(part) <= limit:
            current += separator + part
        else:
            out.append(current)
            current = part
    if current is not None:
        out.append(current)
    return out


def _split_line(line: str, limit: int) -> list[str]:
    """One line split at its words; a quote or subtext line stays one on every piece."""
    carried = _CARRIED.match(line)
    prefix = carried[0] if carried else ""
    rest = line[len(prefix) :]
    return [prefix + piece for piece in _split(rest, limit - len(prefix), len(_SEPARATORS) - 1)]


def _cut_word(word: str, limit: int) -> list[str]:
    pieces = []
    while len(word) > limit:
        cut = limit
        # Never between a backslash and the character it escapes.
        trailing = len(word[:cut]) - len(word[:cut].rstrip("\\"))
        if trailing % 2 == 1 and cut > 1:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def _balance_fences(pieces: list[str]) -> list[str]:
    out: list[str] = []
    reopen = False
    for piece in pieces:
        lines = piece.split("\n")
        if reopen and lines[0].startswith(_FENCE):
            lines.pop(0)  # its closing fence: the piece before closed it already
        elif reopen:
            lines.insert(0, _FENCE)
        inside = False
        for line in lines:
            if line.startswith(_FENCE) and not (len(line) > 3 and line.endswith(_FENCE)):
                inside = not inside
        if inside and lines[-1].startswith(_FENCE):
            # An opening fence at the very end: it opens in the next piece instead.
            lines.pop()
            inside = False
            reopen_next = True
        else:
            reopen_next = inside
        if inside:
            lines.append(_FENCE)
        out.append("\n".join(lines))
        reopen = reopen_next
    return out


# --- blocks -> embed drafts --------------------------------------------------------------------
@dataclass
class _Draft:
    """One embed before the limits are applied."""

    title: str = ""
    paragraphs: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.title or self.paragraphs or self.fields)


def _title(text: str) -> tuple[str, str] | None:
    """(title, the rest) when the text's first line opens with a bold span."""
    # A name is shown on one line (a line break inside it does not end the title), and its
    # own stars and line breaks are not the bot's markup: looked at with each name as "N".
    parts = [
        (" ".join(p.splitlines()) if is_literal else p, is_literal)
        for p, is_literal in literal_parts(text)
    ]
    text = "".join(literal(p) if is_literal else p for p, is_literal in parts).strip()
    masked = "".join("N" if is_literal else p for p, is_literal in parts).strip()
    first_masked = masked.partition("\n")[0]
    # A title renders no timestamp: a line with an instant stays in the description.
    if not _TITLE.match(first_masked) or MOMENT_OPEN in first_masked:
        return None
    first, _, rest = text.partition("\n")
    title = markup(first, bold=False)
    if not title.strip() or len(title) > limits.EMBED_TITLE:
        return None
    return title, rest


def _quote(block: Quote) -> str:
    if not block.text.strip():
        return ""
    lines = [f"> {line}" for line in escape_text(block.text).split("\n")]
    author = f"**{escape_name(unmarked(block.author))}**\n" if block.author.strip() else ""
    return author + "\n".join(lines)


def _cell(text: str) -> str:
    cell = code_text(unmarked(text))
    return cell if len(cell) <= TABLE_CELL else cell[: TABLE_CELL - 1] + "…"


def _table(block: Table) -> str:
    headers = [_cell(h) for h in block.headers]
    rows = [[_cell(c) for c in row] for row in block.rows]
    widths = [
        max([len(h), *(len(r[i]) for r in rows if i < len(r))]) for i, h in enumerate(headers)
    ]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in [headers, *rows]
    ]
    # Code shows no mention, yet Discord still scans it for them: neutralised too, after the
    # padding, as the zero-width space takes no room on screen.
    return neutralise_mentions("\n".join([_FENCE, *lines, _FENCE]))


def _context(text: str) -> str:
    return "\n".join(f"-# {line}" if line.strip() else line for line in markup(text).split("\n"))


def _drafts(blocks: Sequence[Block]) -> list[_Draft]:
    drafts = [_Draft()]
    for block in blocks:
        current = drafts[-1]
        if isinstance(block, Divider):
            if not current.empty():
                drafts.append(_Draft())
            continue
        if isinstance(block, Fields):
            current.fields += [(markup(k), markup(v)) for k, v in block.pairs]
            continue
        if isinstance(block, Actions | Image):
            continue  # buttons: see _rows; images: attached to the last payload (render)
        if current.fields:
            # An embed shows its fields under its description: later text needs a new one.
            current = _Draft()
            drafts.append(current)
        paragraph = _paragraph(block, current)
        if paragraph.strip():
            current.paragraphs.append(paragraph)
    return [d for d in drafts if not d.empty()]


def _paragraph(block: Block, draft: _Draft) -> str:
    """A text block as markdown; a ``Section`` opening an embed may give it its title."""
    match block:
        case Section(text=text):
            titled = _title(text) if draft.empty() else None
            if titled is not None:
                draft.title, text = titled
            return markup(text)
        case Quote():
            return _quote(block)
        case Context(text=text):
            return _context(text)
        case Table():
            return _table(block)
    raise TypeError(f"cannot render {type(block).__name__}")


# --- drafts -> embeds -> payloads ------------------------------------------------------------
def embed_size(embed: JSON) -> int:
    """The characters of an embed that count toward ``limits.EMBED_TOTAL``."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])


def _field_entries(fields: list[tuple[str, str]]) -> list[JSON]:
    """Embed fields within the name and value limits: a long name moves into its value, a
    long value goes on in fields without a name."""
    out: list[JSON] = []
    for name, value in fields:
        if len(name) > limits.EMBED_FIELD_NAME:
            value = f"**{name}**\n{value}"
            name = EMPTY_FIELD
        for n, piece in enumerate(split_text(value or EMPTY_FIELD, limits.EMBED_FIELD_VALUE)):
            entry_name = (name if n == 0 else EMPTY_FIELD) or EMPTY_FIELD
            out.append({"name": entry_name, "value": piece, "inline": True})
    return out


def _embeds(draft: _Draft, color: int) -> list[JSON]:
    description = "\n\n".join(draft.paragraphs)
    chunks = split_text(description, limits.EMBED_DESCRIPTION) if description.strip() else []
    embeds: list[JSON] = [{"description": chunk, "color": color} for chunk in chunks]
    if draft.title:
        if not embeds:
            embeds.append({"color": color})
        embeds[0] = {"title": draft.title, **embeds[0]}
    for entry in _field_entries(draft.fields):
        last = embeds[-1] if embeds else None
        if (
            last is None
            or len(last.get("fields", [])) >= limits.EMBED_FIELDS
            or embed_size(last) + len(entry["name"]) + len(entry["value"]) > limits.EMBED_TOTAL
        ):
            last = {"color": color}
            embeds.append(last)
        last.setdefault("fields", []).append(entry)
    return embeds


def _pack(embeds: list[JSON]) -> list[list[JSON]]:
    messages: list[list[JSON]] = [[]]
    size = 0
    for embed in embeds:
        grows = embed_size(embed)
        if messages[-1] and (
            len(messages[-1]) >= limits.EMBEDS or size + grows > limits.EMBED_TOTAL
        ):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += grows
    return [m for m in messages if m]


def _label(text: str) -> str:
    label = " ".join(unmarked(text).split()) or "…"
    if len(label) <= limits.BUTTON_LABEL:
        return label
    return cut_at_word(label, limits.BUTTON_LABEL)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, ending at a word with "…" when it is cut:
    for labels and titles, where Discord allows no more and nothing can go on elsewhere."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip() + "…"


def _rows(blocks: Sequence[Block]) -> list[tuple[ButtonSpec, ...]]:
    rows: list[tuple[ButtonSpec, ...]] = []
    seen: dict[tuple[Action, str], int] = {}
    for block in blocks:
        if not isinstance(block, Actions):
            continue
        specs = [_button(b, seen) for b in block.buttons]
        rows += [
            tuple(specs[start : start + limits.BUTTONS_PER_ROW])
            for start in range(0, len(specs), limits.BUTTONS_PER_ROW)
        ]
    return rows


def _button(button: Button, seen: dict[tuple[Action, str], int]) -> ButtonSpec:
    key = (button.action, button.value)
    occurrence = seen.get(key, 0)
    seen[key] = occurrence + 1
    return ButtonSpec(
        custom_id=custom_ids.encode(button.action, button.value, occurrence),
        label=_label(button.label),
        primary=button.primary,
    )


def render(message: Message) -> list[DiscordPayload]:
    """The Discord messages for ``message``, to send in order (see the module's notes).
    Raises ``ValueError`` only for a button value no ``custom_id`` can hold, which no value
    the core makes is (``custom_ids``)."""
    color = COLORS.get(message.kind, DEFAULT_COLOR)
    embeds = [e for draft in _drafts(message.blocks) for e in _embeds(draft, color)]
    if embeds:
        bodies = [("", tuple(group)) for group in _pack(embeds)]
    else:
        text = markup(message.text.strip() or "drillbot")
        bodies = [(piece, ()) for piece in split_text(text, limits.CONTENT)]
    rows = _rows(message.blocks)
    payloads: list[DiscordPayload] = []
    for n in range(max(len(bodies), -(-len(rows) // limits.ACTION_ROWS))):
        content, group = bodies[n] if n < len(bodies) else (CONTINUED, ())
        mine = rows[n * limits.ACTION_ROWS : (n + 1) * limits.ACTION_ROWS]
        payloads.append(DiscordPayload(content, group, tuple(mine)))
    pictures = images(message)[: limits.ATTACHMENTS]
    if pictures:
        payloads[-1] = replace(payloads[-1], files=pictures)
    return payloads


def render_ephemeral(message: Message) -> list[DiscordPayload]:
    """The same as :func:`render`: an ephemeral followup has the same limits, and may carry
    buttons (a practice MCQ's picks)."""
    return render(message)


RENDERED: Final = 256
"""Messages whose payloads ``render_cached`` remembers."""


def render_cached(message: Message) -> tuple[DiscordPayload, ...]:
    """:func:`render`, remembered for the last ``RENDERED`` messages: the replies to a burst of
    clicks are a few messages many times over (one per option of a drill). The payloads are
    shared, so nobody may change them (their embeds are dicts)."""
    try:
        return _rendered(message)
    except TypeError:  # a block holding a list cannot be a key: rendered every time
        return tuple(render(message))


@functools.lru_cache(maxsize=RENDERED)
def _rendered(message: Message) -> tuple[DiscordPayload, ...]:
    return tuple(render(message))


# --- modals ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModalSpec:
    """An answer form; the runtime builds a ``discord.ui.Modal`` from it: ``question`` (when
    not empty) in a ``TextDisplay``, then a ``Label(text=label, description=description)``
    around a paragraph ``TextInput(custom_id=field_id, placeholder=..., max_length=...)``."""

    custom_id: str
    title: str
    label: str
    placeholder: str
    description: str = ""
    """Small print under the label ("" for none)."""
    question: str = ""
    """Markdown shown above the input: what is being answered ("" for none)."""
    field_id: str = custom_ids.ANSWER_FIELD
    max_length: int = limits.ANSWER
    min_length: int = 1
    required: bool = True


MAX_QUESTION_BLOCKS: Final = 4
"""Sections of a drill shown in its answer form, as on Slack."""


def answer_modal(
    title: str,
    label: str,
    placeholder: str,
    *,
    custom_id: str,
    description: str = "",
    question: str = "",
    max_length: int = limits.ANSWER,
) -> ModalSpec:
    """A form with one paragraph input, every text within Discord's limits."""
    if len(question) > limits.TEXT_DISPLAY:
        question = split_text(question, limits.TEXT_DISPLAY - 2)[0] + "\n…"
    return ModalSpec(
        custom_id=custom_id,
        title=cut_at_word(title, limits.MODAL_TITLE),
        label=cut_at_word(label, limits.TEXT_INPUT_LABEL),
        placeholder=cut_at_word(placeholder, limits.TEXT_INPUT_PLACEHOLDER),
        description=cut_at_word(description, limits.LABEL_DESCRIPTION),
        question=question,
        max_length=max(1, min(max_length, limits.TEXT_INPUT_VALUE)),
    )


def _question(message: Message | None, last_only: bool) -> str:
    if message is None:
        return ""
    sections = [b for b in message.blocks if isinstance(b, Section)]
    shown = sections[-1:] if last_only else sections[:MAX_QUESTION_BLOCKS]
    return "\n\n".join(markup(s.text) for s in shown)


def drill_answer_modal(drill_id: int | str, question: Message | None = None) -> ModalSpec:
    """The answer form of an open drill, under the drill's text (its ``drill_message``)."""
    return answer_modal(
        "Answer the drill",
        "Your answer",
        "Explain it as you would in an interview",
        custom_id=custom_ids.modal_id(custom_ids.ANSWER_MODAL, str(drill_id)),
        # How edits count (bot.domain.scoring), said before the first answer is sent.
        description=(
            "Graded on the key points. Until the reveal a new version adds "
            f"{scoring.EDIT_SHARE_WORDS} of any gain."
        ),
        question=_question(question, last_only=False),
    )


def incident_answer_modal(form_value: str, question: Message | None = None) -> ModalSpec:
    """The form for a mock incident stage (``form_value`` is its button's value), under the
    stage prompt it was opened from."""
    return answer_modal(
        "Mock incident",
        "Your answer",
        "What do you do, and why?",
        custom_id=custom_ids.modal_id(custom_ids.INCIDENT_MODAL, form_value),
        description="The interviewer replies where the session runs: your DM or its thread.",
        question=_question(question, last_only=True),
    )
