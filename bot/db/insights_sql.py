"""The SQL store's team insights and leads: aggregate queries that return only what is shown.

A mixin of ``bot.db.sql_store.SqlTx`` (every statement runs through its ``_execute``). Each
query sums in the database over the answers' (workspace or channel, local date) indexes and
returns one row per person shown, per week, per question or per key point; no answer text is
ever read. ``bot.testing.memory_insights`` holds the plain rules these must agree with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
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
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.tables import (
    AnswerRow,
    ChannelRow,
    DrillRow,
    DrillTotalRow,
    LeadRow,
    PersonRow,
    RosterPartRow,
    TeamWeekRow,
    WeekTotalRow,
)
from bot.domain.insights import (
    POOL_WEEKS,
    DrillSums,
    InsightTodo,
    ItemSums,
    PersonSums,
    Roster,
    RosterPart,
    SettledWeek,
    SilentSums,
    TagCount,
    WeekSums,
)
from bot.domain.model import DrillState, Person

A = AnswerRow
W = WeekTotalRow
T = DrillTotalRow
SETTLED = dt.timedelta(minutes=10)
"""How long after its reveal a drill's sums are kept: an answer written as the reveal was
being posted has committed by then."""
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
    # The channel's index when one is given, the workspace's otherwise: a channel is checked
    # to be the workspace's once (a constant), not per answer, which would steer the planner
    # to the workspace's index and the whole workspace's answers of the period.
    if channel_id is not None:
        mine = select(ChannelRow.id).where(
            ChannelRow.id == channel_id, ChannelRow.workspace_id == workspace_id
        )
        where = [A.channel_id == channel_id, mine.exists()]
    else:
        where = [A.workspace_id == workspace_id]
    where.append(A.local_date >= start)
    if end is not None:
        where.append(A.local_date <= end)
    return where


_KEY = 1 << 20
"""Days answered and answers packed in one sum (days * _KEY + answers; nobody answers a
million times in a period): SQLite's GROUP BY costs per aggregate, and this one orders."""
# From week_totals: one pass over the period's rows of the ranking index (which covers what is
# read), grouped per person once and read three ways: the first people by days answered then
# answers, the first who went quiet, and the counts. person_id + 0, as in _PERSON, keeps
# SQLite on that index's range rather than the primary key's whole workspace.
_ROSTER = """
WITH g AS MATERIALIZED ({people})
SELECT * FROM (
  SELECT 0 AS part, g.* FROM g ORDER BY k DESC, person_id LIMIT :n
) AS shown
UNION ALL
SELECT * FROM (
  SELECT 1 AS part, g.* FROM g WHERE last < :before ORDER BY last, person_id LIMIT :n
) AS quiet
UNION ALL
SELECT 2, count(*), sum(CASE WHEN last < :before THEN 1 ELSE 0 END), NULL FROM g
"""
_WEEKS = f"""
  SELECT person_id + 0 AS person_id, sum(day_count * {_KEY} + answers) AS k,
    max(last_date) AS last
  FROM week_totals
  WHERE workspace_id = :ws AND week_start >= :start AND week_start <= :end
  GROUP BY person_id + 0
"""
# The kept sums of the period's settled weeks, plus the weeks after them: a settled week is
# read from roster_parts once for all the people, the rest from week_totals as above.
_PART_AND_WEEKS = f"""
  SELECT person_id, sum(k) AS k, max(last) AS last FROM (
    SELECT person_id, k, last_date AS last FROM roster_parts
    WHERE workspace_id = :ws AND first_week = :start AND last_week = :settled
      AND person_id > 0
    UNION ALL
    SELECT person_id, day_count * {_KEY} + answers, last_date FROM week_totals
    WHERE workspace_id = :ws AND week_start > :settled AND week_start <= :end
  ) AS parts
  GROUP BY person_id
"""
_KEEP_PART = f"""
INSERT INTO roster_parts (workspace_id, first_week, last_week, person_id, k, last_date)
SELECT {{ws}}, {{start}}, {{settled}}, person_id + 0, sum(day_count * {_KEY} + answers),
  max(last_date)
FROM week_totals
WHERE workspace_id = :ws AND week_start >= :start AND week_start <= :settled
GROUP BY person_id + 0
ON CONFLICT DO NOTHING
"""
_MARK_PART = """
INSERT INTO roster_parts (workspace_id, first_week, last_week, person_id, k, last_date)
VALUES (:ws, :start, :settled, 0, 0, NULL)
ON CONFLICT DO NOTHING
"""


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _last_settled(start: dt.date, end: dt.date, settled_before: dt.date | None) -> dt.date | None:
    """The last Monday of the period whose week ended before ``settled_before``, if any."""
    if settled_before is None:
        return None
    last = None
    monday = start
    while monday <= end and monday + dt.timedelta(days=6) < settled_before:
        last = monday
        monday += dt.timedelta(weeks=1)
    return last


