"""Pictures through Slack: files.uploadV2 (getUploadURLExternal, the upload, then
completeUploadExternal) into the conversation after the message; a private reply's picture
goes to the person's DM; a failed upload never takes the message's text with it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.adapters.slack.chat import PRIVATE_PICTURE, SlackChat, SlackClients, StaticToken
from bot.messaging.message import Image, Message, Section
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import FAST, TEAM, TOKEN

CHANNEL = "C0DRILLS"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
CHART = Image(PNG, "Chart: participation 80% in the week of 5 Oct.", "team-C0DRILLS-2026-10-05.png")


def with_chart(text: str = "Team insights: participation 80%") -> Message:
    return Message(text, blocks=(Section(text), CHART), kind="insights")


@pytest.fixture
async def chat(fake: FakeSlack) -> AsyncIterator[SlackChat]:
    clients = SlackClients(fake.api_url, FAST)
    try:
        yield SlackChat(clients, StaticToken(TOKEN))
    finally:
        await clients.close()


async def test_a_post_uploads_its_picture_into_the_channel(
    fake: FakeSlack, chat: SlackChat
) -> None:
    await chat.post(TEAM, CHANNEL, with_chart())
    [post] = fake.posts(channel=CHANNEL)
    assert "participation 80%" in post["text"]
    assert all(b["type"] != "image" for b in post["blocks"])  # the picture is a file, not a block
    [upload] = fake.files
    assert upload.channel == CHANNEL and upload.filename == CHART.filename
    assert upload.data == PNG and upload.length == len(PNG)
    assert upload.alt_txt == CHART.alt and not upload.thread_ts
    methods = [c.method for c in fake.calls]
    assert methods == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


async def test_a_reply_uploads_into_the_thread(fake: FakeSlack, chat: SlackChat) -> None:
    parent = await chat.post(TEAM, CHANNEL, Message("Weekly board"))
    await chat.reply(TEAM, CHANNEL, parent, with_chart())
    [upload] = fake.files
    assert upload.channel == CHANNEL and upload.thread_ts == parent


async def test_a_message_without_pictures_uploads_nothing(fake: FakeSlack, chat: SlackChat) -> None:
    await chat.post(TEAM, CHANNEL, Message("Daily question"))
    assert not fake.of("files.getUploadURLExternal", ok=None) and not fake.uploads


async def test_a_private_reply_sends_its_picture_by_dm(fake: FakeSlack, chat: SlackChat) -> None:
    await chat.post_private(TEAM, CHANNEL, "UALICE", with_chart())
    [ephemeral] = fake.of("chat.postEphemeral")
    assert ephemeral["user"] == "UALICE" and "participation 80%" in ephemeral["text"]
    [upload] = fake.files
    assert upload.channel == "DUALICE"  # the DM conversations.open gave
    assert upload.initial_comment == PRIVATE_PICTURE


async def test_a_response_url_answer_sends_its_picture_by_dm(
    fake: FakeSlack, chat: SlackChat
) -> None:
    await chat.respond(fake.response_url("r1"), with_chart(), workspace_id=TEAM, user="UBOB")
    [answer] = fake.responses_to("r1")
    assert "participation 80%" in answer["text"]
    [upload] = fake.files
    assert upload.channel == "DUBOB"


@pytest.mark.parametrize(
    ("method", "status", "error"),
    [
        ("files.getUploadURLExternal", 200, "not_allowed_token_type"),
        ("upload", 403, ""),
        ("files.completeUploadExternal", 200, "missing_scope"),
    ],
)
async def test_a_failed_upload_still_delivers_the_text(
    fake: FakeSlack,
    chat: SlackChat,
    caplog: pytest.LogCaptureFixture,
    method: str,
    status: int,
    error: str,
) -> None:
    fake.fail(method, status=status, error=error)
    with caplog.at_level(logging.WARNING, logger="drillbot.slack"):
        ts = await chat.post(TEAM, CHANNEL, with_chart())
    assert ts
    [post] = fake.posts(channel=CHANNEL)
    assert "participation 80%" in post["text"]
    assert fake.files == []
    assert any("could not upload" in r.getMessage() for r in caplog.records)
