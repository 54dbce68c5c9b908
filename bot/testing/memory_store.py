"""An in-memory Store for unit tests and for trying the engine without a database.

It keeps the same uniqueness rules as the SQL store; a transaction that raises is rolled back.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from bot.domain.model import (
    Answer,
    AwayPeriod,
    Channel,
    Drill,
    DrillState,
    LeaderboardRow,
    Lease,
    Person,
    Schedule,
    Slot,
    Streak,
)
from bot.domain.reviews import Reminder, Review
from bot.domain.standings import board_key, ranked
from bot.domain.streaks import advance, previous_drill_day
from bot.services.store import FORGET_TABLES, ItemResults, NewPick
from bot.testing.memory_insights import MemoryInsightsTx
from bot.testing.memory_reviews import MemoryReviewsTx


@dataclass
class _Delivery:
    owner: str | None
    until: dt.datetime | None
    first_claimed_at: dt.datetime
    attempts: int
    done_at: dt.datetime | None = None
    message_ref: str | None = None


@dataclass
class _State:
    workspaces: dict[str, tuple[str, str]] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    away: list[AwayPeriod] = field(default_factory=list)
    drills: dict[int, Drill] = field(default_factory=dict)
    answers: dict[int, Answer] = field(default_factory=dict)
    first_scores: dict[int, float] = field(default_factory=dict)
    """Answer id -> the score of its first version, kept at its first edit."""
    submissions: set[tuple[str, str]] = field(default_factory=set)
    streaks: dict[tuple[int, int], Streak] = field(default_factory=dict)
    posts: set[tuple[int, str, str]] = field(default_factory=set)
    deliveries: dict[str, _Delivery] = field(default_factory=dict)
    schedule_seqs: dict[int, int] = field(default_factory=dict)
    practice: dict[int, str] = field(default_factory=dict)
    reviews: dict[tuple[int, str], Review] = field(default_factory=dict)
    reminders: dict[int, Reminder] = field(default_factory=dict)
    admins: set[tuple[str, str]] = field(default_factory=set)
    leads: set[tuple[str, int]] = field(default_factory=set)
    """(workspace id, person id) of the people an admin listed as leads (table ``leads``)."""
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class MemoryTx(MemoryInsightsTx, MemoryReviewsTx):
    def __init__(self, state: _State) -> None:
        self.s = state

    async def ensure_workspace(self, workspace_id: str, platform: str, name: str) -> None:
        self.s.workspaces.setdefault(workspace_id, (platform, name))

    async def ensure_channel(self, workspace_id: str, external_id: str, name: str) -> Channel:
        found = await self.find_channel(workspace_id, external_id)
        if found:
            if name and found.name != name:
                found = replace(found, name=name)
                self.s.channels[found.id] = found
            return found
        channel = Channel(self.s.new_id(), workspace_id, external_id, name, None)
        self.s.channels[channel.id] = channel
        return channel

    async def get_channel(self, channel_id: int) -> Channel | None:
        return self.s.channels.get(channel_id)

    async def find_channel(self, workspace_id: str, external_id: str) -> Channel | None:
        return next(
            (
                c
                for c in self.s.channels.values()
                if c.workspace_id == workspace_id and c.external_id == external_id
            ),
            None,
        )

    async def channels(self, workspace_id: str | None = None) -> list[Channel]:
        return sorted(
            (
                c
                for c in self.s.channels.values()
                if c.schedule is not None and workspace_id in (None, c.workspace_id)
            ),
            key=lambda c: c.id,
        )

    async def channels_changed_since(self, seq: int) -> tuple[int, list[Channel]]:
        top = max(self.s.schedule_seqs.values(), default=0)
        changed = [
            c
            for c in sorted(self.s.channels.values(), key=lambda c: c.id)
            if c.schedule is not None and self.s.schedule_seqs.get(c.id, 0) >= seq
        ]
        return top, changed

    async def save_schedule(self, channel_id: int, schedule: Schedule) -> Channel:
        self.s.schedule_seqs[channel_id] = max(self.s.schedule_seqs.values(), default=0) + 1
        channel = replace(self.s.channels[channel_id], schedule=schedule)
        self.s.channels[channel_id] = channel
        return channel

    async def ensure_person(self, workspace_id: str, external_id: str, display_name: str) -> Person:
        found = await self.find_person(workspace_id, external_id)
        if found:
            if display_name and found.display_name != display_name:
                found = replace(found, display_name=display_name)
                self.s.people[found.id] = found
            return found
        person = Person(self.s.new_id(), workspace_id, external_id, display_name or external_id)
        self.s.people[person.id] = person
        return person

    async def ensure_people(
        self, workspace_id: str, people: Sequence[tuple[str, str]]
    ) -> list[Person]:
        return [await self.ensure_person(workspace_id, e, n) for e, n in people]

    async def people(self, limit: int) -> list[Person]:
        return sorted(self.s.people.values(), key=lambda p: p.id, reverse=True)[:limit]

    async def get_person(self, person_id: int) -> Person | None:
        return self.s.people.get(person_id)

    async def find_person(self, workspace_id: str, external_id: str) -> Person | None:
        return next(
            (
                p
                for p in self.s.people.values()
                if p.workspace_id == workspace_id and p.external_id == external_id
            ),
            None,
        )

    async def add_away(self, person_id: int, start: dt.date, end: dt.date) -> AwayPeriod:
        period = AwayPeriod(person_id, start, end)
        self.s.away.append(period)
        return period

    async def away_periods(self, person_id: int) -> list[AwayPeriod]:
        return sorted((a for a in self.s.away if a.person_id == person_id), key=lambda a: a.start)

    async def away_for(self, person_ids: Sequence[int]) -> list[AwayPeriod]:
        wanted = set(person_ids)
        return [a for a in self.s.away if a.person_id in wanted]

    async def remove_away(self, person_id: int, start: dt.date, end: dt.date) -> bool:
        wanted = AwayPeriod(person_id, start, end)
        if wanted not in self.s.away:
            return False
        self.s.away.remove(wanted)
        return True

    async def shorten_away(
        self, person_id: int, start: dt.date, end: dt.date, last_day: dt.date
    ) -> bool:
        wanted = AwayPeriod(person_id, start, end)
        if wanted not in self.s.away:
            return False
        self.s.away[self.s.away.index(wanted)] = AwayPeriod(person_id, start, last_day)
        return True

    async def claim_drill(
        self,
        *,
        workspace_id: str,
        channel_id: int,
        slot: Slot,
        local_date: dt.date,
        item_id: str,
        kind: str,
        scheduled_at: dt.datetime,
        reveal_at: dt.datetime,
        state: DrillState = DrillState.CLAIMED,
    ) -> Drill | None:
        for d in self.s.drills.values():
            if (d.channel_id, d.slot, d.local_date) == (channel_id, slot, local_date):
                return None
        drill = Drill(
            id=self.s.new_id(),
            workspace_id=workspace_id,
            channel_id=channel_id,
            slot=slot,
            local_date=local_date,
            item_id=item_id,
            kind=kind,
            scheduled_at=scheduled_at,
            reveal_at=reveal_at,
            state=state,
        )
        self.s.drills[drill.id] = drill
        return drill

    async def set_drill_state(
        self, drill_id: int, state: DrillState, message_ref: str | None = None
    ) -> None:
        drill = self.s.drills[drill_id]
        self.s.drills[drill_id] = replace(
            drill, state=state, message_ref=message_ref or drill.message_ref
        )

    async def get_drill(self, drill_id: int) -> Drill | None:
        return self.s.drills.get(drill_id)

    async def drills_to_retry(self, not_before: dt.datetime) -> list[Drill]:
        return sorted(
            (
                d
                for d in self.s.drills.values()
                if d.state in (DrillState.CLAIMED, DrillState.FAILED)
                and d.scheduled_at >= not_before
            ),
            key=lambda d: d.scheduled_at,
        )

    async def existing_drills(
        self, keys: Sequence[tuple[int, Slot, dt.date]]
    ) -> set[tuple[int, Slot, dt.date]]:
        have = {(d.channel_id, d.slot, d.local_date) for d in self.s.drills.values()}
        return {k for k in keys if (k[0], Slot(k[1]), k[2]) in have}

    async def next_reveal_at(self, after: dt.datetime) -> dt.datetime | None:
        return min(
            (
                d.reveal_at
                for d in self.s.drills.values()
                if d.state == DrillState.POSTED and d.revealed_at is None and d.reveal_at > after
            ),
            default=None,
        )

    async def open_drills(self, channel_id: int, now: dt.datetime) -> list[Drill]:
        del now
        return sorted(
            (
                d
                for d in self.s.drills.values()
                if d.channel_id == channel_id
                and d.state == DrillState.POSTED
                and d.revealed_at is None
            ),
            key=lambda d: (d.scheduled_at, d.id),
            reverse=True,
        )

    async def due_reveals(self, now: dt.datetime) -> list[Drill]:
        return sorted(
            (
                d
                for d in self.s.drills.values()
                if d.state == DrillState.POSTED and d.revealed_at is None and d.reveal_at <= now
            ),
            key=lambda d: (d.reveal_at, d.id),
        )

    async def mark_revealed(self, drill_id: int, now: dt.datetime) -> bool:
        drill = self.s.drills[drill_id]
        if drill.revealed_at is not None:
            return False
        self.s.drills[drill_id] = replace(drill, revealed_at=now)
        return True

    async def unmark_revealed(self, drill_id: int) -> None:
        self.s.drills[drill_id] = replace(self.s.drills[drill_id], revealed_at=None)

    async def channel_items(self, channel_id: int) -> list[tuple[str, dt.date]]:
        drills = sorted(
            (d for d in self.s.drills.values() if d.channel_id == channel_id),
            key=lambda d: (d.scheduled_at, d.id),
        )
        return [(d.item_id, d.local_date) for d in drills]

    async def channels_items(self, channel_ids: Sequence[int]) -> dict[int, list[str]]:
        return {
            channel_id: [item_id for item_id, _ in await self.channel_items(channel_id) if item_id]
            for channel_id in set(channel_ids)
        }

    async def drill_dates(self, channel_id: int, before: dt.date, limit: int) -> list[dt.date]:
        dates = {
            d.local_date
            for d in self.s.drills.values()
            if d.channel_id == channel_id and d.state == DrillState.POSTED and d.local_date < before
        }
        return sorted(dates, reverse=True)[:limit]

    async def claim_submission(self, workspace_id: str, key: str) -> bool:
        if (workspace_id, key) in self.s.submissions:
            return False
        self.s.submissions.add((workspace_id, key))
        return True

    async def get_answer(self, drill_id: int, person_id: int) -> Answer | None:
        return next(
            (
                a
                for a in self.s.answers.values()
                if a.drill_id == drill_id and a.person_id == person_id
            ),
            None,
        )

    async def insert_answer(
        self,
        *,
        drill: Drill,
        person_id: int,
        choice: str | None,
        text: str | None,
        correct: bool | None,
        coverage: float | None,
        covered: Sequence[str],
        mistakes: Sequence[str],
        points: int,
        now: dt.datetime,
        delivery: str | None = None,
    ) -> Answer | None:
        if await self.get_answer(drill.id, person_id):
            return None
        answer = Answer(
            id=self.s.new_id(),
            drill_id=drill.id,
            person_id=person_id,
            workspace_id=drill.workspace_id,
            channel_id=drill.channel_id,
            local_date=drill.local_date,
            choice=choice,
            text=text,
            correct=correct,
            coverage=coverage,
            covered=tuple(covered),
            mistakes=tuple(mistakes),
            points=points,
            created_at=now,
            updated_at=now,
            delivery=delivery,
        )
        self.s.answers[answer.id] = answer
        await self._advance_streak(person_id, drill.channel_id, drill.local_date)
        return answer

    async def insert_picks(self, picks: Sequence[NewPick]) -> list[bool]:
        went_in = []
        for p in picks:
            answer = await self.insert_answer(
                drill=p.drill,
                person_id=p.person_id,
                choice=p.choice,
                text=None,
                correct=p.correct,
                coverage=None,
                covered=(),
                mistakes=(),
                points=p.points,
                now=p.now,
            )
            went_in.append(answer is not None)
        return went_in

    async def update_answer(
        self,
        answer_id: int,
        *,
        text: str,
        coverage: float,
        covered: Sequence[str],
        mistakes: Sequence[str],
        points: int,
        correct: bool | None,
        now: dt.datetime,
        delivery: str | None = None,
    ) -> Answer:
        answer = replace(
            self.s.answers[answer_id],
            text=text,
            coverage=coverage,
            covered=tuple(covered),
            mistakes=tuple(mistakes),
            points=points,
            correct=correct,
            updated_at=now,
            delivery=delivery,
        )
        self.s.answers[answer_id] = answer
        return answer

    async def keep_first_score(self, answer_id: int) -> float | None:
        answer = self.s.answers.get(answer_id)
        if answer is None or answer.coverage is None:
            return None
        return self.s.first_scores.setdefault(answer_id, answer.coverage)

    async def first_score(self, answer_id: int) -> float | None:
        return self.s.first_scores.get(answer_id)

    async def drill_answers(self, drill_id: int) -> list[Answer]:
        return sorted(
            (
                replace(a, first_score=self.s.first_scores.get(a.id))
                for a in self.s.answers.values()
                if a.drill_id == drill_id
            ),
            key=lambda a: a.id,
        )

    async def answer_count(self, drill_id: int) -> int:
        return sum(1 for a in self.s.answers.values() if a.drill_id == drill_id)

    async def recent_answers(self, person_id: int, limit: int) -> list[Answer]:
        mine = [a for a in self.s.answers.values() if a.person_id == person_id]
        return sorted(mine, key=lambda a: (a.created_at, a.id), reverse=True)[:limit]

    async def get_streak(self, person_id: int, channel_id: int) -> Streak | None:
        return self.s.streaks.get((person_id, channel_id))

    async def save_streak(self, streak: Streak) -> None:
        self.s.streaks[(streak.person_id, streak.channel_id)] = streak

    async def _advance_streak(self, person_id: int, channel_id: int, day: dt.date) -> Streak:
        away = await self.away_periods(person_id)
        earlier = await self.drill_dates(channel_id, day, 400)
        streak = advance(
            self.s.streaks.get((person_id, channel_id)),
            person_id,
            channel_id,
            day,
            previous_drill_day(earlier, away),
        )
        self.s.streaks[(person_id, channel_id)] = streak
        return streak

    async def streaks(self, person_ids: Sequence[int]) -> list[Streak]:
        wanted = set(person_ids)
        return [s for s in self.s.streaks.values() if s.person_id in wanted]

    async def leaderboard(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> list[LeaderboardRow]:
        return self._totals(workspace_id, channel_id, start, end)

    def _totals(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> list[LeaderboardRow]:
        totals: dict[int, list[int]] = {}
        for a in self.s.answers.values():
            if a.workspace_id != workspace_id or channel_id not in (None, a.channel_id):
                continue
            if (start and a.local_date < start) or (end and a.local_date > end):
                continue
            row = totals.setdefault(a.person_id, [0, 0, 0])
            row[0] += a.points
            row[1] += 1
            row[2] += 1 if a.correct else 0
        rows = []
        for person_id, (points, answers, correct) in totals.items():
            person = self.s.people[person_id]
            rows.append(
                LeaderboardRow(
                    person_id=person_id,
                    user=person.external_id,
                    display_name=person.display_name,
                    points=points,
                    answers=answers,
                    correct=correct,
                    current_streak=0,
                    best_streak=0,
                )
            )
        return rows

    async def _board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> list[LeaderboardRow]:
        """Every place, in order: the plain rule the SQL store's queries must agree with."""
        best: dict[int, int] = {}
        for s in self.s.streaks.values():
            if channel_id in (None, s.channel_id):
                best[s.person_id] = max(best.get(s.person_id, 0), s.best)
        rows = self._totals(workspace_id, channel_id, start, end)
        return ranked([replace(r, best_streak=best.get(r.person_id, 0)) for r in rows])

    async def board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        limit: int | None,
    ) -> list[LeaderboardRow]:
        rows = await self._board(workspace_id, channel_id, start, end)
        return rows if limit is None else rows[:limit]

    async def board_row(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        person_id: int,
    ) -> LeaderboardRow | None:
        rows = await self._board(workspace_id, channel_id, start, end)
        return next((r for r in rows if r.person_id == person_id), None)

    async def place_on_board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        row: LeaderboardRow,
    ) -> int:
        rows = await self._board(workspace_id, channel_id, start, end)
        return 1 + sum(1 for r in rows if board_key(r) < board_key(row))

    async def board_and_place(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        limit: int,
        row: LeaderboardRow,
    ) -> tuple[list[LeaderboardRow], int]:
        rows = await self.board(workspace_id, channel_id, start, end, limit)
        return rows, await self.place_on_board(workspace_id, channel_id, start, end, row)

    async def first_zone(self, workspace_id: str) -> str | None:
        first = next(iter(await self.channels(workspace_id)), None)
        return first.schedule.timezone if first and first.schedule else None

    async def get_drills(self, drill_ids: Sequence[int]) -> list[Drill]:
        return [self.s.drills[i] for i in set(drill_ids) if i in self.s.drills]

    async def drills_after(
        self, since: Mapping[int, dt.date], per_channel: int | None = None
    ) -> list[Drill]:
        after = sorted(
            (
                d
                for d in self.s.drills.values()
                if d.state == DrillState.POSTED
                and d.channel_id in since
                and d.local_date > since[d.channel_id]
            ),
            key=lambda d: (d.channel_id, d.local_date, d.id),
        )
        if per_channel is None:
            return after
        taken: dict[int, int] = {}
        first = []
        for d in after:
            taken[d.channel_id] = taken.get(d.channel_id, 0) + 1
            if taken[d.channel_id] <= per_channel:
                first.append(d)
        return first

    async def claim_post(self, channel_id: int, kind: str, key: str) -> bool:
        if (channel_id, kind, key) in self.s.posts:
            return False
        self.s.posts.add((channel_id, kind, key))
        return True

    async def prune_old(self, table: str, before: dt.datetime, limit: int) -> int:
        # Only deliveries carry a time here; the in-memory keys live as long as the store.
        if table != "deliveries":
            return 0
        old = [
            k for k, d in self.s.deliveries.items() if d.done_at is not None and d.done_at < before
        ]
        for key in old[:limit]:
            del self.s.deliveries[key]
        return min(len(old), limit)

    async def release_post(self, channel_id: int, kind: str, key: str) -> None:
        self.s.posts.discard((channel_id, kind, key))

    async def take_lease(
        self,
        key: str,
        owner: str,
        now: dt.datetime,
        until: dt.datetime,
        steal_from: str | None = None,
    ) -> Lease | None:
        found = self.s.deliveries.get(key)
        if found is None:
            found = _Delivery(owner, until, now, 1)
            self.s.deliveries[key] = found
        elif found.done_at is None and (
            found.until is None
            or found.until < now
            or (steal_from is not None and found.owner == steal_from)
        ):
            found.owner, found.until, found.attempts = owner, until, found.attempts + 1
        else:
            return None
        return Lease(key, owner, found.attempts, found.first_claimed_at, until)

    async def lease_holder(self, key: str) -> str | None:
        found = self.s.deliveries.get(key)
        return None if found is None or found.done_at is not None else found.owner

    async def renew_lease(self, key: str, owner: str, until: dt.datetime) -> bool:
        found = self.s.deliveries.get(key)
        if found is None or found.done_at is not None or found.owner != owner:
            return False
        found.until = until
        return True

    async def release_lease(self, key: str, owner: str) -> None:
        found = self.s.deliveries.get(key)
        if found is not None and found.done_at is None and found.owner == owner:
            found.owner, found.until = None, None

    async def finish_lease(self, key: str, now: dt.datetime, message_ref: str | None) -> bool:
        found = self.s.deliveries.get(key)
        if found is None or found.done_at is not None:
            return False
        found.done_at, found.message_ref, found.owner, found.until = now, message_ref, None, None
        return True

    async def lease_done(self, key: str) -> bool:
        found = self.s.deliveries.get(key)
        return found is not None and found.done_at is not None

    async def leases_done(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if await self.lease_done(k)}

    async def stale_leases(self, prefix: str, now: dt.datetime) -> list[str]:
        return sorted(
            key
            for key, d in self.s.deliveries.items()
            if key.startswith(prefix) and d.done_at is None and (d.until is None or d.until < now)
        )

    async def listed_admins(self, workspace_id: str) -> list[str]:
        return sorted(u for w, u in self.s.admins if w == workspace_id)

    async def set_listed_admin(self, workspace_id: str, user_id: str, listed: bool) -> bool:
        key = (workspace_id, user_id)
        if (key in self.s.admins) == listed:
            return False
        if listed:
            self.s.admins.add(key)
        else:
            self.s.admins.discard(key)
        return True

    async def item_results(self, person_id: int) -> list[ItemResults]:
        sums: dict[str, list[float]] = {}
        for a in self.s.answers.values():
            drill = self.s.drills.get(a.drill_id)
            if a.person_id != person_id or drill is None:
                continue
            s = sums.setdefault(drill.item_id, [0, 0, 0, 0.0])
            if a.choice is not None:
                s[0] += 1
                s[1] += int(bool(a.correct))
            elif a.coverage is not None:
                s[2] += 1
                s[3] += a.coverage
        return [
            ItemResults(item, int(p), int(r), int(o), c)
            for item, (p, r, o, c) in sorted(sums.items())
        ]

    async def set_opted_out(self, person_id: int, opted_out: bool) -> bool:
        person = self.s.people.get(person_id)
        if person is None or person.opted_out == opted_out:
            return False
        self.s.people[person_id] = replace(person, opted_out=opted_out)
        return True

    async def opted_out_people(self, workspace_id: str) -> set[int]:
        return {
            p.id for p in self.s.people.values() if p.workspace_id == workspace_id and p.opted_out
        }

    async def set_share_answers(self, channel_id: int, share: bool) -> bool:
        channel = self.s.channels.get(channel_id)
        if channel is None or channel.share_answers == share:
            return False
        self.s.channels[channel_id] = replace(channel, share_answers=share)
        return True

    async def forget_person(self, person_id: int) -> dict[str, int]:
        removed = dict.fromkeys(FORGET_TABLES, 0)
        person = self.s.people.pop(person_id, None)
        if person is None:
            return removed
        mine = [a for a in self.s.answers.values() if a.person_id == person_id]
        # The SQL store keeps one week_totals row per workspace and week with an answer.
        removed["week_totals"] = len(
            {
                (a.workspace_id, a.local_date - dt.timedelta(days=a.local_date.weekday()))
                for a in mine
            }
        )
        for a in mine:
            del self.s.answers[a.id]
            self.s.first_scores.pop(a.id, None)
        removed["answers"] = len(mine)
        streaks = [key for key in self.s.streaks if key[0] == person_id]
        for key in streaks:
            del self.s.streaks[key]
        removed["streaks"] = len(streaks)
        away = [a for a in self.s.away if a.person_id == person_id]
        self.s.away = [a for a in self.s.away if a.person_id != person_id]
        removed["away_periods"] = len(away)
        removed["practice"] = int(self.s.practice.pop(person_id, None) is not None)
        cards = [card for card in self.s.reviews if card[0] == person_id]
        for card in cards:
            del self.s.reviews[card]
        removed["reviews"] = len(cards)
        removed["reminders"] = int(self.s.reminders.pop(person_id, None) is not None)
        leads = {key for key in self.s.leads if key[1] == person_id}
        self.s.leads -= leads
        removed["leads"] = len(leads)
        admins = {(person.workspace_id, person.external_id)} & self.s.admins
        self.s.admins -= admins
        removed["listed_admins"] = len(admins)
        # Incident sessions live in the memory incident store, a store of their own here.
        removed["people"] = 1
        return removed

    async def set_practice(self, person_id: int, item_id: str | None, now: dt.datetime) -> None:
        del now
        if item_id is None:
            self.s.practice.pop(person_id, None)
        else:
            self.s.practice[person_id] = item_id

    async def get_practice(self, person_id: int) -> str | None:
        return self.s.practice.get(person_id)


class MemoryStore:
    def __init__(self) -> None:
        self._state = _State()
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[MemoryTx]:
        if self._holder is not None and self._holder is asyncio.current_task():
            # A real database would deadlock or see stale data here too: fail loudly instead.
            raise RuntimeError("nested transaction: finish the open one first")
        async with self._lock:
            self._holder = asyncio.current_task()
            snapshot = copy.deepcopy(self._state)
            try:
                yield MemoryTx(self._state)
            except BaseException:
                self._state = snapshot
                raise
            finally:
                self._holder = None

    async def close(self) -> None:
        return None
