"""The SQL store's team insights and leads: aggregate queries that return only what is shown.

A mixin of ``bot.db.sql_store.SqlTx`` (every statement runs through its ``_execute``). Each
query sums in the database over the answers' (workspace or channel, local date) indexes and
returns one row per person shown, per week, per question or per key point; no answer text is
ever read. ``bot.testing.memory_insights`` holds the plain rules these must agree with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Float,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.tables import AnswerRow, DrillRow, LeadRow, PersonRow, WeekTotalRow
from bot.domain.insights import (
    POOL_WEEKS,
    ItemSums,
    PersonSums,
    SilentSums,
    TagCount,
    WeekSums,
)
from bot.domain.model import DrillState, Person

A = AnswerRow
W = WeekTotalRow
_MCQ = A.coverage.is_(None)
_OPEN = A.coverage.is_not(None)
_RIGHT = and_(_MCQ, A.correct.is_(True))
# Grouped by person_id + 0, not person_id: grouping by the bare column leads SQLite to walk
# the whole (person_id, created_at) index for its order, rather than the period's range of
# the (workspace or channel, local_date, ...) index; the sum is the same on both databases.
_PERSON = (A.person_id + 0).label("person_id")


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum_coverage(condition: ColumnElement[bool] | None = None) -> Any:
    value = A.coverage if condition is None else case((condition, A.coverage), else_=None)
    return func.coalesce(func.sum(cast(value, Float)), 0.0)


def _where(
    workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date | None
) -> list[ColumnElement[bool]]:
    # The channel's index when one is given, the workspace's otherwise.
    where = [A.channel_id == channel_id] if channel_id is not None else []
    where += [A.workspace_id == workspace_id, A.local_date >= start]
    if end is not None:
        where.append(A.local_date <= end)
    return where


_TAGS = {
    "sqlite": "json_each(a.{column}) AS j",
    "postgresql": "LATERAL json_array_elements_text(a.{column}) AS j(value)",
}


class InsightsTx:
    _conn: AsyncConnection

    async def _execute(self, statement: Executable) -> CursorResult[Any]:
        raise NotImplementedError  # SqlTx's

    async def _execute_text(self, statement: Executable, params: dict[str, Any]) -> Any:
        raise NotImplementedError  # SqlTx's

    async def insight_people(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        end: dt.date,
        middle: dt.date,
        limit: int | None,
    ) -> tuple[int, list[PersonSums]]:
        early = A.local_date < middle
        late = A.local_date >= middle
        score = case((_MCQ, case((A.correct.is_(True), 1.0), else_=0.0)), else_=A.coverage)
        days = func.count(func.distinct(A.local_date))
        answers = func.count()
        sums = (
            select(
                _PERSON,
                days.label("days"),
                answers.label("answers"),
                _count(_MCQ).label("mcq"),
                _count(_RIGHT).label("right"),
                _count(_OPEN).label("open"),
                _sum_coverage().label("coverage"),
                _count(early).label("early"),
                func.coalesce(func.sum(cast(case((early, score), else_=None), Float)), 0.0).label(
                    "early_score"
                ),
                _count(late).label("late"),
                func.coalesce(func.sum(cast(case((late, score), else_=None), Float)), 0.0).label(
                    "late_score"
                ),
                func.max(A.local_date).label("last"),
                func.count().over().label("total"),
            )
            .where(*_where(workspace_id, channel_id, start, end))
            .group_by(_PERSON)
            .order_by(days.desc(), answers.desc(), _PERSON)
        )
        if limit is not None:
            sums = sums.limit(limit)
        top = sums.subquery()
        result = await self._execute(
            select(top, PersonRow.external_id, PersonRow.display_name, PersonRow.opted_out)
            .join(PersonRow, PersonRow.id == top.c.person_id)
            .order_by(top.c.days.desc(), top.c.answers.desc(), top.c.person_id)
        )
        rows = result.all()
        if not rows:
            return 0, []
        return int(rows[0].total), [
            PersonSums(
                person_id=r.person_id,
                user=r.external_id,
                display_name=r.display_name,
                opted_out=bool(r.opted_out),
                days_answered=int(r.days),
                mcq_answers=int(r.mcq),
                mcq_correct=int(r.right),
                open_answers=int(r.open),
                coverage_sum=float(r.coverage),
                early_answers=int(r.early),
                early_score=float(r.early_score),
                late_answers=int(r.late),
                late_score=float(r.late_score),
                last_date=r.last,
            )
            for r in rows
        ]

    async def insight_weeks(
        self, workspace_id: str, channel_id: int | None, weeks: Sequence[dt.date]
    ) -> list[WeekSums]:
        if not weeks:
            return []
        # Who answered: per week, for a workspace from the weekly totals the triggers keep (a
        # row per person and week with an answer), else over the channel's covering index.
        people: dict[dt.date, tuple[int, int]] = {}
        for monday in weeks if channel_id is None else ():
            pool_start = monday - dt.timedelta(weeks=POOL_WEEKS - 1)
            result = await self._execute(
                select(
                    func.count(
                        func.distinct(case((W.week_start == monday, W.person_id), else_=None))
                    ),
                    func.count(func.distinct(W.person_id)),
                ).where(
                    W.workspace_id == workspace_id,
                    W.week_start >= pool_start,
                    W.week_start <= monday,
                )
            )
            active, pool = result.one()
            people[monday] = (int(active), int(pool))
        for monday in weeks if channel_id is not None else ():
            this_week = A.local_date >= monday
            pool_start = monday - dt.timedelta(weeks=POOL_WEEKS - 1)
            end = monday + dt.timedelta(days=6)
            result = await self._execute(
                select(
                    func.count(func.distinct(case((this_week, A.person_id), else_=None))),
                    func.count(func.distinct(A.person_id)),
                ).where(*_where(workspace_id, channel_id, pool_start, end))
            )
            active, pool = result.one()
            people[monday] = (int(active), int(pool))
        # What they answered: one pass over the period, summed per day, folded into weeks.
        result = await self._execute(
            select(
                A.local_date,
                func.count().label("answers"),
                _count(_MCQ).label("mcq"),
                _count(_RIGHT).label("right"),
                _count(_OPEN).label("open"),
                _sum_coverage().label("coverage"),
            )
            .where(*_where(workspace_id, channel_id, min(weeks), max(weeks) + dt.timedelta(days=6)))
            .group_by(A.local_date)
        )
        sums: dict[dt.date, list[float]] = {monday: [0, 0, 0, 0, 0.0] for monday in weeks}
        for r in result:
            day = r.local_date
            monday = day - dt.timedelta(days=day.weekday())
            if monday in sums:
                s = sums[monday]
                s[0] += r.answers
                s[1] += r.mcq
                s[2] += r.right
                s[3] += r.open
                s[4] += float(r.coverage)
        return [
            WeekSums(
                week_start=monday,
                active=people[monday][0],
                pool=people[monday][1],
                answers=int(sums[monday][0]),
                mcq_answers=int(sums[monday][1]),
                mcq_correct=int(sums[monday][2]),
                open_answers=int(sums[monday][3]),
                coverage_sum=sums[monday][4],
            )
            for monday in weeks
        ]

    async def insight_items(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> list[ItemSums]:
        result = await self._execute(
            select(
                DrillRow.item_id,
                _count(_MCQ).label("mcq"),
                _count(_RIGHT).label("right"),
                _count(_OPEN).label("open"),
                _sum_coverage().label("coverage"),
            )
            .join(DrillRow, DrillRow.id == A.drill_id)
            .where(*_where(workspace_id, channel_id, start, end))
            .group_by(DrillRow.item_id)
            .order_by(DrillRow.item_id)
        )
        return [
            ItemSums(r.item_id, int(r.mcq), int(r.right), int(r.open), float(r.coverage))
            for r in result
        ]

    async def _tags(
        self,
        column: str,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        end: dt.date,
    ) -> list[TagCount]:
        where = "a.workspace_id = :ws AND a.local_date >= :start AND a.local_date <= :end"
        if channel_id is not None:
            where = "a.channel_id = :channel AND " + where
        source = _TAGS[self._conn.dialect.name].format(column=column)
        statement = text(
            f"SELECT d.item_id AS item_id, j.value AS tag, count(DISTINCT a.id) AS n "
            f"FROM answers AS a JOIN drills AS d ON d.id = a.drill_id CROSS JOIN {source} "
            f"WHERE {where} GROUP BY d.item_id, j.value"
        )
        params = {"ws": workspace_id, "channel": channel_id, "start": start, "end": end}
        result = await self._execute_text(statement, params)
        return [TagCount(r.item_id, str(r.tag), int(r.n)) for r in result]

    async def insight_tags(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> tuple[list[TagCount], list[TagCount]]:
        return (
            await self._tags("covered", workspace_id, channel_id, start, end),
            await self._tags("mistakes", workspace_id, channel_id, start, end),
        )

    async def insight_silent(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        before: dt.date,
        limit: int | None,
    ) -> tuple[int, list[SilentSums]]:
        last = func.max(A.local_date)
        silent = (
            select(_PERSON, last.label("last"), func.count().over().label("total"))
            .where(*_where(workspace_id, channel_id, start, None))
            .group_by(_PERSON)
            .having(last < before)
            .order_by(last, _PERSON)
        )
        if limit is not None:
            silent = silent.limit(limit)
        found = silent.subquery()
        result = await self._execute(
            select(found, PersonRow.display_name, PersonRow.opted_out)
            .join(PersonRow, PersonRow.id == found.c.person_id)
            .order_by(found.c.last, found.c.person_id)
        )
        rows = result.all()
        if not rows:
            return 0, []
        return int(rows[0].total), [
            SilentSums(r.person_id, r.display_name, bool(r.opted_out), r.last) for r in rows
        ]

    async def posted_days(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> int:
        where = [
            DrillRow.workspace_id == workspace_id,
            DrillRow.state == DrillState.POSTED.value,
            DrillRow.local_date >= start,
            DrillRow.local_date <= end,
        ]
        if channel_id is not None:
            where.append(DrillRow.channel_id == channel_id)
        result = await self._execute(
            select(func.count(func.distinct(DrillRow.local_date))).where(*where)
        )
        return int(result.scalar_one())

    # --- leads ------------------------------------------------------------------------------
    async def leads(self, workspace_id: str) -> list[Person]:
        result = await self._execute(
            select(PersonRow)
            .join(LeadRow, LeadRow.person_id == PersonRow.id)
            .where(LeadRow.workspace_id == workspace_id)
            .order_by(PersonRow.display_name, PersonRow.id)
        )
        return [
            Person(r.id, r.workspace_id, r.external_id, r.display_name, bool(r.opted_out))
            for r in result
        ]

    async def is_lead(self, workspace_id: str, person_id: int) -> bool:
        result = await self._execute(
            select(literal(1)).where(
                LeadRow.workspace_id == workspace_id, LeadRow.person_id == person_id
            )
        )
        return result.first() is not None

    async def set_lead(self, workspace_id: str, person_id: int, lead: bool) -> bool:
        if not lead:
            result = await self._execute(
                delete(LeadRow)
                .where(LeadRow.workspace_id == workspace_id, LeadRow.person_id == person_id)
                .returning(LeadRow.person_id)
            )
            return result.first() is not None
        insert = (
            postgresql.insert(LeadRow)
            if self._conn.dialect.name == "postgresql"
            else sqlite.insert(LeadRow)
        )
        result = await self._execute(
            insert.values(workspace_id=workspace_id, person_id=person_id)
            .on_conflict_do_nothing(index_elements=[LeadRow.workspace_id, LeadRow.person_id])
            .returning(LeadRow.person_id)
        )
        return result.first() is not None
