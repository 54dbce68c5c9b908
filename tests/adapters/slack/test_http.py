"""Signed requests over HTTP into the running app: verification, commands, the schedule form,
App Home, direct messages. What reaches Slack is read from the fake Web API."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.messaging.message import Message, Replies
from bot.services.answers import Actor
from bot.services.commands import Where
from tests.adapters.slack.conftest import ADMIN, ALICE, BOB
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, RETRY, SECRET, TEAM, SlackHarness, sign


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- request verification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong secret", "stale timestamp", "tampered body", "future timestamp"],
)
async def test_bad_signatures_are_rejected_and_reach_nothing(slack: SlackHarness, how: str) -> None:
    body = urlencode(slack.command_body(ALICE, "leaderboard"))
    if how == "unsigned":
        reply = await slack.post(body, signed=False)
    elif how == "wrong secret":
        reply = await slack.post(body, secret="not-the-signing-secret")
    elif how == "stale timestamp":
        reply = await slack.post(body, timestamp=int(time.time()) - 6 * 60)
    elif how == "future timestamp":
        reply = await slack.post(body, timestamp=int(time.time()) + 6 * 60)
    else:
        headers = sign(SECRET, body)
        reply = await slack.post(body + "&text=setup", signed=False, headers=headers)
    assert reply.status == 401
    await slack.settle()
    assert slack.fake.responses == []
    assert [c.method for c in slack.fake.calls] == ["auth.test"]  # the start-up check only


async def test_url_verification_is_answered(slack: SlackHarness) -> None:
    body = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})
    reply = await slack.post(body, "application/json")
    assert reply.status == 200 and reply.json() == {"challenge": "c-123"}


# --- /drill -----------------------------------------------------------------------------------


async def test_help_lists_every_command_privately(slack: SlackHarness) -> None:
    body = slack.command_body(ALICE, "help")
    reply = await slack.post(urlencode(body))
    assert (reply.status, reply.text) == (200, "")
    await slack.settle()
    [answer] = slack.replies_to(body)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    text = answer["blocks"][0]["text"]["text"]
    for command in ("question", "mcq", "answer", "pick", "leaderboard", "stats", "away"):
        assert f"`{command}" in text
    assert "Channel admins also have `setup`" in text
    assert slack.fake.posts() == []


async def test_admin_help_shows_admin_commands(slack: SlackHarness) -> None:
    body = slack.command_body(ADMIN, "")
    await slack.post(urlencode(body))
    await slack.settle()
    [answer] = slack.replies_to(body)
    assert "*Admins*" in answer["blocks"][0]["text"]["text"]


async def test_admin_rights_come_from_users_info_and_are_cached(slack: SlackHarness) -> None:
    refused = slack.command_body(ALICE, "setup 09:30 Europe/Berlin mon-fri")
    await slack.post(urlencode(refused))
    await slack.command(ALICE, "pause")
    await slack.settle()
    [answer] = slack.replies_to(refused)
    assert "Only workspace admins" in answer["text"]
    assert len(slack.fake.of("users.info")) == 1, "the second command used the cache"
    done = slack.command_body(ADMIN, "setup 09:30 Europe/Berlin mon-fri window=6h")
    await slack.post(urlencode(done))
    await slack.settle()
    [answer] = slack.replies_to(done)
    assert "Drills are set up for #drills" in answer["text"]


async def test_unknown_command_gets_the_cores_message(slack: SlackHarness) -> None:
    body = slack.command_body(BOB, "leaderbord")
    await slack.post(urlencode(body))
    await slack.settle()
    [answer] = slack.replies_to(body)
    assert "Unknown command `leaderbord`" in answer["text"] and "leaderboard" in answer["text"]


async def test_commands_in_a_direct_message_have_no_channel(slack: SlackHarness) -> None:
    seen: list[Where] = []
    real = slack.engine.command

    async def spy(actor: Actor, where: Where, text: str, delivery: str) -> Replies:
        seen.append(where)
        return await real(actor, where, text, delivery)

    slack.engine.command = spy  # type: ignore[method-assign]
    body = slack.command_body(BOB, "pick B", channel="DBOB", channel_name="directmessage")
    await slack.post(urlencode(body))
    await slack.settle()
    assert seen == [Where(None, "")]
    [answer] = slack.replies_to(body)
    assert "no multiple-choice question waiting" in answer["text"]


async def test_ack_comes_before_slow_work(slack: SlackHarness) -> None:
    release = asyncio.Event()
    real = slack.engine.command

    async def slow(actor: Actor, where: Where, text: str, delivery: str) -> Replies:
        await release.wait()
        return await real(actor, where, text, delivery)

    slack.engine.command = slow  # type: ignore[method-assign]
    body = slack.command_body(ALICE, "stats")
    reply = await slack.post(urlencode(body))
    assert reply.status == 200 and reply.elapsed < 1.0
    assert slack.replies_to(body) == []
    release.set()
    await slack.settle()
    assert len(slack.replies_to(body)) == 1


# --- the schedule form ------------------------------------------------------------------------


async def _open_setup(slack: SlackHarness) -> Any:
    await slack.command(ADMIN, "setup")
    [opened] = slack.fake.of("views.open")
    assert opened["view"]["callback_id"] == "drillbot.setup"
    return opened


async def test_bare_setup_opens_the_form_for_admins_only(slack: SlackHarness) -> None:
    body = slack.command_body(ALICE, "setup")
    await slack.post(urlencode(body))
    await slack.settle()
    assert slack.fake.of("views.open") == []
    assert "Only workspace admins" in slack.replies_to(body)[0]["text"]
    opened = await _open_setup(slack)
    blocks = {b.get("block_id"): b for b in opened["view"]["blocks"]}
    assert {"time", "zone", "days", "mcq_days", "window", "leaderboard", "topics", "levels"} <= set(
        blocks
    )
    assert blocks["time"]["element"]["initial_value"] == "09:30"
    assert opened["trigger_id"].endswith(".trigger")


async def test_setup_form_saves_through_the_core(slack: SlackHarness) -> None:
    opened = await _open_setup(slack)
    values = {
        "time": "08:45",
        "zone": "Europe/Berlin",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "mcq_days": ["wed"],
        "window": "4h",
        "leaderboard": "fri 15:00",
        "topics": "",
        "levels": "",
    }
    reply = await slack.submit(slack.submission_body(ADMIN, opened, values))
    assert (reply.status, reply.text) == (200, "")  # closes the form
    [notice] = slack.fake.of("chat.postEphemeral")
    assert notice["user"] == ADMIN and notice["channel"] == CHANNEL
    assert "Drills are set up" in notice["text"] and "08:45" in notice["text"]
    async with slack.store.transaction() as tx:
        channel = await tx.find_channel(TEAM, CHANNEL)
    assert channel is not None and channel.schedule is not None
    assert channel.schedule.mcq_days == ("wed",)
    # The form opens again with what is saved.
    slack.fake.clear()
    opened = await _open_setup(slack)
    blocks = {b.get("block_id"): b for b in opened["view"]["blocks"]}
    assert blocks["time"]["element"]["initial_value"] == "08:45"
    assert blocks["window"]["element"]["initial_value"] == "4h"


async def test_setup_form_shows_the_cores_error_on_the_field(slack: SlackHarness) -> None:
    opened = await _open_setup(slack)
    values = {"time": "09:30", "zone": "Mars/Olympus", "days": ["mon"], "window": "6h"}
    reply = await slack.submit(slack.submission_body(ADMIN, opened, values))
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["zone"]
    assert "Mars/Olympus" in answer["errors"]["zone"] and "`" not in answer["errors"]["zone"]
    assert slack.fake.of("chat.postEphemeral") == []
    async with slack.store.transaction() as tx:
        channel = await tx.find_channel(TEAM, CHANNEL)
    assert channel is None or channel.schedule is None


# --- App Home ---------------------------------------------------------------------------------


async def test_home_tab_is_published_and_admins_pause_and_resume(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
    await slack.send_event(slack.home_opened_body(ALICE))
    [alice_home] = slack.fake.of("views.publish")
    assert alice_home["user_id"] == ALICE and alice_home["view"]["type"] == "home"
    text = _text(alice_home["view"])
    assert "drillbot · Alice" in text and "Pause" not in text

    await slack.send_event(slack.home_opened_body(ADMIN))
    admin_home = slack.fake.of("views.publish")[-1]
    assert admin_home["user_id"] == ADMIN
    channel_id = next(
        e["value"]
        for b in admin_home["view"]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Pause"
    )
    await slack.send_action(slack.home_action_body(ADMIN, admin_home["view"], channel_id))
    republished = slack.fake.of("views.publish")[-1]
    text = _text(republished["view"])
    assert "Drills paused" in text and "Resume" in text
    async with slack.store.transaction() as tx:
        channel = await tx.find_channel(TEAM, CHANNEL)
    assert channel is not None and channel.schedule is not None and channel.schedule.paused

    await slack.send_action(slack.home_action_body(ADMIN, republished["view"], channel_id))
    assert "Drills resumed" in _text(slack.fake.of("views.publish")[-1]["view"])


async def test_a_non_admin_cannot_pause_with_a_forged_click(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
    await slack.send_event(slack.home_opened_body(ADMIN))
    admin_home = slack.fake.of("views.publish")[-1]["view"]
    async with slack.store.transaction() as tx:
        channel = await tx.find_channel(TEAM, CHANNEL)
    assert channel is not None
    await slack.send_action(slack.home_action_body(BOB, admin_home, str(channel.id)))
    bob_home = slack.fake.of("views.publish")[-1]
    assert bob_home["user_id"] == BOB and "Only workspace admins" in _text(bob_home["view"])
    async with slack.store.transaction() as tx:
        again = await tx.find_channel(TEAM, CHANNEL)
    assert again is not None and again.schedule is not None and not again.schedule.paused


# --- direct messages --------------------------------------------------------------------------


class EchoIncidents:
    """Stands in for the incident sessions: records what arrives, answers once per delivery."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    async def handle(self, actor: Actor, where: Where, command: object, delivery: str) -> Replies:
        return Replies().direct(Message("incident command"))

    async def handle_message(
        self, actor: Actor, where: Where, text: str, delivery: str
    ) -> Replies | None:
        first = delivery not in {d for _, _, d in self.seen}
        self.seen.append((actor.user_id, text, delivery))
        return Replies().direct(Message(f"stage answer: {text}")) if first else Replies()

    async def close_idle(self, now: object) -> None:
        pass

    async def points(self, workspace_id: str, start: object, end: object) -> dict[int, int]:
        return {}


