"""`/drill pick` and `/drill answer` with two drills open in a channel: ask which, never guess;
a named drill (`pick 42 B`, `pick mcq B`, `answer #42 ...`) gets the answer; feedback names it."""

from __future__ import annotations

import datetime as dt

from bot.domain.model import Drill, Slot
from bot.testing.harness import CHANNEL, WORKSPACE, Harness


async def open_drills(h: Harness, kind: str) -> dict[Slot | dt.date, Drill]:
    """The channel's open drills of ``kind``, by slot (MCQs) or by day (open questions)."""
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None
        drills = [d for d in await tx.open_drills(channel.id, h.clock.now()) if d.kind == kind]
    if kind == "mcq":
        return {d.slot: d for d in drills}
    return {d.local_date: d for d in drills}


async def choices(h: Harness, drill: Drill) -> list[str | None]:
    async with h.store.transaction() as tx:
        return [a.choice for a in await tx.drill_answers(drill.id)]


async def two_mcqs_open() -> tuple[Harness, Drill, Drill]:
    """Monday is an MCQ day and there is an mcq-time slot: at 14:00 both MCQs are open."""
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=mon mcq-time=14:00 window=6h")
    await h.at("2026-11-30T14:00")
    drills = await open_drills(h, "mcq")
    return h, drills[Slot.DAILY], drills[Slot.MCQ]


async def test_with_two_mcqs_open_a_bare_pick_asks_which_and_records_nothing() -> None:
    h, daily, slot = await two_mcqs_open()
    asked = await h.say("alice", "/drill pick B")
    assert "2 multiple-choice questions are open here: which one is it for?" in asked
    assert "Nothing was recorded" in asked
    # Each is listed by number, day, slot and first words, with the command that names it.
    assert (
        f"#{daily.id} (Mon 30 Nov, daily slot): “MCQ " in asked
        and f"`/drill pick {daily.id} B` or `/drill pick daily B`" in asked
    )
    assert f"#{slot.id} (Mon 30 Nov, mcq slot)" in asked
    assert f"`/drill pick {slot.id} B` or `/drill pick mcq B`" in asked
    assert await choices(h, daily) == [] and await choices(h, slot) == []


async def test_a_named_pick_goes_to_that_mcq_and_its_feedback_names_it() -> None:
    h, daily, slot = await two_mcqs_open()
    by_slot = await h.say("alice", "/drill pick mcq B")
    assert by_slot.startswith("✅ B is right.")
    assert f"Your pick for #{slot.id} (Mon 30 Nov, mcq slot)" in by_slot
    by_number = await h.say("alice", f"/drill pick {daily.id} A")
    assert f"Your pick for #{daily.id} (Mon 30 Nov, daily slot)" in by_number
    assert await choices(h, slot) == ["B"] and await choices(h, daily) == ["A"]


async def test_a_pick_naming_no_open_mcq_lists_the_open_ones() -> None:
    h, daily, slot = await two_mcqs_open()
    wrong = await h.say("alice", "/drill pick 99999 B")
    assert "No open multiple-choice question here is `99999`; nothing was recorded." in wrong
    assert f"`/drill pick {daily.id} B`" in wrong and f"`/drill pick {slot.id} B`" in wrong


async def test_with_one_mcq_open_a_bare_pick_still_works_and_names_it() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=mon mcq-time=14:00 window=6h")
    await h.at("2026-11-30T10:00")
    [daily] = (await open_drills(h, "mcq")).values()
    reply = await h.say("alice", "/drill pick B")
    assert f"Your pick for #{daily.id} (Mon 30 Nov, daily slot): “MCQ " in reply
    # The posted question shows the number that names it.
    assert f"Daily MCQ #{daily.id}" in h.posted()[0].text


async def test_a_button_pick_names_its_question_too() -> None:
    h, daily, _ = await two_mcqs_open()
    feedback = await h.engine.pick(h.actor("bob"), f"{daily.id}:B", "click-1")
    assert any(f"#{daily.id} (Mon 30 Nov, daily slot)" in str(b) for b in feedback.blocks)


async def two_open_questions() -> tuple[Harness, Drill, Drill]:
    """Two open questions can be open after a schedule change: Monday's, with a 30 h window,
    is still open when Tuesday's posts under the new daily schedule."""
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon,wed,fri window=30h")
    await h.at("2026-11-30T12:00")
    await h.setup("days=daily window=6h")
    await h.at("2026-12-01T10:00")
    drills = await open_drills(h, "open")
    return h, drills[dt.date(2026, 11, 30)], drills[dt.date(2026, 12, 1)]


async def test_with_two_open_questions_a_bare_answer_asks_which() -> None:
    h, monday, tuesday = await two_open_questions()
    asked = await h.say("alice", "/drill answer Keep hot data close and expire it with a TTL.")
    assert "2 open questions are open here: which one is it for?" in asked
    assert f"`/drill answer #{monday.id} <your answer>`" in asked
    assert f"`/drill answer #{tuesday.id} <your answer>`" in asked
    async with h.store.transaction() as tx:
        assert await tx.drill_answers(monday.id) == await tx.drill_answers(tuesday.id) == []


async def test_an_answer_naming_its_question_goes_there() -> None:
    h, monday, tuesday = await two_open_questions()
    reply = await h.say("alice", f"/drill answer #{monday.id} Keep hot data close, with a TTL.")
    assert "Answer recorded · key points covered: 2 of 2" in reply
    assert f"Your answer to #{monday.id} (Mon 30 Nov, daily slot)" in reply
    async with h.store.transaction() as tx:
        assert len(await tx.drill_answers(monday.id)) == 1
        assert await tx.drill_answers(tuesday.id) == []
