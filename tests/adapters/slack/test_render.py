"""Message model → Block Kit: escaping people's text, and staying inside Slack's limits."""

from __future__ import annotations

from bot.adapters.slack.render import (
    ZWJ,
    escape,
    fallback_text,
    home_view,
    message_payload,
    render_blocks,
)
from bot.messaging.message import (
    Action,
    Actions,
    Button,
    Context,
    Divider,
    Fields,
    Message,
    Quote,
    Section,
    Table,
)
from tests.adapters.slack.fake_slack import check_blocks, check_message, check_view

HOSTILE = (
    "<!channel> <!here|here> <@U0BOSS> <!subteam^S1> <https://evil.example|docs> @everyone & co"
)


def test_escape_neutralises_mentions_links_and_broadcasts() -> None:
    out = escape(HOSTILE)
    assert "<" not in out and ">" not in out
    assert "&lt;!channel&gt;" in out and "&lt;@U0BOSS&gt;" in out
    assert "&lt;https://evil.example|docs&gt;" in out
    assert f"@{ZWJ}everyone" in out and "@everyone" not in out
    assert out.endswith("&amp; co")
    assert escape("mail @Here and @channel") == f"mail @{ZWJ}Here and @{ZWJ}channel"
    assert escape("a@channels.io") == "a@channels.io"  # not a broadcast word


def test_quote_and_names_are_escaped_everywhere() -> None:
    message = Message(
        text=f"Leaderboard {HOSTILE}",
        blocks=(
            Section(f"*Your stats, {HOSTILE}*"),
            Quote(HOSTILE, author="<@U0BOSS>"),
            Fields((("Name", HOSTILE),)),
            Context(HOSTILE),
            Table(("#", "name"), (("1", "<!here> ```x```"), ("2", "@channel"))),
        ),
        kind="leaderboard",
    )
    payload = message_payload(message)
    assert check_message(payload) == []
    assert "<" not in payload["text"]
    table = payload["blocks"][-1]["text"]["text"]
    assert table.startswith("```\n") and table.endswith("\n```")
    assert table.count("```") == 2, "a name cannot close the code block"
    assert "&lt;!here&gt;" in table and f"@{ZWJ}channel" in table
    quote = payload["blocks"][1]["text"]["text"]
    assert quote.startswith("*&lt;@U0BOSS&gt;*\n> ")
    assert all(b["text"]["verbatim"] for b in payload["blocks"] if "text" in b)


def test_long_text_is_split_into_sections_of_at_most_3000() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(100)]
    blocks = render_blocks(Message("long", (Section("\n".join(lines)), Section("y" * 7000))))
    assert len(blocks) >= 7
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    joined = "\n".join(b["text"]["text"] for b in blocks)
    assert all(line in joined for line in lines)
    assert joined.count("y") == 7000


def test_split_never_cuts_an_entity() -> None:
    blocks = render_blocks(Message("amp", (Section("&" * 2500),)))
    assert all(b["text"]["text"].count("&amp;") * 5 == len(b["text"]["text"]) for b in blocks)


def test_messages_keep_to_50_blocks_and_views_to_100() -> None:
    many = Message("many", tuple(Section(f"s{n}") for n in range(130)))
    blocks = render_blocks(many)
    assert len(blocks) == 50
    assert "cut short" in blocks[-1]["elements"][0]["text"]
    assert check_blocks(blocks, 50) == []
    view = home_view(many)
    assert len(view["blocks"]) == 100 and view["type"] == "home"
    assert check_view(view) == []


def test_buttons_fields_and_dividers() -> None:
    buttons = tuple(Button(Action.PICK, chr(65 + n % 26) * 80, f"1:{n}") for n in range(30))
    fields = Fields(tuple((f"k{n}", "v") for n in range(12)))
    blocks = render_blocks(Message("x", (Actions(buttons), fields, Divider())))
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    ids = [e["action_id"] for a in actions for e in a["elements"]]
    assert len(set(ids)) == 30 and ids[0] == "drillbot.pick.0"
    assert all(len(e["text"]["text"]) <= 75 for a in actions for e in a["elements"])
    assert [len(b.get("fields", [])) for b in blocks if b["type"] == "section"] == [10, 2]
    assert blocks[-1] == {"type": "divider"}
    assert check_blocks(blocks, 50) == []


def test_primary_button_and_fallback() -> None:
    blocks = render_blocks(
        Message("t", (Actions((Button(Action.ANSWER_OPEN, "Answer", "7", True),)),))
    )
    assert blocks[0]["elements"][0]["style"] == "primary"
    assert blocks[0]["elements"][0]["value"] == "7"
    assert render_blocks(Message("only text"))[0]["text"]["text"] == "only text"
    assert fallback_text(Message("<!here> " + "z" * 5000)).startswith("&lt;!here&gt;")
    assert len(fallback_text(Message("z" * 5000))) == 3000


def test_empty_text_never_reaches_slack() -> None:
    payload = message_payload(Message("", (Section(""), Context(" "), Quote(""), Section("ok"))))
    assert check_message(payload) == []
    assert payload["text"] == "drillbot"
    assert [b["type"] for b in payload["blocks"]] == ["section", "section"]
    assert render_blocks(Message(" ", ()))[0]["text"]["text"] == "drillbot"