@pytest.fixture
async def with_incidents(fake: FakeSlack, store: Any) -> Any:
    incidents = EchoIncidents()
    async with SlackHarness(fake, store, incidents=incidents) as harness:
        yield harness, incidents


async def test_direct_messages_reach_the_core_once_per_event(with_incidents: Any) -> None:
    slack, incidents = with_incidents
    body = slack.direct_message_body(BOB, "check the <!here> dashboards")
    assert (await slack.send_event(body)).status == 200
    retry = await slack.send_event(body, headers=RETRY)
    assert retry.status == 200
    assert [(u, t) for u, t, _ in incidents.seen] == [(BOB, "check the <!here> dashboards")] * 2
    assert incidents.seen[0][2] == incidents.seen[1][2], "a retry carries the same delivery"
    [answer] = slack.fake.posts(channel=f"D{BOB}")
    assert "stage answer: check the &lt;!here&gt; dashboards" in answer["text"]


async def test_bot_and_edited_messages_are_ignored(with_incidents: Any) -> None:
    slack, incidents = with_incidents
    own = slack.direct_message_body(BOB, "from a bot")
    own["event"]["bot_id"] = "BOTHER"
    edited = slack.direct_message_body(BOB, "edited")
    edited["event"]["subtype"] = "message_changed"
    channel = slack.direct_message_body(BOB, "in a channel")
    channel["event"]["channel_type"] = "channel"
    for body in (own, edited, channel):
        assert (await slack.send_event(body)).status == 200
    assert incidents.seen == []


async def test_incident_commands_answer_by_direct_message(with_incidents: Any) -> None:
    slack, _ = with_incidents
    await slack.command(BOB, "incident")
    [opened] = slack.fake.of("conversations.open")
    assert opened["users"] == BOB
    [dm] = slack.fake.posts(channel=f"D{BOB}")
    assert dm["text"] == "incident command"