def _silent(person: PersonSums) -> SilentSums:
    return SilentSums(person.person_id, person.display_name, person.opted_out, person.last_date)


def _by_weeks(start: dt.date, middle: dt.date, channel_id: int | None) -> bool:
    """Whether the kept weekly rows answer for this period: a workspace's whole ISO weeks."""
    return channel_id is None and start.weekday() == 0 and middle.weekday() == 0


def _sum_drill(
    drill_id: int,
    workspace_id: str,
    channel_id: int,
    local_date: dt.date,
    item_id: str,
    answers: Sequence[Any],
    revealed_at: dt.datetime | None,
) -> DrillSums:
    """One drill's answers summed as ``drill_totals`` keeps them (an answer naming a key point
    twice counts once, as the SQL rules always counted)."""
    mcq = right = open_answers = 0
    coverage = 0.0
    covered: dict[str, int] = {}
    mistakes: dict[str, int] = {}
    for a in answers:
        if a.coverage is None:
            mcq += 1
            right += 1 if a.correct else 0
        else:
            open_answers += 1
            coverage += float(a.coverage)
        for tag in set(a.covered or ()):
            covered[tag] = covered.get(tag, 0) + 1
        for tag in set(a.mistakes or ()):
            mistakes[tag] = mistakes.get(tag, 0) + 1
    return DrillSums(
        drill_id,
        workspace_id,
        channel_id,
        local_date,
        item_id,
        len(answers),
        mcq,
        right,
        open_answers,
        coverage,
        covered,
        mistakes,
        revealed_at,
    )


@dataclass
class _Period:
    """A period's drills summed (``InsightsTx._drill_sums``): numbers per question and day (or
    per drill), answers per question and key point (``covered``) or mistake."""

    numbers: list[DrillSums]
    covered: dict[tuple[str, str], int]
    mistakes: dict[tuple[str, str], int]

    def add(self, drill: DrillSums) -> None:
        self.numbers.append(drill)
        for tags, counts in ((drill.covered, self.covered), (drill.mistakes, self.mistakes)):
            for tag, n in tags.items():
                counts[(drill.item_id, tag)] = counts.get((drill.item_id, tag), 0) + n


