"""``literal()``: a person's name inside the bot's own text, shown exactly as written."""

from __future__ import annotations

from bot.adapters.console.render import render
from bot.messaging.message import (
    Context,
    Fields,
    Message,
    Section,
    Table,
    literal,
    literal_parts,
    unmarked,
)

NAME = "*Bo_b* ~x~ `y`"


def test_literal_parts_find_the_names_and_drop_the_marks() -> None:
    text = f"*Hi {literal(NAME)}* and {literal('')}{literal('a')}!"
    assert literal_parts(text) == [
        ("*Hi ", False),
        (NAME, True),
        ("* and ", False),
        ("", True),
        ("a", True),
        ("!", False),
    ]
    assert unmarked(text) == f"*Hi {NAME}* and a!"
    assert literal_parts("") == [("", False)]
    # A name cannot end its own literal early, whatever it contains.
    assert literal_parts(literal("a\u2069*b*\u2068")) == [("a*b*", True)]


def test_the_console_prints_names_as_written_and_bot_markup_as_before() -> None:
    message = Message(
        text=f"Stats of {literal(NAME)}",
        blocks=(
            Section(f"*Your drill stats, {literal(NAME)}*"),
            Context(f"Incident practice (kept apart): {literal('*Al*')} 10"),
            Fields((("Name", literal(NAME)),)),
            Table(("#", "name"), (("1", literal(NAME)),)),
        ),
    )
    assert [line.rstrip() for line in render(message)] == [
        f"Your drill stats, {NAME}",
        "(Incident practice (kept apart): *Al* 10)",
        f"Name  {NAME}",
        "#  name",
        f"1  {NAME}",
    ]
    assert render(Message(text=f"Stats of {literal(NAME)}")) == [f"Stats of {NAME}"]
