"""End to end through discord.py: a week of drills in a Discord channel, against the fake Discord.

The scheduler's tick runs on a manual clock; people use /drill, click and submit forms through
the fake's gateway; everything they would read is what the bot sent to the fake.
"""

from __future__ import annotations

import asyncio
import json
import re

from bot.adapters.both import recorded_platforms
from bot.adapters.discord import custom_ids
from bot.db.sql_store import SqlStore
from bot.messaging.message import Action
from tests.adapters.discord.bot_harness import (
    EPHEMERAL,
    DiscordHarness,
    button_id,
    buttons,
    flags,
    shown_text,
)
from tests.adapters.discord.fake_discord import FakeDiscord

ANSWER = "Keep hot data close to readers, and expire entries with a TTL so they refresh."


async def _answers(bot: DiscordHarness, drill_id: int) -> int:
    async with bot.store.transaction() as tx:
        return len(await tx.drill_answers(drill_id))


async def test_a_week_of_drills_in_a_channel(bot: DiscordHarness) -> None:
    fake = bot.fake
    setup = await bot.drill(
        bot.admin,
        "setup",
        time="09:30",
        zone="Europe/Berlin",
        days="mon-fri",
        mcq_days="tue",
        window="6h",
    )
    assert "Drills are set up" in await bot.replies(setup)
    assert flags(setup.callback) & EPHEMERAL

    # Monday 09:30: the open question is posted as an embed with an Answer button.
    await bot.at("2026-11-30T09:30")
    [drill] = bot.posts(match="Daily question")
    [answer_button] = buttons(drill)
    assert answer_button["label"] == "Answer" and answer_button["style"] == 1
    decoded = custom_ids.decode(answer_button["custom_id"])
    assert decoded is not None and decoded[0] is Action.ANSWER_OPEN
    drill_id = int(decoded[1])
    shown = shown_text(drill)
    assert "0 answers so far" in shown
    assert re.search(r"<t:\d+:[a-zA-Z]>", shown), "the reveal time is a Discord timestamp"

    # Alice opens the form and answers; her feedback is ephemeral; the count goes up.
    opened = await bot.click(drill, bot.alice, Action.ANSWER_OPEN)
    assert opened.callback is not None and opened.callback["type"] == 9
    modal = opened.modal
    assert modal is not None and len(modal["title"]) <= 45
    submitted = await fake.modal_submit(opened, {custom_ids.ANSWER_FIELD: ANSWER})
    await fake.wait_for_callback(submitted)
    feedback = await bot.replies(submitted)
    assert "Answer recorded" in feedback and "key points covered: 2 of 2" in feedback
    assert flags(submitted.callback) & EPHEMERAL
    await bot.engine.answers.flush()
    edits = fake.edits(drill["id"])
    assert edits and "1 answer so far" in json.dumps(edits[-1].json)
    assert await _answers(bot, drill_id) == 1

    # The same submission delivered twice counts once.
    await fake.redeliver(submitted)
    assert await _answers(bot, drill_id) == 1

    # 15:30: the reveal, in a thread started from the drill message.
    await bot.at("2026-11-30T15:30")
    thread = fake.thread_for(drill["id"])
    assert thread is not None
    [reveal] = fake.messages(thread)
    assert "Model answer" in shown_text(reveal)
    public = [*bot.posts(), *fake.messages(thread)]
    assert all(ANSWER not in shown_text(m) for m in public)

    # Tuesday: an MCQ with one button per option.
    await bot.at("2026-12-01T09:30")
    [mcq] = bot.posts(match="Daily MCQ")
    assert [b["label"] for b in buttons(mcq)] == ["A", "B", "C"]
    right = await bot.click(mcq, bot.bob, Action.PICK)  # A
    text = await bot.replies(right)
    assert "is not right" in text or "is right" in text
    assert flags(right.callback) & EPHEMERAL


async def test_a_button_id_carries_its_meaning(bot: DiscordHarness) -> None:
    await bot.drill(bot.admin, "setup", time="09:30", zone="Europe/Berlin", days="mon-fri")
    await bot.at("2026-11-30T09:30")
    [drill] = bot.posts(match="Daily question")
    assert button_id(drill, Action.ANSWER_OPEN).startswith("drillbot:answer_open:")


