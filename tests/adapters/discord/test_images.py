"""Pictures through Discord: an attachment (``discord.File``, multipart/form-data with
``payload_json`` and ``files[n]``) on the message, in a channel post, a DM and an interaction's
private reply; a refused attachment never takes the message's text with it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.adapters.discord.render import render
from bot.messaging.message import Image, Message, Replies, Section
from tests.adapters.discord.bot_harness import DiscordHarness, shown_text
from tests.adapters.discord.fake_discord import ATTACH_FILES, EPHEMERAL

POST = "POST /channels/{channel_id}/messages"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
CHART = Image(PNG, "Chart: participation 80% in the week of 5 Oct.", "team-chart.png")


def with_chart(text: str = "Team insights: participation 80%", key: str | None = None) -> Message:
    return Message(text, blocks=(Section(text), CHART), kind="insights", key=key)


def test_the_picture_rides_on_the_last_part() -> None:
    long = "\n\n".join(f"Paragraph {n}: " + "words " * 300 for n in range(8))
    payloads = render(with_chart(long))
    assert len(payloads) > 1
    assert [p.files for p in payloads] == [()] * (len(payloads) - 1) + [(CHART,)]
    assert all("team-chart" not in shown for p in payloads for shown in (p.content,))


async def test_a_post_carries_its_picture_as_an_attachment(bot: DiscordHarness) -> None:
    chat, channel = bot.runtime.chat, str(bot.channel.id)
    ref = await chat.post(bot.workspace, channel, with_chart(key="board:1"))
    [call] = bot.fake.of(POST)
    assert call.headers["Content-Type"].startswith("multipart/form-data")
    [sent] = call.files
    assert sent.field == "files[0]" and sent.filename == "team-chart.png" and sent.data == PNG
    assert call["attachments"][0]["description"] == CHART.alt
    [message] = bot.posts()
    assert message["id"] == ref and "participation 80%" in shown_text(message)
    [attachment] = message["attachments"]
    assert attachment["filename"] == "team-chart.png" and attachment["size"] == len(PNG)
    assert bot.fake.attachments[int(attachment["id"])] == PNG


async def test_a_dm_carries_its_picture(bot: DiscordHarness) -> None:
    await bot.runtime.chat.send_direct(bot.workspace, str(bot.alice.id), with_chart())
    [message] = bot.fake.dm_messages(bot.alice)
    assert [a["filename"] for a in message["attachments"]] == ["team-chart.png"]


async def test_without_the_attach_permission_the_text_still_goes_out(
    bot: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.channel.bot_denied |= ATTACH_FILES
    with caplog.at_level(logging.WARNING, "drillbot.discord"):
        await bot.runtime.chat.post(bot.workspace, str(bot.channel.id), with_chart(key="b:2"))
    refused, sent = bot.fake.of(POST)
    assert refused.status == 403 and refused.files and not sent.files and sent.status == 200
    [message] = bot.posts()
    assert "participation 80%" in shown_text(message) and message["attachments"] == []
    assert "sent the text alone" in caplog.text


async def test_a_private_reply_to_a_command_carries_its_picture(
    bot: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def team(*args: Any) -> Replies:
        return Replies().private(with_chart())

    monkeypatch.setattr(bot.engine, "command", team)
    sent = await bot.drill(bot.admin, "help")
    assert "participation 80%" in await bot.replies(sent)
    [message] = [bot.fake.message(m) for m in sent.message_ids]
    assert int(message["flags"]) & EPHEMERAL
    assert [a["filename"] for a in message["attachments"]] == ["team-chart.png"]
    assert bot.fake.attachments[int(message["attachments"][0]["id"])] == PNG


async def test_a_refused_attachment_on_a_private_reply_still_sends_the_text(
    bot: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def team(*args: Any) -> Replies:
        return Replies().private(with_chart())

    monkeypatch.setattr(bot.engine, "command", team)
    bot.fake.fail(
        "POST /interactions/{interaction_id}/{interaction_token}/callback",
        413,
        code=40005,
        message="Request entity too large",
        match=lambda c: bool(c.files),
    )
    sent = await bot.drill(bot.admin, "help")
    assert "participation 80%" in await bot.replies(sent)
    [message] = [bot.fake.message(m) for m in sent.message_ids]
    assert message["attachments"] == []
