"""The chat port on Discord, against the fake: posts, threads, edits, DMs, failures, and finding a
post that landed before a crash."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from bot.adapters.discord.chat import DiscordCallError, thread_name
from bot.adapters.discord.payloads import nonce, nonce_prefix, parse_nonce
from bot.content.loader import load_library
from bot.domain import incident_rules as ir
from bot.domain.model import DrillStats
from bot.messaging.message import Message, Section
from bot.messaging.port import ChatError
from bot.services import incident_views, views
from tests.adapters.discord.bot_harness import DiscordHarness, shown_text
from tests.adapters.discord.fake_discord import CREATE_PUBLIC_THREADS, SEND_MESSAGES

POST = "POST /channels/{channel_id}/messages"


def _message(text: str, key: str | None = None, kind: str = "info") -> Message:
    return Message(text=text, blocks=(Section(text),), kind=kind, key=key)


def _since() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)


async def test_a_keyed_post_is_found_again_and_never_doubled(bot: DiscordHarness) -> None:
    chat, channel = bot.runtime.chat, str(bot.channel.id)
    since = _since()
    assert await chat.find_posted(bot.workspace, channel, "drill:1", since) is None
    ref = await chat.post(bot.workspace, channel, _message("Daily question", key="drill:1"))
    [call] = bot.fake.of(POST)
    assert call["nonce"] == nonce("drill:1", 0, 1) and call["enforce_nonce"] is True
    assert await chat.find_posted(bot.workspace, channel, "drill:1", since) == ref
    assert await chat.find_posted(bot.workspace, channel, "drill:2", since) is None
    # Posting it again (a retry after a crash): Discord returns the first message.
    again = await chat.post(bot.workspace, channel, _message("Daily question", key="drill:1"))
    assert again == ref and len(bot.posts()) == 1


async def test_a_long_message_is_several_posts_found_only_when_all_landed(
    bot: DiscordHarness,
) -> None:
    chat, channel = bot.runtime.chat, str(bot.channel.id)
    long = "\n\n".join(f"Paragraph {n}: " + "words " * 300 for n in range(8))
    since = _since()
    # The second part fails for good: the post fails, and the lookup does not adopt half of it.
    bot.fake.fail(POST, 503, times=10, match=lambda c: c.get("nonce", "")[20:22] == "01")
    with pytest.raises(ChatError):
        await chat.post(bot.workspace, channel, _message(long, key="reveal:7"))
    assert await chat.find_posted(bot.workspace, channel, "reveal:7", since) is None
    bot.fake.failures.clear()
    ref = await chat.post(bot.workspace, channel, _message(long, key="reveal:7"))
    parts = bot.posts()
    assert len(parts) > 1 and parts[0]["id"] == ref  # the first part was not posted twice
    assert len({p["nonce"] for p in parts}) == len(parts)
    assert "Paragraph 0" in shown_text(parts[0]) and "Paragraph 7" in shown_text(parts[-1])
    assert await chat.find_posted(bot.workspace, channel, "reveal:7", since) == ref


async def test_replies_go_in_one_thread_or_quote_where_threads_are_not_allowed(
    bot: DiscordHarness,
) -> None:
    chat, channel = bot.runtime.chat, str(bot.channel.id)
    drill = await chat.post(bot.workspace, channel, _message("Daily question #4"))
    first = await chat.reply(bot.workspace, channel, drill, _message("Reveal: caching", "r:4"))
    await chat.reply(bot.workspace, channel, drill, _message("More"))
    thread = bot.fake.thread_for(drill)
    assert thread is not None and thread.name == "Reveal: caching"
    assert bot.fake.messages(thread)[0]["id"] == first
    assert len(bot.fake.of("POST /channels/{channel_id}/messages/{message_id}/threads")) == 1
    assert await chat.find_posted(bot.workspace, channel, "r:4", _since(), thread=drill) == first

    # A restarted process knows no thread: Discord says it exists, and the reply goes there.
    bot.runtime.chat._threads.clear()
    await chat.reply(bot.workspace, channel, drill, _message("After a restart"))
    assert len(bot.fake.messages(thread)) == 3

    closed = bot.fake.add_channel(bot.guild, "no-threads", bot_denied=CREATE_PUBLIC_THREADS)
    posted = await chat.post(bot.workspace, str(closed.id), _message("Daily question #5"))
    reply = await chat.reply(bot.workspace, str(closed.id), posted, _message("Reveal", "r:5"))
    quoted = bot.fake.message(reply)
    assert quoted["message_reference"]["message_id"] == posted
    found = await chat.find_posted(bot.workspace, str(closed.id), "r:5", _since(), thread=posted)
    assert found == reply


async def test_failures_become_chat_errors_without_the_token(bot: DiscordHarness) -> None:
    chat = bot.runtime.chat
    read_only = bot.fake.add_channel(bot.guild, "announcements", bot_denied=SEND_MESSAGES)
    with pytest.raises(DiscordCallError) as refused:
        await chat.post(bot.workspace, str(read_only.id), _message("hello"))
    assert refused.value.status == 403 and bot.fake.token not in str(refused.value)
    # 503: discord.py does not retry it (500, 502 and 504 it retries for ~25 s first).
    bot.fake.fail(POST, 503, times=10)
    with pytest.raises(ChatError, match="HTTP 503"):
        await chat.post(bot.workspace, str(bot.channel.id), _message("hello"))
    bot.fake.failures.clear()
    bot.bob.accepts_dms = False
    with pytest.raises(ChatError, match="50007"):
        await chat.send_direct(bot.workspace, str(bot.bob.id), _message("hello"))
    with pytest.raises(ChatError):
        await chat.post(bot.workspace, "not-a-channel", _message("hello"))


async def test_edits_keep_the_buttons_and_private_goes_by_dm(bot: DiscordHarness) -> None:
    chat, channel = bot.runtime.chat, str(bot.channel.id)
    ref = await chat.post(bot.workspace, channel, _message("0 answers so far"))
    await chat.update(bot.workspace, channel, ref, _message("1 answer so far"))
    assert "1 answer so far" in shown_text(bot.fake.message(ref))
    await chat.post_private(bot.workspace, channel, str(bot.alice.id), _message("just you"))
    [dm] = bot.fake.dm_messages(bot.alice)
    assert "just you" in shown_text(dm)
    assert await chat.find_direct(bot.workspace, str(bot.alice.id), "x", _since()) is None


async def test_a_rate_limited_channel_does_not_hold_up_another(bot: DiscordHarness) -> None:
    chat = bot.runtime.chat
    other = bot.fake.add_channel(bot.guild, "other")
    busy = str(bot.channel.id)
    bot.fake.fail(POST, 429, retry_after=1.5, match=lambda c: c.path_params["channel_id"] == busy)
    started = time.monotonic()
    slow = asyncio.ensure_future(chat.post(bot.workspace, busy, _message("slow")))
    await asyncio.sleep(0.1)
    await chat.post(bot.workspace, str(other.id), _message("fast"))
    fast_done = time.monotonic() - started
    await slow
    assert fast_done < 1.0 < time.monotonic() - started


def test_nonces_and_thread_names() -> None:
    stamp = nonce("drill:42", 1, 3)
    assert len(stamp) <= 25 and parse_nonce(stamp, nonce_prefix("drill:42")) == (1, 3)
    assert parse_nonce(stamp, nonce_prefix("drill:43")) is None
    assert parse_nonce(12345, nonce_prefix("drill:42")) is None
    long = thread_name(Message("Reveal: " + "word " * 40))
    assert len(long) <= 100 and long.endswith("…") and "wor…" not in long


async def test_the_longest_model_answer_and_debrief_reach_discord_whole(
    bot: DiscordHarness,
) -> None:
    """The longest content of the shipped packs, posted for real: the fake refuses anything past
    Discord's limits (and the fixture fails on any violation), and every word arrives."""
    library = load_library()
    item = max(library.open_questions(), key=lambda q: len(q.model_answer))
    incident = max(library.incidents(), key=lambda i: sum(len(s.strong_answer) for s in i.stages))
    chat, channel = bot.runtime.chat, str(bot.channel.id)
    drill = await chat.post(bot.workspace, channel, _message("Daily question #1"))
    reveal = views.reveal_message(item, DrillStats(answered=3, average_coverage=0.5), "Topic")
    await chat.reply(bot.workspace, channel, drill, reveal)
    thread = bot.fake.thread_for(drill)
    assert thread is not None
    shown = " ".join(shown_text(m) for m in bot.fake.messages(thread))
    assert all(word in shown for word in item.model_answer.split()[-5:])
    results = tuple(
        ir.grade_stage(incident, stage, stage.strong_answer, False) for stage in incident.stages
    )
    now = dt.datetime.now(dt.UTC)
    debrief = ir.build_debrief(incident, results, ir.SessionState.FINISHED, now, now)
    await chat.send_direct(bot.workspace, str(bot.bob.id), incident_views.debrief(debrief))
    parts = bot.fake.dm_messages(bot.bob)
    assert len(parts) >= 2  # past one message's 6,000 characters: several, in order
    assert "Debrief" in shown_text(parts[0])
