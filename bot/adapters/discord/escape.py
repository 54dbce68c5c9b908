"""Text as Discord markdown: what people wrote shown exactly as written, the bot's own light
markup converted.

People's text (a ``Quote``, a ``literal()`` name) goes through :func:`escape_text`:

- markdown characters (``\\ * _ ~ | ` [ ]``) get a backslash, so nothing turns bold, spoilered
  or struck, no code span or fence opens, and ``[x](https://evil)`` is no masked link;
- ``<`` gets a backslash, so ``<@123>``, ``<@!123>``, ``<@&123>``, ``<#123>``, ``</cmd:1>``,
  ``<t:1:R>``, ``<:emoji:1>`` and ``<https://...>`` stay text (Discord's own way to show them
  raw);
- a line starting like a heading (``#``), subtext (``-#``), a quote (``>``) or a list item
  (``- ``, ``+ ``, ``1. ``) gets a backslash there, so no line breaks out of the quote it is
  shown in, nor turns into a heading;
- ``scheme://`` becomes ``scheme\\://``, so a bare address is not auto-linked (as Slack's
  ``verbatim`` text does);
- ``@everyone`` and ``@here`` (any case) get a zero-width space after the ``@``.

A backslash before punctuation is dropped by every Discord client, so the text reads as typed.
``allowed_mentions`` set to none on every send (``render.NO_MENTIONS``) is what guarantees that
nobody is pinged; the escaping is what keeps the text from *looking* like a mention or a link.

Why not ``discord.utils.escape_markdown`` alone: it escapes a masked link with one backslash
before the ``[`` and leaves the text inside it alone, so ``[**x**](https://evil)`` still turns
bold and its address still links; it leaves ``<...>`` forms, ``1.`` lists and bare addresses
alone; and with ``ignore_links`` (its default) it skips over anything that looks like a URL.
``discord.utils.escape_mentions`` is used for the broadcasts and ``<@id>`` forms, but it only
knows lowercase ``@everyone``/``@here`` and user or role ids of 17 to 20 digits, and no channel
or command mentions; the ``<`` escape covers the rest.

Bot-authored text goes through :func:`markup`: ``*bold*`` becomes ``**bold**``, ``_italic_``
``*italic*``, `` `code` `` stays, addresses stay links, and every other markdown character is
escaped as above, so content such as ``readFile(__filename, ...)`` or ``*Sync APIs`` shows as
written. ``literal()`` names inside it go through :func:`escape_name`; ``moment()`` instants
become Discord timestamps, which each reader sees in their own time zone.
"""

from __future__ import annotations

import re

from discord.utils import escape_mentions

from bot.messaging.message import Moment, literal_parts, moments

ZWSP = "\u200b"
_BROADCAST = re.compile(r"@(?=(?:everyone|here)\b)", re.IGNORECASE)
_LINE_START = r"(?P<start>^[ \t]*(?:[#>]|-(?=[#\s])|[+*](?=\s)|[0-9]+(?P<dot>\.)(?=\s)))"
"""The start of a line that Discord would read as a heading, subtext, quote or list item."""
_CHARS = r"(?P<char>[\\*_~|`\[\]<])"
_PERSON = re.compile(_LINE_START + r"|(?P<scheme>(?<=[A-Za-z0-9]):(?=//))|" + _CHARS, re.M)

_BOLD = r"(?<![\w*\\])\*(?P<bold>[^\s*](?:[^*\n]*[^\s*])?)\*(?![\w*])"
_ITALIC = r"(?<![\w_\\])_(?P<italic>[^\s_](?:[^_\n]*[^\s_])?)_(?![\w_])"
_URL = r"(?P<url>\bhttps?://[^\s<>`]*[^\s<>`.,:;!?\"')\]])"
_MARKUP = re.compile(rf"(?P<code>`[^`\n]+`)|{_BOLD}|{_ITALIC}|{_URL}|{_LINE_START}|{_CHARS}", re.M)
_INNER_MARKUP = re.compile(rf"(?P<code>`[^`\n]+`)|{_BOLD}|{_ITALIC}|{_URL}|{_CHARS}")
"""Inside a bold or italic span, which is not the start of its line."""
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_BOLD_SPAN = re.compile(_BOLD)

