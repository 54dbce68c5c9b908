"""A real mock incident on Discord: started with /drill, answered in a direct message (typed, or
through the Answer button and its form), or `here` in a thread; with and without the Message
Content intent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord import custom_ids
from bot.content.loader import load_library
from bot.db.sql_store import SqlStore
from bot.domain.items import Incident
from bot.messaging.message import Action
from tests.adapters.discord.bot_harness import (
    EPHEMERAL,
    DiscordHarness,
    flags,
    shown_text,
)
from tests.adapters.discord.fake_discord import FakeDiscord, point_discord_py_at

LIBRARY = load_library()
SCENARIO = LIBRARY.get("incident-catalog-latency")
assert isinstance(SCENARIO, Incident)
STAGES = SCENARIO.stages


@pytest.fixture(params=[True, False], ids=["message-content", "no-message-content"])
async def bot(request: pytest.FixtureRequest, store: SqlStore) -> AsyncIterator[DiscordHarness]:
    """The bot with the Message Content intent, and without it (not even switched on in the
    Developer Portal)."""
    with_content = bool(request.param)
    async with FakeDiscord(privileged_intents=0 if not with_content else 1 << 15) as fake:
        with point_discord_py_at(fake):
            harness = DiscordHarness(
                fake, store, library=LIBRARY, real_incidents=True, message_content=with_content
            )
            async with harness:
                yield harness
        assert fake.violations == [], fake.violations


def dm_texts(bot: DiscordHarness) -> list[str]:
    """What the bot said in Bob's DM."""
    return [shown_text(m) for m in bot.fake.dm_messages(bot.bob) if m["author"].get("bot")]


async def test_a_scenario_runs_in_a_dm_by_message_and_by_form(bot: DiscordHarness) -> None:
    fake = bot.fake
    first, second, third, fourth = STAGES
    started = await bot.drill(bot.bob, "start", group="incident", scenario="catalog-latency")
    assert flags(started.callback) & EPHEMERAL  # "continued in your DMs", for Bob only
    await fake.wait_until(lambda: dm_texts(bot))
    opening = [m for m in fake.dm_messages(bot.bob) if m["author"].get("bot")][-1]
    assert f"Mock incident: {SCENARIO.title}" in "".join(dm_texts(bot))

    # Stage 1 typed as a direct message (DMs carry their text with or without the intent).
    before = len(dm_texts(bot))
    await fake.message_create(bot.bob, first.strong_answer)
    await fake.wait_until(lambda: len(dm_texts(bot)) >= before + 2)
    feedback = dm_texts(bot)[-2]
    assert "Stage 1 of 4" in feedback and "10 points of 10" in feedback
    prompt = [m for m in fake.dm_messages(bot.bob) if m["author"].get("bot")][-1]
    assert "Stage 2 of 4" in shown_text(prompt)

    # Stage 2 by the Answer button on the prompt and its form.
    opened = await bot.click(prompt, bot.bob, Action.ANSWER_INCIDENT)
    assert opened.modal is not None
    sent = await fake.modal_submit(opened, {custom_ids.ANSWER_FIELD: second.strong_answer})
    await fake.wait_for_callback(sent)
    text = await bot.replies(sent, 2)
    assert "Stage 2 of 4" in text and "Stage 3 of 4" in text
    # In the DM the replies are ordinary messages: they stay, with the next Answer button.
    assert not flags(sent.callback) & EPHEMERAL

    # A stage answered by hint, skip and stop typed in the DM; the debrief ends it.
    await fake.message_create(bot.bob, "skip")
    await fake.wait_until(lambda: any("Stage 4 of 4" in t for t in dm_texts(bot)))
    await fake.message_create(bot.bob, fourth.strong_answer)
    await fake.wait_until(lambda: any(f"Debrief: {SCENARIO.title}" in t for t in dm_texts(bot)))
    assert opening["id"] != prompt["id"] and third.title


async def test_only_the_owner_answers_a_session_run_here(bot: DiscordHarness) -> None:
    fake = bot.fake
    first, second = STAGES[:2]
    started = await bot.drill(
        bot.bob, "start", group="incident", scenario="catalog-latency", here=True
    )
    await fake.wait_for_callback(started)
    [opening] = bot.posts(match="Mock incident")
    assert "only" in shown_text(opening) and "bob" in shown_text(opening).lower()
    await fake.wait_until(lambda: fake.thread_for(opening["id"]))
    thread = fake.thread_for(opening["id"])
    assert thread is not None
    # The opening asks the first question, with the Answer button; answers go in its thread.
    prompt = opening
    assert "Stage 1 of 4" in shown_text(prompt) and fake.messages(thread) == []

    # Alice's reply in the thread is conversation, not an answer.
    await fake.message_create(bot.alice, "restart all the pods!", channel=thread)
    # Alice clicks Bob's Answer button: her form answers nothing of Bob's.
    opened = await bot.click(prompt, bot.alice, Action.ANSWER_INCIDENT)
    sent = await fake.modal_submit(opened, {custom_ids.ANSWER_FIELD: first.strong_answer})
    await fake.wait_for_callback(sent)
    assert "no mock incident" in (await bot.replies(sent)).lower()
    assert [m for m in fake.messages(thread) if m["author"].get("bot")] == []

    if bot.message_content:
        # Bob's typed reply answers stage 1.
        await fake.message_create(bot.bob, first.strong_answer, channel=thread)
    else:
        # Without the intent his typed reply arrives empty; the button always works.
        await fake.message_create(bot.bob, first.strong_answer, channel=thread)
        mine = await bot.click(prompt, bot.bob, Action.ANSWER_INCIDENT)
        sent = await fake.modal_submit(mine, {custom_ids.ANSWER_FIELD: first.strong_answer})
        await fake.wait_for_callback(sent)
    await fake.wait_until(
        lambda: any("Stage 2 of 4" in shown_text(m) for m in fake.messages(thread))
    )
    texts = [shown_text(m) for m in fake.messages(thread) if m["author"].get("bot")]
    assert any("Stage 1 of 4" in t and "10 points of 10" in t for t in texts)
    assert second.title and fake.dm_messages(bot.bob) == []


async def test_a_session_run_here_goes_on_after_a_restart(bot: DiscordHarness) -> None:
    fake, store = bot.fake, bot.store
    first = STAGES[0]
    await bot.drill(bot.bob, "start", group="incident", scenario="catalog-latency", here=True)
    [opening] = bot.posts(match="Mock incident")
    thread = await fake.wait_until(lambda: fake.thread_for(opening["id"]))
    await bot.runtime.stop()
    # Archived while the bot was away: the restarted client does not know the thread at all.
    thread.archived = True
    restarted = DiscordHarness(
        fake, store, library=LIBRARY, real_incidents=True, message_content=bot.message_content
    )
    async with restarted:
        if bot.message_content:
            await fake.message_create(bot.bob, first.strong_answer, channel=thread)
            # The client asks what that channel is, once.
            await fake.wait_until(lambda: fake.of("GET /channels/{channel_id}"))
        else:
            mine = await restarted.click(opening, bot.bob, Action.ANSWER_INCIDENT)
            sent = await fake.modal_submit(mine, {custom_ids.ANSWER_FIELD: first.strong_answer})
            await fake.wait_for_callback(sent)
        await fake.wait_until(
            lambda: any("Stage 2 of 4" in shown_text(m) for m in fake.messages(thread))
        )
