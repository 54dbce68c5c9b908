"""The due planner: which slot and board occurrences a tick looks at, and when to wake."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from bot.domain.model import Channel, Schedule, Slot
from bot.services.due import DuePlanner
from bot.testing.harness import Harness
from bot.testing.memory_store import MemoryTx

GRACE = dt.timedelta(hours=2)
UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in December 2026, UTC (Tuesday the 1st)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def channel(cid: int, **changes: Any) -> Channel:
    schedule = replace(Schedule(post_time=dt.time(9, 30), timezone="UTC"), **changes)
    return Channel(cid, "T1", f"C{cid}", f"team-{cid}", schedule)


def test_a_slot_is_a_candidate_until_done_and_again_the_next_day() -> None:
    planner = DuePlanner()
    chans = [channel(1)]
    slots, boards = planner.candidates(chans, at(1, 9, 30), GRACE)  # Tue 1 Dec 09:30
    assert [(s.channel.id, s.slot, s.local_date) for s in slots] == [
        (1, Slot.DAILY, dt.date(2026, 12, 1))
    ]
    assert boards == []  # Friday's board is days away
    planner.done(1, "daily", dt.date(2026, 12, 1))
    assert planner.candidates(chans, at(1, 12), GRACE) == ([], [])
    slots, _ = planner.candidates(chans, at(2, 9, 31), GRACE)
    assert [s.local_date for s in slots] == [dt.date(2026, 12, 2)]


def test_a_changed_schedule_is_planned_again_and_a_paused_one_not_at_all() -> None:
    planner = DuePlanner()
    planner.candidates([channel(1)], at(1, 9, 30), GRACE)
    planner.done(1, "daily", dt.date(2026, 12, 1))
    moved = channel(1, mcq_time=dt.time(14, 0))
    slots, _ = planner.candidates([moved], at(1, 14, 0), GRACE)
    assert [(s.slot, s.kind) for s in slots] == [(Slot.MCQ, "mcq")]
    paused = channel(1, mcq_time=dt.time(14, 0), paused=True)
    assert planner.candidates([paused], at(1, 14, 1), GRACE) == ([], [])
    assert planner.next_at([paused], at(1, 14, 1)) is None


def test_the_weekly_board_is_due_inside_the_grace_window_only() -> None:
    planner = DuePlanner()
    fri = [channel(2)]  # board Friday 16:00 UTC; Fri 4 Dec
    _, boards = planner.candidates(fri, at(4, 16, 30), GRACE)
    assert [b.key for b in boards] == ["board:2:2026-W49"]
    late = DuePlanner()
    assert late.candidates(fri, at(4, 18, 1), GRACE)[1] == []


def test_next_at_is_the_earliest_occurrence_after_the_instant() -> None:
    planner = DuePlanner()
    chans = [channel(1), channel(2, post_time=dt.time(8, 15), mcq_time=dt.time(11, 0))]
    assert planner.next_at(chans, at(1, 7)) == at(1, 8, 15)
    assert planner.next_at(chans, at(1, 8, 15)) == at(1, 9, 30)
    assert planner.next_at(chans, at(1, 10)) == at(1, 11)
    # boards are on Friday, so after Tuesday's last slot comes Wednesday's first
    assert planner.next_at(chans, at(1, 12)) == at(2, 8, 15)


async def test_an_idle_tick_reads_no_channel_history(monkeypatch: pytest.MonkeyPatch) -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")  # posted
    reads: list[int] = []
    original = MemoryTx.channel_items

    async def counted(self: MemoryTx, channel_id: int) -> list[tuple[str, dt.date]]:
        reads.append(channel_id)
        return await original(self, channel_id)

    monkeypatch.setattr(MemoryTx, "channel_items", counted)
    for minute in range(31, 40):
        await h.engine.tick(dt.datetime(2026, 11, 30, 8, minute, tzinfo=UTC))
    assert reads == []
    await h.at("2026-12-01T09:30")  # the next drill: its history is read once, to pick
    assert len(reads) == 1


def test_what_is_remembered_as_done_stays_bounded_by_the_channels_not_the_days() -> None:
    """A long-running process must not keep one entry per channel and day for ever
    (issue 14): an occurrence older than a slot's latest is never looked at again."""
    planner = DuePlanner()
    chans = [channel(1), channel(2, mcq_time=dt.time(14, 0))]
    now = at(1, 0)
    for _ in range(400):  # more than a year of days
        now += dt.timedelta(days=1)
        slots, boards = planner.candidates(chans, now.replace(hour=17), GRACE)
        for s in slots:
            planner.done(s.channel.id, str(s.slot), s.local_date)
        for b in boards:
            planner.done(b.channel.id, "board", b.local_date)
        assert planner.candidates(chans, now.replace(hour=17, minute=1), GRACE) == ([], [])
    # Each channel's daily slot and board, and the second channel's MCQ slot.
    assert len(planner._known_done) == 5


def test_channels_read_again_unchanged_leave_no_stale_wake_ups_behind() -> None:
    """The scheduler reads every channel again every ``channels_ttl`` (fresh objects, same
    schedules). Planning them again each time left a week's worth of stale board wake-ups in
    the heap: memory that grew with the channels times the reads of a week (issue 14)."""
    planner = DuePlanner()
    now = at(1, 0)
    for _ in range(7 * 24 * 6):  # a week of reads, every ten minutes
        now += dt.timedelta(minutes=10)
        fresh = [channel(1), channel(2)]
        planner.candidates(fresh, now, GRACE)
        assert planner.next_at(fresh, now) is not None
    # One pending wake-up per channel slot and board: each channel's daily slot and board.
    assert len(planner._heap) <= 4
    # A schedule that does change is still planned again.
    moved = [channel(1, post_time=dt.time(23, 59)), channel(2)]
    assert planner.next_at(moved, now.replace(hour=12)) == now.replace(hour=23, minute=59)
