"""Text people wrote, and names, shown on Discord exactly as written; the bot's light markup
converted to Discord markdown."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from discord.utils import escape_markdown, escape_mentions

from bot.adapters.discord.escape import (
    CODE_LOOKALIKE,
    ZWSP,
    code_text,
    escape_name,
    escape_text,
    markup,
    neutralise_mentions,
    timestamp,
)
from bot.messaging.message import Moment, literal, moment

HOSTILE = [
    "@everyone",
    "@here look",
    "@Everyone and @HERE",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&1>",
    "<#1>",
    "</drill answer:1>",
    "<t:1700000000:R>",
    "<:emoji:1>",
    "[click](https://evil.example)",
    "[**x**](https://evil.example)",
    "[x](<https://evil.example>)",
    "https://evil.example/a_b_c",
    "**bold** __under__ ~~gone~~ ||spoiler||",
    "*it* _it_",
    "`code` ``` fence ```",
    "```\ncode block\n```",
    "# heading",
    "## heading\n### heading",
    "-# subtext",
    "> quote\n>>> all quoted",
    "- item\n* item\n+ item\n  - nested",
    "1. first\n2. second",
    "back\\slash \\*already\\*",
    "snake_case and 2*3*4",
]


def shown(text: str) -> str:
    """What a Discord client shows: a backslash before punctuation is dropped, and a
    zero-width space is not seen."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text).replace(ZWSP, "")


def live_markup(text: str) -> list[str]:
    """Everything in ``text`` that Discord would read as markdown, a mention or a link."""
    found: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and re.match(r"[^0-9A-Za-z\s]", text[i + 1]):
            i += 2
            continue
        if char in "*_~|`[]<":
            found.append(char)
        if char == ":" and text[i + 1 : i + 3] == "//":
            found.append("://")
        i += 1
    found += [
        line
        for line in text.split("\n")
        if re.match(r"[ \t]*(?:[#>]|-[#\s]|[+*]\s|[0-9]+\.\s)", line)
    ]
    found += re.findall(r"@(?:everyone|here)", text, re.IGNORECASE)
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_people_s_text_shows_as_written_and_does_nothing(text: str) -> None:
    escaped = escape_text(text)
    assert shown(escaped) == text
    assert live_markup(escaped) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_names_too_on_one_line(text: str) -> None:
    escaped = escape_name(text)
    assert "\n" not in escaped
    assert shown(escaped) == " ".join(text.splitlines())
    assert live_markup(escaped) == []


def test_any_text_at_all() -> None:
    alphabet = "ab 1\n\t*_~|`[]()<>@#-+.:/\\!&" + "everyonehere"
    pick = random.Random(11)
    for _ in range(3000):
        text = "".join(pick.choice(alphabet) for _ in range(pick.randint(1, 40)))
        text = text.replace("evr", "@everyone ").replace("her", "@here")
        escaped = escape_text(text)
        assert shown(escaped) == text, text
        assert live_markup(escaped) == [], text


def test_where_discord_py_s_helpers_fall_short() -> None:
    """Why escape.py does not simply call them (and what it adds)."""
    masked = escape_markdown("[**x**](https://evil.example)")
    assert "**x**" in masked, "the text of a masked link is left alone"
    assert escape_markdown("<@&1> <#1> </a:1>") == "<@&1> <#1> </a:1>"
    assert escape_markdown("1. list") == "1. list"
    assert escape_mentions("<#1> </a:1> <@&1> @Everyone") == "<#1> </a:1> <@&1> @Everyone"
    assert escape_text("[**x**](https://evil.example)") == (
        "\\[\\*\\*x\\*\\*\\](https\\://evil.example)"
    )
    assert escape_text("<@&1> <#1> </a:1>") == "\\<@&1> \\<#1> \\</a:1>"
    assert neutralise_mentions("@Everyone @here") == f"@{ZWSP}Everyone @{ZWSP}here"
    assert neutralise_mentions("a@here.io and mail@everyone") == (
        f"a@{ZWSP}here.io and mail@{ZWSP}everyone"
    )


def test_code_text() -> None:
    assert code_text("a`b\nc") == f"a{CODE_LOOKALIKE}b c"


# --- the bot's own markup ------------------------------------------------------------------------
def test_light_markup_becomes_discord_markdown() -> None:
    assert markup("*bold* and _italic_ and `code <x>`") == "**bold** and *italic* and `code <x>`"
    assert markup("• one\n• two") == "• one\n• two"
    assert markup("*Covered*\n• a") == "**Covered**\n• a"
    assert markup("*a `b` c*") == "**a `b` c**"
    # Inside bold a line's start is not one: "**1. x**" is no list, left as is.
    assert markup("*1. Triage*\n1. x") == "**1. Triage**\n1\\. x"
    assert markup("*Leaderboard — x* · y", bold=False) == "Leaderboard — x · y"


def test_content_shows_as_written() -> None:
    text = (
        "readFile(__filename, () => {}) and *Sync APIs, 2*3*4, ~9,000, a|b, [buf]\n"
        "# not a heading\n> not a quote\n- not a list\nsnake_case"
    )
    out = markup(text)
    assert shown(out) == text
    assert live_markup(out) == []


def test_links_in_bot_text_stay_links() -> None:
    out = markup("see https://nodejs.org/api/process.html#signal_events.")
    assert out == "see https://nodejs.org/api/process.html#signal_events."


def test_names_inside_bot_text_are_escaped_and_keep_the_bold_around_them() -> None:
    name = "*Bo_b* @here `x`\n# y"
    out = markup(f"*Your drill stats, {literal(name)}*")
    assert out == "**Your drill stats, \\*Bo\\_b\\* @\u200bhere \\`x\\` # y**"
    assert markup(f"`{literal('a`b')}`") == f"`a{CODE_LOOKALIKE}b`"
    assert markup(f"hi {literal('@everyone')}") == f"hi @{ZWSP}everyone"


def test_instants_become_discord_timestamps() -> None:
    at = dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    unix = int(at.timestamp())
    out = markup(f"*Reveal* {moment(at, 'Mon 30 Nov 17:00')} · soon")
    assert out == f"**Reveal** <t:{unix}:t> (<t:{unix}:R>) · soon"
    assert timestamp(Moment(at, "x")) == f"<t:{unix}:t> (<t:{unix}:R>)"
    # Inside code a timestamp would show raw: the core's own wording instead.
    assert markup(f"`{moment(at, 'Mon 17:00')}`") == "`Mon 17:00`"
