"""SlackChat stamps every keyed post with message metadata and finds it again: the look a
process makes before posting a message whose earlier attempt may have landed."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.adapters.slack.chat import METADATA_EVENT, SlackChat, SlackClients, StaticToken
from bot.messaging.message import Message
from bot.messaging.port import ChatError
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import FAST, TEAM, TOKEN

CHANNEL = "C0DRILLS"


@pytest.fixture
async def chat(fake: FakeSlack) -> AsyncIterator[SlackChat]:
    clients = SlackClients(fake.api_url, FAST)
    try:
        yield SlackChat(clients, StaticToken(TOKEN))
    finally:
        await clients.close()


def since() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)


async def test_a_keyed_post_carries_its_key_and_is_found(fake: FakeSlack, chat: SlackChat) -> None:
    ts = await chat.post(TEAM, CHANNEL, Message("Daily question", key="drill:7"))
    [call] = fake.posts(channel=CHANNEL)
    assert call["metadata"] == {"event_type": METADATA_EVENT, "event_payload": {"key": "drill:7"}}
    assert await chat.find_posted(TEAM, CHANNEL, "drill:7", since()) == ts
    assert await chat.find_posted(TEAM, CHANNEL, "drill:8", since()) is None
    [history, _] = fake.of("conversations.history")
    assert str(history["include_all_metadata"]).lower() in ("true", "1")
    assert float(history["oldest"]) < since().timestamp()


async def test_an_unkeyed_post_has_no_metadata(fake: FakeSlack, chat: SlackChat) -> None:
    await chat.post(TEAM, CHANNEL, Message("A private practice question"))
    [call] = fake.posts(channel=CHANNEL)
    assert "metadata" not in call.params


async def test_a_reply_is_found_in_its_thread(fake: FakeSlack, chat: SlackChat) -> None:
    parent = await chat.post(TEAM, CHANNEL, Message("Daily question", key="drill:1"))
    reveal = await chat.reply(TEAM, CHANNEL, parent, Message("Reveal", key="reveal:1"))
    assert await chat.find_posted(TEAM, CHANNEL, "reveal:1", since(), thread=parent) == reveal
    # conversations.history lists top-level messages only: a thread reply is found by replies
    assert await chat.find_posted(TEAM, CHANNEL, "reveal:1", since()) is None
    assert fake.of("conversations.replies")


async def test_the_look_reads_every_page(fake: FakeSlack, chat: SlackChat) -> None:
    wanted = await chat.post(TEAM, CHANNEL, Message("Weekly board", key="board:1:2026-W49"))
    for n in range(450):  # newer messages push it to the third page of 200
        fake.messages[CHANNEL].append({"type": "message", "ts": f"{wanted}{n:04d}", "text": "x"})
    assert await chat.find_posted(TEAM, CHANNEL, "board:1:2026-W49", since()) == wanted
    assert len(fake.of("conversations.history")) == 3


async def test_a_direct_message_is_found_in_the_dm(fake: FakeSlack, chat: SlackChat) -> None:
    ts = await chat.send_direct(TEAM, "UALICE", Message("Debrief", key="debrief:3"))
    assert ts
    assert await chat.find_direct(TEAM, "UALICE", "debrief:3", since()) == ts
    assert await chat.find_direct(TEAM, "UBOB", "debrief:3", since()) is None


async def test_a_look_that_fails_raises_so_nothing_is_posted_blind(
    fake: FakeSlack, chat: SlackChat
) -> None:
    fake.fail("conversations.history", status=503, times=10)
    with pytest.raises(ChatError):
        await chat.find_posted(TEAM, CHANNEL, "drill:1", since())


async def test_an_install_that_may_never_look_posts_again(fake: FakeSlack, chat: SlackChat) -> None:
    fake.fail("conversations.history", error="missing_scope")
    assert await chat.find_posted(TEAM, CHANNEL, "drill:1", since()) is None
