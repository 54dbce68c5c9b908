"""Interactions as Discord times them: every subcommand reaches the core, autocomplete filters,
slow work is deferred within 3 s, a burst of clicks is acknowledged first and followed up, a
late or repeated interaction is logged and never crashes the bot (and one delivered again is
handled once), and servers joined and left keep their data."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from bot.adapters.discord import custom_ids
from bot.domain import commands as cmd
from bot.messaging.message import Action, Replies
from bot.services.commands import Where
from tests.adapters.discord.bot_harness import (
    EPHEMERAL,
    DiscordHarness,
    button_id,
    buttons,
    flags,
    shown_text,
)
from tests.adapters.discord.fake_discord import FakeDiscord, SentInteraction

# (group, subcommand, options): each subcommand once, as a person would use it.
EVERY_SUBCOMMAND: list[tuple[str | None, str, dict[str, Any]]] = [
    (None, "help", {"command": "pick"}),
    (None, "question", {"topic": "caching"}),
    (None, "mcq", {}),
    (None, "answer", {"text": "Cache the hot keys and expire them with a TTL."}),
    (None, "pick", {"option": "B"}),
    (None, "practice", {"count": 2}),
    (None, "practice", {"topic": "stats"}),
    (None, "remind", {"state": "off"}),
    ("incident", "list", {}),
    ("incident", "start", {"level": "senior"}),
    ("incident", "resume", {}),
    (None, "hint", {}),
    (None, "skip", {}),
    ("incident", "stop", {}),
    (None, "stop", {}),
    (None, "leaderboard", {"period": "last-week"}),
    (None, "stats", {}),
    (None, "history", {"count": 3}),
    (None, "optout", {}),
    (None, "optin", {}),
    (None, "team", {}),
    (None, "leads", {}),
    ("away", "add", {"first": "2030-01-02", "last": "2030-01-03"}),
    ("away", "list", {}),
    ("away", "cancel", {"which": "1"}),
    (None, "schedule", {}),
    (None, "topics", {}),
    (None, "setup", {"time": "09:30", "zone": "Europe/Berlin", "days": "mon-fri"}),
    (None, "pause", {}),
    (None, "resume", {}),
    ("admins", "list", {}),
]


async def test_every_subcommand_reaches_the_core_and_is_answered_in_time(
    bot: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    command = bot.engine.command

    async def spy(actor: Any, where: Where, text: str, delivery: str) -> Replies:
        seen.append(text)
        return await command(actor, where, text, delivery)

    monkeypatch.setattr(bot.engine, "command", spy)
    for group, subcommand, options in EVERY_SUBCOMMAND:
        sent = await bot.drill(bot.admin, subcommand, group=group, **options)
        assert sent.latency is not None and sent.latency < 3.0
        assert not sent.refused
        assert await bot.replies(sent)
    assert len(seen) == len(EVERY_SUBCOMMAND)
    assert {cmd.parse(text).keyword for text in seen} == set(cmd.COMMANDS)


async def test_autocomplete_offers_what_matches_what_was_typed(bot: DiscordHarness) -> None:
    fake = bot.fake
    typing = await fake.autocomplete(
        bot.alice,
        focused="topic",
        guild=bot.guild,
        subcommand="question",
        options={"topic": "CACH"},
    )
    callback = await fake.wait_for_callback(typing)
    assert callback["type"] == 8
    choices = callback["data"]["choices"]
    assert choices and all("cach" in (c["name"] + c["value"]).lower() for c in choices)
    zones = await fake.autocomplete(
        bot.admin, focused="zone", guild=bot.guild, subcommand="setup", options={"zone": "berl"}
    )
    assert [c["value"] for c in (await fake.wait_for_callback(zones))["data"]["choices"]] == [
        "Europe/Berlin"
    ]
    scenarios = await fake.autocomplete(
        bot.bob,
        focused="scenario",
        guild=bot.guild,
        group="incident",
        subcommand="start",
        options={"scenario": ""},
    )
    offered = (await fake.wait_for_callback(scenarios))["data"]["choices"]
    assert offered[0]["value"] == "random" and len(offered) <= 25


async def test_slow_work_is_deferred_then_followed_up(
    bot: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = bot.engine.command

    async def slow(*args: Any) -> Replies:
        await asyncio.sleep(2.3)
        return await command(*args)

    monkeypatch.setattr(bot.engine, "command", slow)
    sent = await bot.drill(bot.alice, "help")
    assert sent.callback is not None and sent.callback["type"] == 5  # "thinking…"
    assert flags(sent.callback) & EPHEMERAL
    assert sent.latency is not None and sent.latency < 3.0
    assert "drillbot commands" in await bot.replies(sent)
    assert [c.status for c in sent.followups] == [200]


async def test_a_late_or_repeated_interaction_is_logged_and_the_bot_goes_on(
    bot: DiscordHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = bot.fake
    fake.interaction_deadline = 0.0  # everything arrives too late
    with caplog.at_level(logging.WARNING, "drillbot.discord"):
        late = await fake.slash_command(bot.alice, guild=bot.guild, subcommand="help")
        await fake.wait_until(lambda: late.attempts)
        await asyncio.sleep(0.1)
    assert [c.error_code for c in late.attempts] == [10062]
    assert "gave up on it" in caplog.text
    fake.interaction_deadline = 3.0
    caplog.clear()

    # Delivered again (a replay after a RESUME): recognised by its id, not handled twice.
    sent = await bot.drill(bot.alice, "help")
    with caplog.at_level(logging.INFO, "drillbot.discord"):
        await fake.redeliver(sent)
        await asyncio.sleep(0.2)
    assert [c.error_code for c in sent.attempts] == [None]
    assert "delivered again" in caplog.text
    caplog.clear()

    # Answered by someone else first (another process on the same shard): Discord says 40060.
    command = bot.engine.command

    async def slow(*args: Any) -> Replies:
        await asyncio.sleep(0.3)
        return await command(*args)

    monkeypatch.setattr(bot.engine, "command", slow)
    with caplog.at_level(logging.WARNING, "drillbot.discord"):
        other = await fake.slash_command(bot.bob, guild=bot.guild, subcommand="help")
        await _answer_elsewhere(fake, other)
        await fake.wait_until(lambda: len(other.attempts) > 1)
        await asyncio.sleep(0.1)
    assert [c.error_code for c in other.attempts] == [None, 40060]
    assert "answered already" in caplog.text
    monkeypatch.undo()
    # Still serving.
    again = await bot.drill(bot.bob, "help")
    assert "drillbot commands" in await bot.replies(again)


async def _answer_elsewhere(fake: FakeDiscord, sent: SentInteraction) -> None:
    url = f"{fake.api_url}/interactions/{sent.id}/{sent.token}/callback"
    data = {"content": "from elsewhere", "flags": EPHEMERAL, "allowed_mentions": {"parse": []}}
    body = {"type": 4, "data": data}
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        assert response.status < 300, await response.text()


async def _mcq(bot: DiscordHarness) -> tuple[dict[str, Any], int]:
    """Tuesday's MCQ, posted in the drill channel; and its drill id."""
    await bot.drill(
        bot.admin, "setup", time="09:30", zone="Europe/Berlin", days="tue", mcq_days="tue"
    )
    await bot.at("2026-12-01T09:30")
    [mcq] = bot.posts(match="Daily MCQ")
    decoded = custom_ids.decode(button_id(mcq, Action.PICK))
    assert decoded is not None
    return mcq, int(decoded[1].split(":")[0])


