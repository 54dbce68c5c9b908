"""What comes due, and when: the slots and weekly boards of every scheduled channel.

Reading a channel's drill history to learn whether its slot was posted made each tick cost
grow with every channel and every day of its past. Here the schedule alone says which slot
occurrence is the latest and which is next (pure arithmetic, cached per channel until the next
occurrence passes), and one batched query per tick asks which of the latest ones already have a
drill or a delivered board. Slots known to be done are remembered, so an idle tick reads
nothing per channel: only the newest done occurrence of each channel slot and board, since an
older one is never asked about again, so the memory is bounded by the channels, not by the days
a process has run (issue 14). The memory only saves work: what is posted is still decided by the
database's keys and leases.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import schedule_rules as rules
from bot.domain.model import Channel, Schedule, Slot

BOARD = "board"
"""The cache's name for a channel's weekly board, beside its drill slots."""


@dataclass(frozen=True)
class DueSlot:
    channel: Channel
    slot: Slot
    local_date: dt.date
    scheduled_at: dt.datetime
    kind: str
    """'open' or 'mcq'."""


@dataclass(frozen=True)
class DueBoard:
    channel: Channel
    local_date: dt.date
    scheduled_at: dt.datetime
    key: str


@dataclass(frozen=True)
class _Occurrences:
    latest: tuple[dt.date, dt.datetime] | None
    """The latest occurrence at or before the instant it was computed at."""
    next_at: dt.datetime | None
    """The first occurrence after that instant: until then, ``latest`` holds."""


def slot_times(schedule: Schedule) -> list[tuple[Slot, dt.time]]:
    slots = [(Slot.DAILY, schedule.post_time)]
    if schedule.mcq_time is not None:
        slots.append((Slot.MCQ, schedule.mcq_time))
    return slots


def weekday(day: dt.date) -> str:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]


def board_key(channel_id: int, week: str) -> str:
    return f"board:{channel_id}:{week}"


class DuePlanner:
    """Keeps, per channel slot and board, its latest and next occurrence, a heap of the next
    ones, and the set whose latest occurrence is not known to be done: a tick looks only at
    what came due since the last one and at what is still pending."""

    def __init__(self) -> None:
        self._seen: dict[int, Channel] = {}
        self._entries: dict[tuple[int, str], _Occurrences] = {}
        self._heap: list[tuple[dt.datetime, int, str]] = []
        self._pending: set[tuple[int, str]] = set()
        self._known_done: dict[tuple[int, str], dt.date] = {}
        self._now: dt.datetime | None = None

    # --- keeping up with the schedules and the clock ------------------------------------------
    def _times(self, channel: Channel) -> list[tuple[str, dt.time, tuple[str, ...]]]:
        s = channel.schedule
        assert s is not None
        times: list[tuple[str, dt.time, tuple[str, ...]]] = [
            (str(slot), at, s.days) for slot, at in slot_times(s)
        ]
        times.append((BOARD, s.leaderboard_time, (s.leaderboard_day,)))
        return times

    def _compute(self, channel: Channel, what: str, now: dt.datetime) -> None:
        s = channel.schedule
        assert s is not None
        at, days = next((t, d) for w, t, d in self._times(channel) if w == what)
        latest = rules.latest_occurrence(now, at, days, s.timezone)
        upcoming = rules.next_occurrence(now, at, days, s.timezone)
        entry = _Occurrences(latest, upcoming[1] if upcoming else None)
        self._entries[(channel.id, what)] = entry
        if entry.next_at is not None:
            heapq.heappush(self._heap, (entry.next_at, channel.id, what))
        if latest is not None and self._known_done.get((channel.id, what)) != latest[0]:
            self._pending.add((channel.id, what))
        else:
            self._pending.discard((channel.id, what))

    def _forget(self, channel_id: int) -> None:
        for key in [k for k in self._entries if k[0] == channel_id]:
            del self._entries[key]
            self._pending.discard(key)

    def _catch_up(self, channels: Sequence[Channel], now: dt.datetime) -> None:
        if self._now is not None and now < self._now:
            # Asked about an earlier instant (a reader of its own): start over from there.
            self._seen.clear()
            self._entries.clear()
            self._heap.clear()
            self._pending.clear()
        self._now = now
        for channel in channels:
            seen = self._seen.get(channel.id)
            if seen is channel:
                continue
            self._seen[channel.id] = channel
            if seen is not None and seen.schedule == channel.schedule:
                # Read again unchanged (every ``channels_ttl``): planning it again would leave
                # its previous wake-ups in the heap as stale entries until their time came, up
                # to a week's reads of every channel (issue 14).
                continue
            self._forget(channel.id)
            s = channel.schedule
            if s is None or s.paused:
                continue
            for what, _at, _days in self._times(channel):
                self._compute(channel, what, now)
        while self._heap and self._heap[0][0] <= now:
            at, channel_id, what = heapq.heappop(self._heap)
            entry = self._entries.get((channel_id, what))
            if entry is None or entry.next_at != at:
                continue  # stale: the schedule changed since
            self._compute(self._seen[channel_id], what, now)

    # --- what a tick may have to do -------------------------------------------------------------
    def candidates(
        self, channels: Sequence[Channel], now: dt.datetime, grace: dt.timedelta
    ) -> tuple[list[DueSlot], list[DueBoard]]:
        """The latest occurrence of each active slot and board not known to be done. Slots
        past the grace window are included (they get a SKIPPED row once); boards are not."""
        self._catch_up(channels, now)
        slots: list[DueSlot] = []
        boards: list[DueBoard] = []
        for channel_id, what in sorted(self._pending):
            entry = self._entries[(channel_id, what)]
            channel = self._seen[channel_id]
            s = channel.schedule
            assert s is not None and entry.latest is not None
            local_date, scheduled_at = entry.latest
            if what == BOARD:
                if now - scheduled_at <= grace:
                    key = board_key(channel_id, rules.week_key(local_date))
                    boards.append(DueBoard(channel, local_date, scheduled_at, key))
                else:
                    self._pending.discard((channel_id, what))
                continue
            slot = Slot(what)
            mcq = slot is Slot.MCQ or weekday(local_date) in s.mcq_days
            slots.append(DueSlot(channel, slot, local_date, scheduled_at, "mcq" if mcq else "open"))
        return slots, boards

    def done(self, channel_id: int, what: str, local_date: dt.date) -> None:
        """Remember that this occurrence needs nothing more (its drill or board exists)."""
        known = self._known_done.get((channel_id, what))
        if known is None or local_date > known:
            self._known_done[(channel_id, what)] = local_date
        entry = self._entries.get((channel_id, what))
        if entry is not None and entry.latest is not None and entry.latest[0] == local_date:
            self._pending.discard((channel_id, what))

    def next_at(self, channels: Sequence[Channel], after: dt.datetime) -> dt.datetime | None:
        """The first slot or board occurrence strictly after ``after``."""
        self._catch_up(channels, after)
        while self._heap:
            at, channel_id, what = self._heap[0]
            entry = self._entries.get((channel_id, what))
            if entry is not None and entry.next_at == at:
                return at
            heapq.heappop(self._heap)  # stale
        return None
