"""A real mock incident in Slack: started by /drill, answered by direct message or by form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.content.loader import load_library
from bot.db.sql_store import SqlStore
from bot.domain.items import Incident
from tests.adapters.slack.conftest import ALICE, BOB
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, SlackHarness

LIBRARY = load_library()
SCENARIO = LIBRARY.get("incident-catalog-latency")
assert isinstance(SCENARIO, Incident)


@pytest.fixture
async def slack(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackHarness]:
    async with SlackHarness(fake, store, library=LIBRARY, real_incidents=True) as harness:
        yield harness


def dms_to(slack: SlackHarness, user: str) -> list[str]:
    """Everything each direct message to the user says: its text and its blocks."""
    return [
        call.get("text", "") + json.dumps(call.get("blocks") or [], ensure_ascii=False)
        for call in slack.fake.posts(channel=f"D{user}")
    ]


async def test_a_scenario_runs_in_direct_messages_and_by_form(slack: SlackHarness) -> None:
    assert isinstance(SCENARIO, Incident)
    first, second, third, fourth = SCENARIO.stages
    await slack.command(BOB, "incident catalog-latency")
    opening = slack.fake.posts(channel="DUBOB")[-1]
    assert f"Mock incident: {SCENARIO.title}" in opening["text"]

    # Stage 1 by direct message, with the model walk-through itself: every point, no red flag.
    await slack.send_event(slack.direct_message_body(BOB, first.strong_answer))
    feedback = dms_to(slack, BOB)[-2]
    assert f"Stage 1 of 4 · {first.title}" in feedback and "10 points of 10" in feedback
    assert "Red flags" not in feedback
    prompt = slack.fake.posts(channel="DUBOB")[-1]
    assert f"Stage 2 of 4: {second.prompt}"[:60] in prompt["text"]

    # Stage 2 by the form the prompt offers.
    await slack.click(BOB, prompt, label="Answer in a form")
    [opened] = slack.fake.of("views.open")
    assert opened["view"]["callback_id"] == "drillbot.incident_answer"
    await slack.submit(slack.submission_body(BOB, opened, {"answer": second.strong_answer}))
    assert f"Stage 2 of 4 · {second.title}" in dms_to(slack, BOB)[-2]

    # A weak answer to stage 3 names the red flag it shows.
    await slack.send_event(slack.direct_message_body(BOB, "I would just restart all the pods."))
    weak = dms_to(slack, BOB)[-2]
    assert f"Stage 3 of 4 · {third.title}" in weak and "Red flags" in weak

    # Alice has no session: her message does not reach Bob's.
    await slack.send_event(slack.direct_message_body(ALICE, fourth.strong_answer))
    assert "no mock incident waiting" in dms_to(slack, ALICE)[-1]

    await slack.send_event(slack.direct_message_body(BOB, fourth.strong_answer))
    debrief = dms_to(slack, BOB)[-1]
    assert f"Debrief: {SCENARIO.title}" in debrief


async def test_a_scenario_runs_in_a_channel_thread_with_here(slack: SlackHarness) -> None:
    assert isinstance(SCENARIO, Incident)
    first, second = SCENARIO.stages[:2]
    reply = await slack.command(BOB, "incident catalog-latency here")
    assert reply.status == 200
    [opening] = slack.fake.posts(channel=CHANNEL, thread=False)
    assert f"Mock incident: {SCENARIO.title}" in opening["text"]
    assert "Bob's session (only Bob can answer)" in json.dumps(
        opening["blocks"], ensure_ascii=False
    )
    thread_ts = opening.response["ts"]
    assert slack.fake.of("conversations.open") == []  # nothing by direct message

    # Someone else's reply in the thread is conversation, not an answer.
    await slack.send_event(slack.thread_reply_body(ALICE, "restart all the pods!", thread_ts))
    assert slack.fake.posts(channel=CHANNEL, thread=True) == []

    await slack.send_event(slack.thread_reply_body(BOB, first.strong_answer, thread_ts))
    in_thread = slack.fake.posts(channel=CHANNEL, thread=True)
    assert {c["thread_ts"] for c in in_thread} == {thread_ts}
    feedback, prompt = (c["text"] + json.dumps(c["blocks"], ensure_ascii=False) for c in in_thread)
    assert f"Stage 1 of 4 · {first.title}" in feedback and "10 points of 10" in feedback
    assert f"Stage 2 of 4: {second.prompt}"[:60] in prompt

    # `/drill stop` typed in the channel ends it with the debrief in the same thread.
    await slack.command(BOB, "stop")
    debrief = slack.fake.posts(channel=CHANNEL, thread=True)[-1]
    assert debrief["thread_ts"] == thread_ts and f"Debrief: {SCENARIO.title}" in debrief["text"]