HOLE_OPEN = "\ue000"
HOLE_CLOSE = "\ue001"
_HOLE = re.compile(f"{HOLE_OPEN}([0-9]+){HOLE_CLOSE}")

CODE_LOOKALIKE = "\u02cb"
"""MODIFIER LETTER GRAVE ACCENT: a backtick that cannot open or close code."""


def neutralise_mentions(text: str) -> str:
    """``@everyone``/``@here`` (any case) and ``@<id>`` forms that mention nobody."""
    return _BROADCAST.sub("@" + ZWSP, escape_mentions(text))


def _escape(found: re.Match[str]) -> str:
    if found["char"]:
        return "\\" + found["char"]
    if found.groupdict().get("scheme"):
        return "\\:"
    text = found[0]
    if found.groupdict().get("dot"):
        return text[:-1] + "\\."
    indent = len(text) - len(text.lstrip(" \t"))
    return text[:indent] + "\\" + text[indent:]


def escape_text(text: str) -> str:
    """Text a person wrote, shown exactly as written: no markdown, mentions or links."""
    return neutralise_mentions(_PERSON.sub(_escape, text))


def escape_name(text: str) -> str:
    """A name, on one line (a line break could end a heading or start a quote)."""
    return escape_text(" ".join(text.splitlines()))


def code_text(text: str) -> str:
    """Text for inside a code block or span: one line, and no backtick that could close it.
    Nothing else needs escaping there: Discord renders nothing inside code."""
    return " ".join(text.splitlines()).replace("`", CODE_LOOKALIKE)


def timestamp(moment: Moment) -> str:
    """An instant as each reader's own clock time, then how far away it is."""
    unix = int(moment.at.timestamp())
    return f"<t:{unix}:t> (<t:{unix}:R>)"


def _convert(text: str, pattern: re.Pattern[str] = _MARKUP) -> str:
    def one(found: re.Match[str]) -> str:
        if found["code"] or found["url"]:
            return found[0]
        if found["bold"]:
            return f"**{_convert(found['bold'], _INNER_MARKUP)}**"
        if found["italic"]:
            return f"*{_convert(found['italic'], _INNER_MARKUP)}*"
        return _escape(found)

    return pattern.sub(one, text)


def markup(text: str, *, bold: bool = True) -> str:
    """Bot-authored text as Discord markdown (see the module's notes). ``bold=False`` drops
    its bold marks, for a title, which Discord shows bold anyway."""
    # Names and instants are held out of the conversion, as holes, and filled in after it:
    # each has its own form, and still sits inside the bold span it is written in.
    held: list[tuple[str, str]] = []
    """(as markdown, as code) of each hole."""

    def hold(as_markdown: str, as_code: str) -> str:
        held.append((as_markdown, as_code))
        return f"{HOLE_OPEN}{len(held) - 1}{HOLE_CLOSE}"

    def moment_hole(moment: Moment) -> str:
        return hold(timestamp(moment), moment.shown)

    pieces = [
        hold(escape_name(piece), code_text(piece)) if is_literal else moments(piece, moment_hole)
        for piece, is_literal in literal_parts(text)
    ]
    bare = "".join(pieces)
    if not bold:
        bare = _BOLD_SPAN.sub(lambda m: m["bold"], bare)
    # Inside a code span nothing renders: a hole there is filled with the plain text now.
    bare = _CODE_SPAN.sub(lambda m: _HOLE.sub(lambda h: held[int(h[1])][1], m[0]), bare)
    converted = neutralise_mentions(_convert(bare))
    return _HOLE.sub(lambda h: held[int(h[1])][0], converted)
