"""End to end over HTTP: a week of drills in a Slack channel, against the fake Web API.

The scheduler's tick runs on a manual clock; people click, type and submit through signed
requests; everything they would read is what the app sent to the fake Slack.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest

from bot.db.sql_store import SqlStore
from bot.domain.model import DrillState
from tests.adapters.slack.conftest import ADMIN, ALICE, BOB
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.adapters.slack.harness import CHANNEL, RETRY, TEAM, SlackHarness

EVE = "UEVE"
HOSTILE_NAME = "<!channel> Eve @here <https://evil.example|x>"
ANSWER = "Keep hot data close to readers, and expire entries with a TTL so they refresh."


def _drills(slack: SlackHarness, heading: str) -> list[Call]:
    return [c for c in slack.fake.posts(channel=CHANNEL, thread=False) if heading in c["text"]]


def _shown(call: Call) -> str:
    return json.dumps(call["blocks"], ensure_ascii=False)


async def _answers(slack: SlackHarness, drill_id: int) -> int:
    async with slack.store.transaction() as tx:
        return len(await tx.drill_answers(drill_id))


@pytest.fixture
async def everywhere(fake: FakeSlack, any_store: SqlStore) -> AsyncIterator[SlackHarness]:
    async with SlackHarness(fake, any_store) as harness:
        yield harness


async def test_a_week_of_drills_in_a_channel(everywhere: SlackHarness) -> None:
    slack = everywhere
    fake = slack.fake
    fake.add_person(EVE, "eve", display_name=HOSTILE_NAME)
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri mcq-days=tue window=6h")

    # Monday 09:30: the open question is posted, with an Answer button.
    await slack.at("2026-11-30T09:30")
    [drill] = _drills(slack, "Daily question")
    button = drill["blocks"][2]["elements"][0]
    assert button["text"]["text"] == "Answer" and button["style"] == "primary"
    drill_id = int(button["value"])
    assert "0 answers so far" in json.dumps(drill["blocks"])

    # Alice answers in the modal; her feedback is private; the count goes up, nothing else.
    await slack.click(ALICE, drill, label="Answer")
    [opened] = fake.of("views.open")
    element = opened["view"]["blocks"][-1]["element"]
    assert element["type"] == "plain_text_input" and element["multiline"]
    assert element["max_length"] == 3000
    assert "Explain how" in json.dumps(opened["view"]["blocks"][:-1])  # the question is shown
    submission = slack.submission_body(ALICE, opened, {"answer": ANSWER})
    assert (await slack.submit(submission)).text == ""
    [feedback] = fake.of("chat.postEphemeral")
    assert (feedback["channel"], feedback["user"]) == (CHANNEL, ALICE)
    assert "Answer recorded" in feedback["text"]
    assert "key points covered: 2 of 2" in feedback["text"]
    [update] = fake.of("chat.update")
    assert update["ts"] == drill.response["ts"] and "1 answer so far" in json.dumps(
        update["blocks"]
    )

    # Slack retries the same submission: still one answer, and no second count refresh.
    retry = await slack.submit(submission, headers=RETRY)
    assert retry.status == 200
    assert await _answers(slack, drill_id) == 1

    # Eve, whose display name tries to ping everyone, answers too.
    await slack.click(EVE, drill, label="Answer")
    eve_form = fake.of("views.open")[-1]
    await slack.submit(slack.submission_body(EVE, eve_form, {"answer": "TTL expiry <!here>"}))
    assert await _answers(slack, drill_id) == 2

    # 15:30: the reveal, in the drill's thread; nobody's answer text is shown in the channel.
    await slack.at("2026-11-30T15:30")
    [reveal] = fake.posts(channel=CHANNEL, thread=True)
    assert reveal["thread_ts"] == drill.response["ts"]
    assert reveal["text"].startswith("Reveal:") and "Model answer" in json.dumps(reveal["blocks"])
    public = [*fake.posts(channel=CHANNEL), *fake.of("chat.update")]
    assert all(ANSWER not in json.dumps(c.params) for c in public)

    # Too late now: a click on the old button gets the core's explanation, privately.
    await slack.click(BOB, drill, label="Answer")
    late_form = fake.of("views.open")[-1]
    await slack.submit(slack.submission_body(BOB, late_form, {"answer": "late"}))
    assert "closed" in fake.of("chat.postEphemeral")[-1]["text"]

    # Tuesday: a multiple-choice question with one button per option.
    await slack.at("2026-12-01T09:30")
    [mcq] = _drills(slack, "Daily MCQ")
    options = [e["text"]["text"] for e in mcq["blocks"][2]["elements"]]
    assert options == ["A", "B", "C"]
    mcq_id = int(mcq["blocks"][2]["elements"][0]["value"].split(":")[0])

    _, click = await slack.click(BOB, mcq, label="B", action_ts="1764578000.000100")
    [right] = slack.fake.responses_to(click["response_url"].rsplit("/", 1)[-1])
    assert right["response_type"] == "ephemeral" and "*B* is right" in _shown(right)
    # Slack retries that click (same action_ts): counted once, same feedback.
    again = slack.action_body(BOB, mcq, label="B", action_ts="1764578000.000100")
    await slack.send_action(again, headers=RETRY)
    # A double click on another option: the first choice stands.
    _, other = await slack.click(BOB, mcq, label="C", action_ts="1764578001.000200")
    [second] = slack.fake.responses_to(other["response_url"].rsplit("/", 1)[-1])
    assert "first choice is the one that counts" in json.dumps(second["blocks"])
    _, wrong = await slack.click(ALICE, mcq, label="A")
    [no] = slack.fake.responses_to(wrong["response_url"].rsplit("/", 1)[-1])
    assert "*A* is not right" in _shown(no)
    assert await _answers(slack, mcq_id) == 2
    counts = [
        json.dumps(c["blocks"]) for c in fake.of("chat.update") if c["ts"] == mcq.response["ts"]
    ]
    assert counts and "2 answers so far" in counts[-1]
    # The update changes the count and nothing else: no choices, no names.
    assert counts[-1].replace("2 answers so far", "0 answers so far") == json.dumps(mcq["blocks"])

    # The MCQ reveal, then Friday's leaderboard in the channel, names escaped.
    await slack.at("2026-12-04T16:00")
    mcq_reveal = [
        c for c in fake.posts(channel=CHANNEL, thread=True) if c["thread_ts"] == mcq.response["ts"]
    ]
    assert mcq_reveal and "the answer is B" in mcq_reveal[0]["text"]
    [board] = [c for c in fake.posts(channel=CHANNEL, thread=False) if "Leaderboard" in c["text"]]
    table = next(b["text"]["text"] for b in board["blocks"] if b["text"]["text"].startswith("```"))
    assert "Alice" in table and "Bob" in table
    assert "&lt;!channel&gt; Eve @\u200dhere" in table
    assert "<!channel>" not in fake.texts() and "<!here>" not in fake.texts()
    assert "<https://evil" not in fake.texts()

    async with slack.store.transaction() as tx:
        drills = [await tx.get_drill(drill_id), await tx.get_drill(mcq_id)]
    assert all(d is not None and d.state is DrillState.POSTED and d.revealed_at for d in drills)


async def test_answer_by_command_in_the_channel(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
    await slack.at("2026-11-30T09:30")
    body = slack.command_body(ALICE, f"answer {ANSWER}")
    await slack.post(urlencode(body))
    await slack.settle()
    [feedback] = slack.replies_to(body)
    assert feedback["response_type"] == "ephemeral" and "Answer recorded" in feedback["text"]
    assert slack.fake.of("chat.update")


async def test_practice_mcq_buttons_answer_privately(slack: SlackHarness) -> None:
    body = slack.command_body(BOB, "mcq caching")
    await slack.post(urlencode(body))
    await slack.settle()
    [question] = slack.replies_to(body)
    assert question["response_type"] == "ephemeral"
    # A practice question shown with response_url is an ephemeral message: its buttons work.
    practice = Call("chat.postEphemeral", {**question.params, "channel": CHANNEL}, None)
    practice.response = {"ts": "1700000000.999999"}
    _, click = await slack.click(BOB, practice, label="B")
    [feedback] = slack.fake.responses_to(click["response_url"].rsplit("/", 1)[-1])
    assert "*B* is right" in _shown(feedback)
    assert slack.fake.posts() == []


async def test_a_workspace_id_is_the_team_id(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
    async with slack.store.transaction() as tx:
        channels = await tx.channels(TEAM)
    assert [c.external_id for c in channels] == [CHANNEL]
