"""The home view: where a person stands, and for admins the schedules with pause/resume."""

from __future__ import annotations

from bot.messaging.message import Action, Actions
from bot.testing.harness import Harness, text_of


async def test_home_shows_standing_recent_answers_and_the_board() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("alice", "/drill answer hot data with a ttl")
    home = await h.engine.home(h.actor("alice"))
    body = text_of(home)
    assert "Streak     1 day (best 1)" in body
    assert "This week  15 points · rank 1" in body
    assert "Open question" in body and "2 key point(s) covered" in body
    assert "Leaderboard — This week" in body
    assert not [b for b in home.blocks if isinstance(b, Actions)]  # no admin buttons


async def test_admins_pause_and_resume_from_home() -> None:
    h = Harness()
    await h.setup()
    lead = h.actor("lead", admin=True)
    home = await h.engine.home(lead)
    buttons = [b for block in home.blocks if isinstance(block, Actions) for b in block.buttons]
    assert [(b.action, b.label) for b in buttons] == [(Action.PAUSE, "Pause")]
    refused = await h.engine.set_paused(h.actor("alice"), int(buttons[0].value), True)
    assert "Only workspace admins" in text_of(refused)
    paused = await h.engine.set_paused(lead, int(buttons[0].value), True)
    assert "Drills paused" in text_of(paused)
    await h.at("2026-11-30T09:30")
    assert h.posted() == []  # paused: nothing posts
    home = await h.engine.home(lead)
    buttons = [b for block in home.blocks if isinstance(block, Actions) for b in block.buttons]
    assert [(b.action, b.label) for b in buttons] == [(Action.RESUME, "Resume")]


async def test_an_admin_listed_by_another_sees_the_schedules_on_home() -> None:
    h = Harness()
    await h.setup()
    home = await h.engine.home(h.actor("maria"))
    assert not [b for b in home.blocks if isinstance(b, Actions)]
    await h.say("lead", "/drill admins add <@maria|Maria>", admin=True)
    home = await h.engine.home(h.actor("maria"))
    buttons = [b for block in home.blocks if isinstance(block, Actions) for b in block.buttons]
    assert [(b.action, b.label) for b in buttons] == [(Action.PAUSE, "Pause")]
    assert "Channel schedules" in text_of(home)
