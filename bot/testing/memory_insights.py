"""The memory store's team insights and leads: the plain rules the SQL queries
(``bot.db.insights_sql``) must agree with. A mixin of ``bot.testing.memory_store.MemoryTx``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from bot.domain.insights import (
    POOL_WEEKS,
    InsightTodo,
    ItemSums,
    PersonSums,
    Roster,
    SilentSums,
    TagCount,
    WeekSums,
)
from bot.domain.model import Answer, DrillState, Person

if TYPE_CHECKING:
    from bot.testing.memory_store import _State


class MemoryInsightsTx:
    s: _State

    def _answers_in(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> Iterator[Answer]:
        for a in self.s.answers.values():
            if a.workspace_id != workspace_id or channel_id not in (None, a.channel_id):
                continue
            if start <= a.local_date <= end:
                yield a

    async def insight_people(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        end: dt.date,
        middle: dt.date,
        limit: int | None,
    ) -> tuple[int, list[PersonSums]]:
        days: dict[int, set[dt.date]] = {}
        sums: dict[int, list[float]] = {}
        last: dict[int, dt.date] = {}
        for a in self._answers_in(workspace_id, channel_id, start, end):
            days.setdefault(a.person_id, set()).add(a.local_date)
            s = sums.setdefault(a.person_id, [0, 0, 0, 0.0, 0, 0.0, 0, 0.0])
            score: float
            if a.coverage is None:
                s[0] += 1
                s[1] += 1 if a.correct else 0
                score = 1.0 if a.correct else 0.0
            else:
                s[2] += 1
                s[3] += a.coverage
                score = a.coverage
            if a.local_date < middle:
                s[4] += 1
                s[5] += score
            else:
                s[6] += 1
                s[7] += score
            last[a.person_id] = max(last.get(a.person_id, a.local_date), a.local_date)
        order = sorted(sums, key=lambda p: (-len(days[p]), -(sums[p][0] + sums[p][2]), p))
        if limit is not None:
            order = order[:limit]
        out = []
        for pid in order:
            s = sums[pid]
            person = self.s.people[pid]
            out.append(
                PersonSums(
                    person_id=pid,
                    user=person.external_id,
                    display_name=person.display_name,
                    opted_out=person.opted_out,
                    days_answered=len(days[pid]),
                    mcq_answers=int(s[0]),
                    mcq_correct=int(s[1]),
                    open_answers=int(s[2]),
                    coverage_sum=s[3],
                    early_answers=int(s[4]),
                    early_score=s[5],
                    late_answers=int(s[6]),
                    late_score=s[7],
                    last_date=last[pid],
                )
            )
        return len(sums), out

    async def insight_roster(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        end: dt.date,
        middle: dt.date,
        before: dt.date,
        limit: int | None,
        settled_before: dt.date | None = None,
    ) -> Roster:
        total, people = await self.insight_people(
            workspace_id, channel_id, start, end, middle, limit
        )
        silent_total, silent = await self.insight_silent(
            workspace_id, channel_id, start, before, limit
        )
        return Roster(total, people, silent_total, silent)

    def insight_todo(self) -> InsightTodo:
        return InsightTodo()  # nothing kept: every read sums the answers

    async def save_insight_todo(self, todo: InsightTodo, now: dt.datetime) -> None:
        return None

    async def insight_weeks(
        self,
        workspace_id: str,
        channel_id: int | None,
        weeks: Sequence[dt.date],
        settled_before: dt.date | None = None,
    ) -> list[WeekSums]:
        out = []
        for monday in weeks:
            end = monday + dt.timedelta(days=6)
            pool_start = monday - dt.timedelta(weeks=POOL_WEEKS - 1)
            pool: set[int] = set()
            active: set[int] = set()
            counts = [0, 0, 0, 0]
            coverage = 0.0
            for a in self._answers_in(workspace_id, channel_id, pool_start, end):
                pool.add(a.person_id)
                if a.local_date < monday:
                    continue
                active.add(a.person_id)
                counts[0] += 1
                if a.coverage is None:
                    counts[1] += 1
                    counts[2] += 1 if a.correct else 0
                else:
                    counts[3] += 1
                    coverage += a.coverage
            out.append(
                WeekSums(
                    week_start=monday,
                    active=len(active),
                    pool=len(pool),
                    answers=counts[0],
                    mcq_answers=counts[1],
                    mcq_correct=counts[2],
                    open_answers=counts[3],
                    coverage_sum=coverage,
                )
            )
        return out

    async def insight_items(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> list[ItemSums]:
        sums: dict[str, list[float]] = {}
        for a in self._answers_in(workspace_id, channel_id, start, end):
            s = sums.setdefault(self.s.drills[a.drill_id].item_id, [0, 0, 0, 0.0])
            if a.coverage is None:
                s[0] += 1
                s[1] += 1 if a.correct else 0
            else:
                s[2] += 1
                s[3] += a.coverage
        return [
            ItemSums(item, int(s[0]), int(s[1]), int(s[2]), s[3])
            for item, s in sorted(sums.items())
        ]

    async def insight_tags(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> tuple[list[TagCount], list[TagCount]]:
        covered: dict[tuple[str, str], int] = {}
        shown: dict[tuple[str, str], int] = {}
        for a in self._answers_in(workspace_id, channel_id, start, end):
            item = self.s.drills[a.drill_id].item_id
            for tag in set(a.covered):
                covered[(item, tag)] = covered.get((item, tag), 0) + 1
            for tag in set(a.mistakes):
                shown[(item, tag)] = shown.get((item, tag), 0) + 1
        return (
            [TagCount(i, t, n) for (i, t), n in covered.items()],
            [TagCount(i, t, n) for (i, t), n in shown.items()],
        )

    async def insight_silent(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        before: dt.date,
        limit: int | None,
    ) -> tuple[int, list[SilentSums]]:
        last: dict[int, dt.date] = {}
        for a in self._answers_in(workspace_id, channel_id, start, dt.date.max):
            last[a.person_id] = max(last.get(a.person_id, a.local_date), a.local_date)
        silent = sorted((d, p) for p, d in last.items() if d < before)
        shown = silent if limit is None else silent[:limit]
        out = []
        for day, pid in shown:
            person = self.s.people[pid]
            out.append(SilentSums(pid, person.display_name, person.opted_out, day))
        return len(silent), out

    async def posted_days(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> int:
        return len(
            {
                d.local_date
                for d in self.s.drills.values()
                if d.workspace_id == workspace_id
                and channel_id in (None, d.channel_id)
                and d.state is DrillState.POSTED
                and start <= d.local_date <= end
            }
        )

    async def leads(self, workspace_id: str) -> list[Person]:
        people = [self.s.people[pid] for ws, pid in self.s.leads if ws == workspace_id]
        return sorted(people, key=lambda p: (p.display_name, p.id))

    async def is_lead(self, workspace_id: str, person_id: int) -> bool:
        return (workspace_id, person_id) in self.s.leads

    async def set_lead(self, workspace_id: str, person_id: int, lead: bool) -> bool:
        key = (workspace_id, person_id)
        if lead == (key in self.s.leads):
            return False
        if lead:
            self.s.leads.add(key)
        else:
            self.s.leads.discard(key)
        return True
