"""Admin changes to a channel's drills (setup, pause, resume, the Home tab's buttons) are told
to the whole channel in one line, besides the admin's own private reply."""

from __future__ import annotations

from bot.messaging.message import Replies, Visibility
from bot.testing.harness import CHANNEL, WORKSPACE, Harness, text_of


def channel_lines(replies: Replies) -> list[str]:
    return [text_of(r.message) for r in replies.items if r.visibility is Visibility.CHANNEL]


def private_first(replies: Replies) -> str:
    first = replies.items[0]
    assert first.visibility is Visibility.PRIVATE  # the Slack form reads errors from it
    return text_of(first.message)


async def test_setup_is_told_to_the_channel_in_one_line() -> None:
    h = Harness()
    first = await h.command("lead", "/drill setup 09:30 Europe/Berlin mon-fri", admin=True)
    assert "Drills are set up" in private_first(first)
    assert channel_lines(first) == ["Lead set up drills here; `/drill schedule` shows when."]
    changed = await h.command("lead", "/drill setup window=4h time=10:00", admin=True)
    assert channel_lines(changed) == [
        "Lead changed this channel's drill schedule (time, window); `/drill schedule` shows it."
    ]


async def test_setup_that_changes_nothing_or_fails_is_not_told() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri window=6h")
    same = await h.command("lead", "/drill setup 09:30 window=6h", admin=True)
    assert "Schedule updated" in private_first(same) and channel_lines(same) == []
    shown = await h.command("lead", "/drill setup", admin=True)
    assert channel_lines(shown) == []
    bad = await h.command("lead", "/drill setup window=9d", admin=True)
    assert "too long" in private_first(bad) and channel_lines(bad) == []


async def test_pause_and_resume_are_told_to_the_channel() -> None:
    h = Harness()
    await h.setup()
    paused = await h.command("lead", "/drill pause", admin=True)
    assert "Drills paused" in private_first(paused)
    assert channel_lines(paused) == ["Lead paused the drills here; `/drill resume` restarts them."]
    again = await h.command("lead", "/drill pause", admin=True)
    assert channel_lines(again) == []  # already paused: nothing changed
    resumed = await h.command("lead", "/drill resume", admin=True)
    assert channel_lines(resumed) == [
        "Lead resumed the drills here; the next one comes at its usual time."
    ]


async def test_the_home_tab_pause_button_tells_the_channel_too() -> None:
    h = Harness()
    await h.setup()
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
    assert channel is not None
    reply = await h.engine.set_paused(h.actor("lead", admin=True), channel.id, paused=True)
    assert "Drills paused" in text_of(reply)
    [post] = [s for s in h.chat.sent if s.method == "post"]
    assert (post.channel, text_of(post.message)) == (
        CHANNEL,
        "Lead paused the drills here; `/drill resume` restarts them.",
    )


async def test_a_channel_that_cannot_be_told_still_gets_paused() -> None:
    h = Harness()
    await h.setup()
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
    assert channel is not None
    h.chat.failures = 1  # the bot was removed from the channel, say
    reply = await h.engine.set_paused(h.actor("lead", admin=True), channel.id, paused=True)
    assert "Drills paused" in text_of(reply)
    async with h.store.transaction() as tx:
        saved = await tx.find_channel(WORKSPACE, CHANNEL)
    assert saved is not None and saved.schedule is not None and saved.schedule.paused