async def _answers(bot: DiscordHarness, drill_id: int) -> int:
    async with bot.store.transaction() as tx:
        return len(await tx.drill_answers(drill_id))


async def test_a_click_delivered_again_is_handled_once(
    bot: DiscordHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    mcq, drill_id = await _mcq(bot)
    picks: list[str] = []
    pick = bot.engine.pick

    async def slow(actor: Any, value: str, delivery: str) -> Any:
        picks.append(delivery)
        await asyncio.sleep(0.2)  # still at work when the second delivery comes
        return await pick(actor, value, delivery)

    monkeypatch.setattr(bot.engine, "pick", slow)
    fake = bot.fake
    with caplog.at_level(logging.INFO, "drillbot.discord"):
        sent = await fake.button_click(mcq["id"], button_id(mcq, Action.PICK, None), bot.alice)
        await fake.redeliver(sent)
        assert "right" in await bot.replies(sent)
        await fake.redeliver(sent)  # and once more after it was answered
        await asyncio.sleep(0.2)
    assert len(picks) == 1
    assert [c.error_code for c in sent.attempts] == [None]
    assert len(fake.ephemeral(sent)) == 1
    assert caplog.text.count("delivered again") == 2
    assert await _answers(bot, drill_id) == 1


async def test_a_burst_of_clicks_is_acknowledged_first_then_followed_up(
    bot: DiscordHarness,
) -> None:
    mcq, drill_id = await _mcq(bot)
    fake = bot.fake
    people = [fake.add_member(bot.guild, f"member{n}") for n in range(30)]
    options = [b["custom_id"] for b in buttons(mcq)]
    sent = await asyncio.gather(
        *(
            fake.button_click(mcq["id"], options[n % len(options)], person)
            for n, person in enumerate(people)
        )
    )
    for one in sent:
        assert "right" in await bot.replies(one)
        assert one.latency is not None and one.latency < 3.0 and not one.refused
        assert one.callback is not None and flags(one.callback) & EPHEMERAL
    kinds = [one.callback["type"] for one in sent if one.callback is not None]
    # At most the first, alone when it came, is answered at once; the rest are deferred
    # ("thinking…", ephemeral) and get their feedback as a followup.
    assert kinds.count(5) >= len(sent) - 1
    assert all(len(one.followups) == 1 for one in sent if one.callback["type"] == 5)  # type: ignore[index]
    assert await _answers(bot, drill_id) == len(people)


async def test_leaving_a_server_pauses_its_drills_and_joining_again_resumes_them(
    bot: DiscordHarness,
) -> None:
    await bot.drill(bot.admin, "setup", time="09:30", zone="Europe/Berlin", days="mon-fri")
    await bot.fake.leave_guild(bot.guild)

    async def paused() -> list[bool]:
        async with bot.store.transaction() as tx:
            return [c.schedule.paused for c in await tx.channels(bot.workspace) if c.schedule]

    for _ in range(50):
        if await paused() == [True]:
            break
        await asyncio.sleep(0.05)
    assert await paused() == [True]
    await bot.at("2026-11-30T09:30")
    assert bot.posts(match="Daily") == []  # nothing posted where the bot is gone; data kept
    await bot.fake.join_guild(bot.guild)
    for _ in range(50):
        if await paused() == [False]:
            break
        await asyncio.sleep(0.05)
    assert await paused() == [False]
    async with bot.store.transaction() as tx:
        assert len(await tx.channels(bot.workspace)) == 1


async def test_a_dm_from_someone_the_bot_never_met_says_where_to_start(
    bot: DiscordHarness,
) -> None:
    stranger = bot.fake.add_user("stranger")
    await bot.fake.message_create(stranger, "hello?")
    [reply] = await bot.fake.wait_until(
        lambda: [m for m in bot.fake.dm_messages(stranger) if m["author"].get("bot")]
    )
    assert "which server" in shown_text(reply)


async def test_a_practice_mcq_is_private_and_its_buttons_work(bot: DiscordHarness) -> None:
    sent = await bot.drill(bot.bob, "mcq", topic="caching")
    [question] = bot.fake.ephemeral(sent)
    assert flags(question) & EPHEMERAL and question["components"]
    picked = await bot.click(question, bot.bob, Action.PICK, None)
    assert "right" in await bot.replies(picked)
    assert flags(picked.callback) & EPHEMERAL
    assert bot.posts() == []  # nothing in the channel
    # The feedback carries the rating buttons (drillbot:rate:<item id>:<rating>); one rates.
    [feedback] = bot.fake.ephemeral(picked)
    rated = await bot.click(feedback, bot.bob, Action.RATE, None)
    assert "Rated" in await bot.replies(rated) and "Again" in await bot.replies(rated)
    assert flags(rated.callback) & EPHEMERAL