class InsightsTx:
    _conn: AsyncConnection
    # Per transaction: each closed drill's sums, read once for items, tags and weeks; how many
    # people answered in a period (a week's pool when the periods match); what to keep.
    _drill_memo: dict[tuple[str, int | None, dt.date, dt.date], _Period]
    _total_memo: dict[tuple[str, dt.date, dt.date], int]
    _todo: InsightTodo

    def _memos(self) -> None:
        if not hasattr(self, "_todo"):
            self._drill_memo = {}
            self._total_memo = {}
            self._todo = InsightTodo()

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
        if not _by_weeks(start, middle, channel_id):
            total, sums = await self.insight_people(
                workspace_id, channel_id, start, end, middle, limit
            )
            silent_total, silent = await self.insight_silent(
                workspace_id, channel_id, start, before, limit
            )
            return Roster(total, sums, silent_total, silent)
        self._memos()
        if limit is None:
            return await self._everyone(workspace_id, start, end, middle, before)
        params = {
            "ws": workspace_id,
            "start": start,
            "end": end,
            "before": before,
            "n": limit,
        }
        people = _WEEKS
        settled = _last_settled(start, end, settled_before)
        if settled is not None:
            params["settled"] = settled
            kept = await self._execute(
                select(literal(1)).where(
                    RosterPartRow.workspace_id == workspace_id,
                    RosterPartRow.first_week == start,
                    RosterPartRow.last_week == settled,
                    RosterPartRow.person_id == 0,
                )
            )
            if kept.first() is not None:
                people = _PART_AND_WEEKS
            else:
                self._todo.rosters.append(RosterPart(workspace_id, start, settled))
        rows = (await self._execute_text(text(_ROSTER.format(people=people)), params)).all()
        counts = next(r for r in rows if r.part == 2)
        total, silent_total = int(counts.person_id), int(counts.k or 0)
        self._total_memo[(workspace_id, start, end)] = total
        shown = sorted({r.person_id for r in rows if r.part in (0, 1)})
        found = await self._person_sums(workspace_id, start, end, middle, shown) if shown else {}
        roster = Roster(total, [], silent_total, [])
        for r in rows:
            person = found.get(r.person_id)
            if r.part == 2 or person is None:
                continue
            if r.part == 1:
                roster.silent.append(_silent(person))
            else:
                roster.people.append(person)
        return roster

    async def _everyone(
        self, workspace_id: str, start: dt.date, end: dt.date, middle: dt.date, before: dt.date
    ) -> Roster:
        """Every person of the period (a report): their sums in one pass, ordered here."""
        found = list((await self._person_sums(workspace_id, start, end, middle, None)).values())
        people = sorted(
            found,
            key=lambda p: (-p.days_answered, -(p.mcq_answers + p.open_answers), p.person_id),
        )
        quiet = sorted(
            (p for p in found if p.last_date < before), key=lambda p: (p.last_date, p.person_id)
        )
        return Roster(len(found), people, len(quiet), [_silent(p) for p in quiet])

    async def _person_sums(
        self,
        workspace_id: str,
        start: dt.date,
        end: dt.date,
        middle: dt.date,
        ids: Sequence[int] | None,
    ) -> dict[int, PersonSums]:
        """The sums of ``ids`` (everyone's with None) over whole weeks, from week_totals."""
        early = W.week_start < middle
        score = W.mcq_right + W.coverage
        person = W.person_id + 0  # the period's weeks, not the primary key's whole workspace
        result = await self._execute(
            select(
                person.label("person_id"),
                func.sum(W.day_count).label("days"),
                func.sum(W.mcq).label("mcq"),
                func.sum(W.mcq_right).label("right"),
                func.sum(W.open_answers).label("open"),
                func.sum(W.coverage).label("coverage"),
                func.sum(case((early, W.answers), else_=0)).label("early"),
                func.sum(case((early, score), else_=0.0)).label("early_score"),
                func.sum(case((early, 0), else_=W.answers)).label("late"),
                func.sum(case((early, 0.0), else_=score)).label("late_score"),
                func.max(W.last_date).label("last"),
            )
            .where(
                W.workspace_id == workspace_id,
                true() if ids is None else W.person_id.in_(ids),
                W.week_start >= start,
                W.week_start <= end,
            )
            .group_by(person)
        )
        sums = result.all()
        # Their names apart: joined into the grouping, they would be carried through its sort.
        names = select(
            PersonRow.id, PersonRow.external_id, PersonRow.display_name, PersonRow.opted_out
        )
        names = names.where(
            PersonRow.workspace_id == workspace_id if ids is None else PersonRow.id.in_(ids)
        )
        people = {r.id: r for r in (await self._execute(names)).all()}
        out: dict[int, PersonSums] = {}
        # Unpacked by position: a report builds ten thousand of these.
        for pid, days, mcq, right, open_, coverage, early, e_score, late, l_score, last in sums:
            who = people.get(pid)
            if who is None:
                continue
            out[pid] = PersonSums(
                pid,
                who[1],
                who[2],
                bool(who[3]),
                int(days),
                int(mcq),
                int(right),
                int(open_),
                float(coverage),
                int(early),
                float(e_score),
                int(late),
                float(l_score),
                _date(last),
            )
        return out

    async def insight_weeks(
        self,
        workspace_id: str,
        channel_id: int | None,
        weeks: Sequence[dt.date],
        settled_before: dt.date | None = None,
    ) -> list[WeekSums]:
        if not weeks:
            return []
        self._memos()
        # Who answered: per week from the weekly totals the triggers keep (a row per person
        # and week with an answer) for a workspace, over the channel's covering index for a
        # channel; a settled week's counts are kept once counted.
        kept: dict[dt.date, tuple[int, int]] = {}
        result = await self._execute(
            select(TeamWeekRow.week_start, TeamWeekRow.active, TeamWeekRow.pool).where(
                TeamWeekRow.workspace_id == workspace_id,
                TeamWeekRow.channel_id == (channel_id or 0),
                TeamWeekRow.week_start.in_(list(weeks)),
            )
        )
        for monday, active, pool in result:
            kept[_date(monday)] = (int(active), int(pool))
        # Who answered each week not kept: one statement for all of them (each statement is
        # several hops to SQLite's thread, more than these small reads cost).
        counting = [monday for monday in weeks if monday not in kept]
        active_in: dict[dt.date, int] = {}
        if counting and channel_id is None:
            result = await self._execute(
                select(W.week_start, func.count())
                .where(W.workspace_id == workspace_id, W.week_start.in_(counting))
                .group_by(W.week_start)
            )
            active_in = {_date(monday): int(n) for monday, n in result}
        elif counting:
            in_week = [
                and_(A.local_date >= monday, A.local_date <= monday + dt.timedelta(days=6))
                for monday in counting
            ]
            result = await self._execute(
                select(
                    *(
                        func.count(func.distinct(case((w, A.person_id), else_=None)))
                        for w in in_week
                    )
                ).where(
                    *_where(
                        workspace_id,
                        channel_id,
                        min(counting),
                        max(counting) + dt.timedelta(days=6),
                    )
                )
            )
            active_in = dict(zip(counting, (int(n) for n in result.one()), strict=True))
        people: dict[dt.date, tuple[int, int]] = {}
        for monday in weeks:
            if monday in kept:
                people[monday] = kept[monday]
                continue
            pool_start = monday - dt.timedelta(weeks=POOL_WEEKS - 1)
            end = monday + dt.timedelta(days=6)
            # The roster's count is a workspace's (week_totals): no channel's pool.
            pool = None if channel_id else self._total_memo.get((workspace_id, pool_start, end))
            if pool is None:
                if channel_id is None:
                    counted = select(func.count(func.distinct(W.person_id))).where(
                        W.workspace_id == workspace_id,
                        W.week_start >= pool_start,
                        W.week_start <= monday,
                    )
                else:
                    counted = select(func.count(func.distinct(A.person_id))).where(
                        *_where(workspace_id, channel_id, pool_start, end)
                    )
                pool = int((await self._execute(counted)).scalar_one())
            active = active_in.get(monday, 0)
            if settled_before is not None and end < settled_before:
                self._todo.weeks.append(SettledWeek(workspace_id, channel_id, monday, active, pool))
            people[monday] = (active, pool)
        # What they answered: each drill's sums, folded into weeks.
        sums: dict[dt.date, list[float]] = {monday: [0, 0, 0, 0, 0.0] for monday in weeks}
        period = await self._drill_sums(
            workspace_id, channel_id, min(weeks), max(weeks) + dt.timedelta(days=6)
        )
        for d in period.numbers:
            monday = d.local_date - dt.timedelta(days=d.local_date.weekday())
            if monday in sums:
                s = sums[monday]
                s[0] += d.answers
                s[1] += d.mcq_answers
                s[2] += d.mcq_correct
                s[3] += d.open_answers
                s[4] += d.coverage_sum
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
        sums: dict[str, list[float]] = {}
        for d in (await self._drill_sums(workspace_id, channel_id, start, end)).numbers:
            if d.answers:
                s = sums.setdefault(d.item_id, [0, 0, 0, 0.0])
                s[0] += d.mcq_answers
                s[1] += d.mcq_correct
                s[2] += d.open_answers
                s[3] += d.coverage_sum
        return [
            ItemSums(item, int(s[0]), int(s[1]), int(s[2]), s[3])
            for item, s in sorted(sums.items())
        ]

    async def insight_tags(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> tuple[list[TagCount], list[TagCount]]:
        period = await self._drill_sums(workspace_id, channel_id, start, end)
        covered, shown = period.covered, period.mistakes
        return (
            [TagCount(item, tag, n) for (item, tag), n in covered.items()],
            [TagCount(item, tag, n) for (item, tag), n in shown.items()],
        )

    async def _drill_sums(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> _Period:
        """The period's drills summed: kept sums from ``drill_totals`` added up in the database
        per question and day, and per question and key point or mistake; the drills without
        kept sums (still open, or closed and not kept yet: then noted for
        ``save_insight_todo``) summed here from their answers."""
        self._memos()
        key = (workspace_id, channel_id, start, end)
        if key in self._drill_memo:
            return self._drill_memo[key]
        period = _Period([], {}, {})
        in_period = [T.workspace_id == workspace_id, T.local_date >= start, T.local_date <= end]
        if channel_id is not None:
            in_period.append(T.channel_id == channel_id)
        result = await self._execute(
            select(
                T.item_id,
                T.local_date,
                func.sum(T.answers),
                func.sum(T.mcq),
                func.sum(T.mcq_right),
                func.sum(T.open_answers),
                func.sum(T.coverage),
            )
            .where(*in_period)
            .group_by(T.item_id, T.local_date)
        )
        for item, day, count, mcq, right, open_answers, coverage in result:
            period.numbers.append(
                DrillSums(
                    0,
                    workspace_id,
                    channel_id or 0,
                    day,
                    item,
                    int(count),
                    int(mcq),
                    int(right),
                    int(open_answers),
                    float(coverage),
                    {},
                    {},
                )
            )
        where = "t.workspace_id = :ws AND t.local_date >= :start AND t.local_date <= :end"
        if channel_id is not None:
            where += " AND t.channel_id = :channel"
        params = {"ws": workspace_id, "channel": channel_id, "start": start, "end": end}
        postgres = self._conn.dialect.name == "postgresql"
        parts = []
        for kind, column in enumerate(("covered", "mistakes")):
            tags = (
                f"json_each_text(t.{column}) AS j(key, value)"
                if postgres
                else f"json_each(t.{column}) AS j"
            )
            parts.append(
                f"SELECT {kind} AS kind, t.item_id, j.key AS tag, "
                f"sum(CAST(j.value AS INTEGER)) AS n FROM drill_totals AS t "
                f"CROSS JOIN {tags} WHERE {where} GROUP BY t.item_id, j.key"
            )
        result = await self._execute_text(text(" UNION ALL ".join(parts)), params)
        for kind, item, tag, n in result:
            counts = period.mistakes if kind else period.covered
            counts[(item, str(tag))] = int(n)
        drills = [
            DrillRow.workspace_id == workspace_id,
            DrillRow.local_date >= start,
            DrillRow.local_date <= end,
            DrillRow.state == DrillState.POSTED.value,
            ~select(literal(1)).where(T.drill_id == DrillRow.id).exists(),
        ]
        if channel_id is not None:
            drills.append(DrillRow.channel_id == channel_id)
        missing = (
            await self._execute(
                select(
                    DrillRow.id,
                    DrillRow.channel_id,
                    DrillRow.local_date,
                    DrillRow.item_id,
                    DrillRow.revealed_at,
                ).where(*drills)
            )
        ).all()
        if missing:
            answers: dict[int, list[Any]] = {}
            result = await self._execute(
                select(A.drill_id, A.correct, A.coverage, A.covered, A.mistakes).where(
                    A.drill_id.in_([m.id for m in missing])
                )
            )
            for a in result:
                answers.setdefault(a.drill_id, []).append(a)
            for m in missing:
                summed = _sum_drill(
                    m.id,
                    workspace_id,
                    m.channel_id,
                    m.local_date,
                    m.item_id,
                    answers.get(m.id, []),
                    m.revealed_at,
                )
                period.add(summed)
                if m.revealed_at is not None:
                    self._todo.drills.append(summed)
        self._drill_memo[key] = period
        return period

    def insight_todo(self) -> InsightTodo:
        self._memos()
        return self._todo

    async def save_insight_todo(self, todo: InsightTodo, now: dt.datetime) -> None:
        settled = [
            d for d in todo.drills if d.revealed_at is not None and d.revealed_at <= now - SETTLED
        ]
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        if settled:
            await self._execute(
                insert(T)
                .values(
                    [
                        {
                            "drill_id": d.drill_id,
                            "workspace_id": d.workspace_id,
                            "channel_id": d.channel_id,
                            "local_date": d.local_date,
                            "item_id": d.item_id,
                            "answers": d.answers,
                            "mcq": d.mcq_answers,
                            "mcq_right": d.mcq_correct,
                            "open_answers": d.open_answers,
                            "coverage": d.coverage_sum,
                            "covered": d.covered,
                            "mistakes": d.mistakes,
                        }
                        for d in settled
                    ]
                )
                .on_conflict_do_nothing(index_elements=[T.drill_id])
            )
        for part in todo.rosters:
            params = {"ws": part.workspace_id, "start": part.first_week, "settled": part.last_week}
            # PostgreSQL must be told the types of values it only selects; SQLite must not
            # (CAST(... AS DATE) would make a number of a date there).
            typed = (
                {
                    "ws": "CAST(:ws AS VARCHAR)",
                    "start": "CAST(:start AS DATE)",
                    "settled": "CAST(:settled AS DATE)",
                }
                if self._conn.dialect.name == "postgresql"
                else {"ws": ":ws", "start": ":start", "settled": ":settled"}
            )
            await self._execute_text(text(_KEEP_PART.format(**typed)), params)
            # Marked done after its rows: a reader finding the mark finds them all.
            await self._execute_text(text(_MARK_PART), params)
        if todo.weeks:
            await self._execute(
                insert(TeamWeekRow)
                .values(
                    [
                        {
                            "workspace_id": p.workspace_id,
                            "channel_id": p.channel_id or 0,
                            "week_start": p.week_start,
                            "active": p.active,
                            "pool": p.pool,
                        }
                        for p in todo.weeks
                    ]
                )
                .on_conflict_do_nothing(
                    index_elements=[
                        TeamWeekRow.workspace_id,
                        TeamWeekRow.channel_id,
                        TeamWeekRow.week_start,
                    ]
                )
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