async def test_the_weekly_board_is_an_embed_and_names_are_escaped(bot: DiscordHarness) -> None:
    fake = bot.fake
    eve = fake.add_member(bot.guild, "eve")
    eve.global_name = "@everyone Eve <@&1> [win](https://evil.example) **loud**"
    await bot.drill(bot.admin, "setup", time="09:30", zone="Europe/Berlin", days="mon-fri")
    await bot.at("2026-11-30T09:30")
    [drill] = bot.posts(match="Daily question")
    for person in (bot.alice, eve):
        opened = await bot.click(drill, person, Action.ANSWER_OPEN)
        sent = await fake.modal_submit(opened, {custom_ids.ANSWER_FIELD: ANSWER})
        # Two people within moments of each other: the second may be deferred, so the answer
        # is in once the feedback is, not when the callback is.
        assert "Answer recorded" in await bot.replies(sent)

    await bot.at("2026-12-04T16:00")  # Friday: the weekly board
    [board] = bot.posts(match="Leaderboard")
    assert board["embeds"] and not board.get("components")
    shown = shown_text(board)
    assert "alice" in shown and "Eve" in shown
    # Nothing anyone wrote can ping or link: no raw @everyone, role mention or markdown link.
    for message in [board, *bot.posts()]:
        # Outside code blocks (where Discord renders no markup at all).
        text = re.sub(r"```.*?```", "", shown_text(message).replace("\\n", "\n"), flags=re.S)
        assert "@everyone" not in text.replace("@\u200beveryone", "")
        assert "<@&1>" not in text and "](https://evil.example)" not in text
    for call in fake.of("POST /channels/{channel_id}/messages"):
        assert call["allowed_mentions"] == {"parse": []}


async def test_a_click_on_a_drill_posted_before_a_restart_still_works(
    fake: FakeDiscord, store: SqlStore
) -> None:
    async with DiscordHarness(fake, store) as first:
        await first.drill(
            first.admin, "setup", time="09:30", zone="Europe/Berlin", days="tue", mcq_days="tue"
        )
        await first.at("2026-12-01T09:30")
        [mcq] = first.posts(match="Daily MCQ")
    async with DiscordHarness(fake, store, start="2026-12-01T10:00") as second:
        picked = await second.click(mcq, second.alice, Action.PICK, None)
        assert "right" in await second.replies(picked)
        opened_before = [b for b in buttons(mcq) if b["label"] == "B"]
        assert opened_before
        async with second.store.transaction() as tx:
            drill_id = int(custom_ids.decode(opened_before[0]["custom_id"])[1].split(":")[0])  # type: ignore[index]
            assert len(await tx.drill_answers(drill_id)) == 1


async def test_a_member_cannot_run_admin_commands(bot: DiscordHarness) -> None:
    refused = await bot.drill(bot.alice, "setup", time="09:30", zone="Europe/Berlin")
    assert "Only workspace admins" in await bot.replies(refused)
    assert flags(refused.callback) & EPHEMERAL
    async with bot.store.transaction() as tx:
        assert await tx.channels(bot.workspace) == []
    # An admin lists Alice; then she may.
    added = await bot.drill(bot.admin, "add", group="admins", person=bot.alice)
    assert f"{bot.alice.id}` can now run admin commands" in await bot.replies(added)
    allowed = await bot.drill(bot.alice, "pause")
    assert "Only workspace admins" not in await bot.replies(allowed)


async def test_a_rate_limited_post_is_waited_out_and_a_failing_one_retried_later(
    bot: DiscordHarness,
) -> None:
    fake = bot.fake
    await bot.drill(bot.admin, "setup", time="09:30", zone="Europe/Berlin", days="mon-fri")
    route = "POST /channels/{channel_id}/messages"
    fake.fail(route, 429, retry_after=0.2, match=lambda c: "Daily" in json.dumps(c.body))
    await bot.at("2026-11-30T09:30")
    [drill] = bot.posts(match="Daily question")
    assert [c.status for c in fake.of(route) if "Daily" in json.dumps(c.body)] == [429, 200]

    # Tuesday: Discord fails the post again and again; it is retried on a later tick.
    fake.fail(route, 503, times=10, match=lambda c: "Daily" in json.dumps(c.body))
    await bot.at("2026-12-01T09:30")
    assert bot.posts(match="Daily question #") == [drill]
    fake.failures.clear()
    await bot.at("2026-12-01T09:45")
    assert len(bot.posts(match="Daily")) == 2


async def test_a_form_opened_before_a_restart_is_still_answered(
    fake: FakeDiscord, store: SqlStore
) -> None:
    async with DiscordHarness(fake, store) as first:
        await first.drill(first.admin, "setup", time="09:30", zone="Europe/Berlin", days="mon")
        await first.at("2026-11-30T09:30")
        [drill] = first.posts(match="Daily question")
        opened = await first.click(drill, first.alice, Action.ANSWER_OPEN)
    async with DiscordHarness(fake, store, start="2026-11-30T10:00") as second:
        sent = await fake.modal_submit(opened, {custom_ids.ANSWER_FIELD: ANSWER})
        await fake.wait_for_callback(sent)
        assert "Answer recorded" in await second.replies(sent)


async def test_joining_a_server_records_it_as_a_discord_workspace(bot: DiscordHarness) -> None:
    newcomer = bot.fake.add_guild("New server", joined=False)
    await bot.fake.join_guild(newcomer)
    platform_of = recorded_platforms(bot.store)
    for _ in range(50):
        if await platform_of(str(newcomer.id)) == "discord":
            break
        await asyncio.sleep(0.05)
    assert await platform_of(str(newcomer.id)) == "discord"
