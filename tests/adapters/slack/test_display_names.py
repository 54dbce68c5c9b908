"""People's display names inside the bot's own text reach Slack as written: no bold, italics,
strike-through, code, mention or link made out of them (Home tab, `/drill stats`, the incident
line of the leaderboard, the opening of an `incident here` thread)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.render import message_payload
from bot.content.loader import load_library
from bot.db.sql_store import SqlStore
from bot.domain.items import Incident
from bot.messaging.message import Context, Fields, Message, Quote, Section, Table, literal
from tests.adapters.slack.conftest import ADMIN, ALICE
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, TEAM, SlackHarness

NAME = "*Bo_b* ~x~ `y` <!here> & co"
SHOWN = "∗Bo_b∗ ∼x∼ ˋyˋ &lt;!here&gt; &amp; co"
"""What Slack gets: mrkdwn has no escape character, so a formatting character that could open
or close formatting becomes a look-alike (``_`` inside a word cannot, and stays)."""

LIBRARY = load_library()
SCENARIO = LIBRARY.get("incident-catalog-latency")
assert isinstance(SCENARIO, Incident)


def _mrkdwn(value: Any) -> list[str]:
    """Every mrkdwn text in a list of blocks."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            found.append(str(value["text"]))
        for inner in value.values():
            found += _mrkdwn(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _mrkdwn(inner)
    return found


@pytest.fixture
async def slack(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackHarness]:
    fake.add_person(ALICE, "alice", display_name=NAME)
    async with SlackHarness(fake, store, library=LIBRARY, real_incidents=True) as harness:
        yield harness


async def test_the_home_tab_shows_the_name_as_written(slack: SlackHarness) -> None:
    await slack.send_event(slack.home_opened_body(ALICE))
    [home] = slack.fake.of("views.publish")
    texts = _mrkdwn(home["view"]["blocks"])
    assert f"*drillbot · {SHOWN}*" in texts
    assert not any(NAME in text or "*Bo" in text for text in texts)


async def test_stats_show_the_name_as_written(slack: SlackHarness) -> None:
    body = slack.command_body(ALICE, "stats")
    await slack.post(urlencode(body))
    await slack.settle()
    [answer] = slack.replies_to(body)
    texts = _mrkdwn(answer["blocks"])
    assert f"*Your drill stats, {SHOWN}*" in texts


async def test_an_incident_here_and_its_leaderboard_line_show_the_name_as_written(
    slack: SlackHarness,
) -> None:
    assert isinstance(SCENARIO, Incident)
    await slack.command(ALICE, "incident catalog-latency here")
    [opening] = slack.fake.posts(channel=CHANNEL, thread=False)
    heading = _mrkdwn(opening["blocks"])[0]
    assert f"{SHOWN}'s session (only {SHOWN} can answer)" in heading
    assert heading.startswith(f"*Mock incident: {SCENARIO.title}*")

    thread = opening.response["ts"]
    await slack.send_event(slack.thread_reply_body(ALICE, SCENARIO.stages[0].strong_answer, thread))
    await slack.command(ALICE, "stop")
    slack.fake.clear()
    await slack.command(ALICE, "leaderboard")
    [board] = slack.fake.responses
    line = next(t for t in _mrkdwn(board["blocks"]) if t.startswith("Incident practice"))
    assert f"{SHOWN} 10" in line and NAME not in line


def test_every_slack_text_escapes_literals_and_keeps_the_bots_markup() -> None:
    message = Message(
        text=f"Stats of {literal(NAME)}",
        blocks=(
            Section(f"*Hi {literal(NAME)}* · _snake_case_ {literal('snake_case')}"),
            Context(literal("~a~")),
            Fields((("Name", literal(NAME)),)),
            Quote("answer *text*", author=literal("`Bo`")),
            Table(("#", "name"), (("1", literal(NAME)),)),
        ),
    )
    payload = message_payload(message)
    assert payload["text"] == f"Stats of {SHOWN}"
    section, context, fields, quote, table = payload["blocks"]
    assert section["text"]["text"] == f"*Hi {SHOWN}* · _snake_case_ snake_case"
    assert context["elements"][0]["text"] == "∼a∼"
    assert fields["fields"][0]["text"] == f"*Name*\n{SHOWN}"
    assert quote["text"]["text"].startswith("*ˋBoˋ*\n> answer *text*")
    # In a code block only a backtick (which would end it) needs replacing.
    assert table["text"]["text"].startswith("```\n#  name\n1  *Bo_b* ~x~ 'y' &lt;!here&gt;")
    assert "\u2068" not in str(payload) and "\u2069" not in str(payload)


async def test_a_click_is_answered_before_users_info_and_the_name_is_learnt_after(
    slack: SlackHarness,
) -> None:
    # Alice's first act is a click on Tuesday's MCQ: her feedback must not wait for users.info
    # (a burst of 500 clicks would wait for 500 of them), and her name still reaches the board.
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri mcq-days=tue,wed window=6h")
    await slack.at("2026-12-01T09:30")
    [mcq] = [c for c in slack.fake.posts(channel=CHANNEL, thread=False) if "MCQ" in c["text"]]
    _, click = await slack.click(ALICE, mcq, label="B")
    [feedback] = slack.fake.responses_to(click["response_url"].rsplit("/", 1)[-1])
    [lookup] = [c for c in slack.fake.of("users.info") if c["user"] == ALICE]
    assert lookup.at >= feedback.at
    async with slack.store.transaction() as tx:
        alice = await tx.find_person(TEAM, ALICE)
    assert alice is not None and alice.display_name == NAME

    # Known now (and cached): her next click neither asks again nor renames her.
    await slack.at("2026-12-02T09:30")
    [_, wednesday] = [
        c for c in slack.fake.posts(channel=CHANNEL, thread=False) if "MCQ" in c["text"]
    ]
    await slack.click(ALICE, wednesday, label="A")
    assert len([c for c in slack.fake.of("users.info") if c["user"] == ALICE]) == 1
    async with slack.store.transaction() as tx:
        again = await tx.find_person(TEAM, ALICE)
    assert again == alice
