"""A real mock incident in Slack: started by /drill, answered by direct message or by form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.content.loader import load_library
from bot.db.incident_store import SqlIncidentStore
from bot.db.sql_store import SqlStore
from bot.domain.items import Incident
from bot.services.incident_store import IncidentSession
from tests.adapters.slack.conftest import ALICE, BOB
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, RETRY, TEAM, SlackHarness

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


async def stage_of(slack: SlackHarness, user: str) -> IncidentSession | None:
    """The user's active session, as stored."""
    async with slack.store.transaction() as tx:
        person = await tx.find_person(TEAM, user)
    assert person is not None
    assert isinstance(slack.store, SqlStore)
    async with SqlIncidentStore.over(slack.store).transaction() as itx:
        return await itx.active(person.id)


async def test_slack_retries_of_earlier_answers_hints_and_skips_do_nothing(
    slack: SlackHarness,
) -> None:
    assert isinstance(SCENARIO, Incident)
    first, second = SCENARIO.stages[:2]
    await slack.command(BOB, "incident catalog-latency")
    hint = slack.direct_message_body(BOB, "hint")
    answer_1 = slack.direct_message_body(BOB, first.strong_answer)
    answer_2 = slack.direct_message_body(BOB, second.strong_answer)
    skip_3 = slack.direct_message_body(BOB, "skip")
    for body in (hint, answer_1, answer_2, skip_3):
        assert (await slack.send_event(body)).status == 200
    sent = len(slack.fake.posts(channel=f"D{BOB}"))
    before = await stage_of(slack, BOB)
    assert before is not None and before.stage_index == 3
    assert before.hinted_stages == (first.id,)

    # Slack sends each again (same event_id): the earliest would otherwise be graded, hint or
    # skip against the current stage, 4.
    for body in (answer_1, hint, skip_3, answer_2):
        assert (await slack.send_event(body, headers=RETRY)).status == 200

    assert len(slack.fake.posts(channel=f"D{BOB}")) == sent, "a retry sends nothing"
    assert await stage_of(slack, BOB) == before


async def test_a_form_opened_on_a_stage_that_passed_is_not_graded(slack: SlackHarness) -> None:
    assert isinstance(SCENARIO, Incident)
    first, second, third = SCENARIO.stages[:3]
    await slack.command(BOB, "incident catalog-latency")
    opening = slack.fake.posts(channel=f"D{BOB}")[-1]
    await slack.click(BOB, opening, label="Answer in a form")
    [stage_1_form] = slack.fake.of("views.open")
    assert json.loads(stage_1_form["view"]["private_metadata"]) == {"form": f"{SCENARIO.id}:0"}
    # Meanwhile stage 1 is answered by direct message.
    await slack.send_event(slack.direct_message_body(BOB, first.strong_answer))
    prompt_2 = slack.fake.posts(channel=f"D{BOB}")[-1]

    late = slack.submission_body(BOB, stage_1_form, {"answer": second.strong_answer})
    assert (await slack.submit(late)).status == 200
    notice, prompt = dms_to(slack, BOB)[-2:]
    assert "Stage 1 has passed" in notice and "you are on stage 2 of 4 now" in notice
    assert f"Stage 2 of 4: {second.prompt}"[:60] in prompt
    session = await stage_of(slack, BOB)
    assert session is not None and session.stage_index == 1 and len(session.results) == 1

    # The form of the current stage is graded, once however often it arrives.
    await slack.click(BOB, prompt_2, label="Answer in a form")
    stage_2_form = slack.fake.of("views.open")[-1]
    body = slack.submission_body(BOB, stage_2_form, {"answer": second.strong_answer})
    await slack.submit(body)
    feedback, prompt_3 = dms_to(slack, BOB)[-2:]
    assert f"Stage 2 of 4 · {second.title}" in feedback
    assert f"Stage 3 of 4: {third.prompt}"[:60] in prompt_3
    sent = len(slack.fake.posts(channel=f"D{BOB}"))
    await slack.submit(body, headers=RETRY)
    assert len(slack.fake.posts(channel=f"D{BOB}")) == sent
    session = await stage_of(slack, BOB)
    assert session is not None and session.stage_index == 2
