"""Spaced practice over HTTP against the fake Web API: the rating buttons under practice
feedback, `remind on` and its direct message with a Start practice button, sent once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.db.sql_store import SqlStore
from tests.adapters.slack.conftest import ADMIN, ALICE
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.adapters.slack.harness import CHANNEL, SlackHarness

ADMIN_SETUP = "setup 09:30 Europe/Berlin mon-fri"


@pytest.fixture
async def slack(fake: FakeSlack, any_store: SqlStore) -> AsyncIterator[SlackHarness]:
    async with SlackHarness(fake, any_store, start="2026-12-03T08:00") as harness:  # Thursday
        yield harness


async def _say(slack: SlackHarness, user: str, text: str) -> Call:
    body = slack.command_body(user, text)
    await slack.post(urlencode(body))
    await slack.settle()
    [reply] = slack.replies_to(body)
    return reply


def _buttons(call: Call) -> list[dict[str, Any]]:
    return [
        element
        for block in call.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def _as_message(reply: Call) -> Call:
    """A private reply as the message a click comes from (it has no ts of its own)."""
    return Call("response", {**reply.params, "channel": CHANNEL}, None, response={"ts": "1.1"})


def _nudges(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.of("chat.postMessage") if "practice question" in c.get("text", "")]


async def test_rating_buttons_and_a_reminder_dm_sent_once(slack: SlackHarness) -> None:
    await _say(slack, ADMIN, ADMIN_SETUP)
    on = await _say(slack, ALICE, "remind on 08:45")
    assert "Reminders are on" in on["text"]
    await _say(slack, ALICE, "mcq caching")
    picked = await _say(slack, ALICE, "pick B")
    assert "Counted as *Good*" in json.dumps(picked["blocks"])
    rating = _buttons(picked)
    assert [b["text"]["text"] for b in rating] == ["Again", "Hard", "Good", "Easy"]
    assert all(b["action_id"].startswith("drillbot.rate.") for b in rating)
    item = rating[0]["value"].rsplit(":", 1)[0]
    assert [b["value"] for b in rating] == [
        f"{item}:{g}" for g in ("again", "hard", "good", "easy")
    ]

    # Alice thinks she guessed: Again. The click answers privately through its response_url.
    _, click = await slack.click(ALICE, _as_message(picked), label="Again")
    [rated] = slack.replies_to(click)
    assert rated["text"].startswith("Rated *Again*")
    async with slack.store.transaction() as tx:
        person = await tx.find_person("T0TEAM", ALICE)
        assert person is not None
        card = await tx.get_review(person.id, item)
    assert card is not None and card.grade.name == "AGAIN" and card.card.reps == 1

    # Friday 08:45: one direct message, however often the scheduler ticks.
    await slack.at("2026-12-04T08:46")
    await slack.engine.tick()
    await slack.at("2026-12-04T12:00")
    [nudge] = _nudges(slack.fake)
    assert nudge["channel"].startswith("D")
    assert nudge["text"] == "You have 1 practice question due."
    [start] = _buttons(nudge)
    assert start["action_id"].startswith("drillbot.practice.") and start["value"] == "start"
    assert [c["users"] for c in slack.fake.of("conversations.open")] == [ALICE]

    # Its button starts practice with the due item.
    _, click = await slack.click(ALICE, nudge, label="Start practice")
    [started] = slack.replies_to(click)
    assert "(1 due now)" in started["text"]
    assert not slack.fake.violations
