"""The statements behind boards and standings, built once per shape and reused.

A board statement is large (sums, a cut, tie-breaks, a rank count); building it and working
out its cache key on every call costs more Python time than the database spends running it.
So each shape (which bounds are given, a channel or the workspace, one week or not, SQLite or
PostgreSQL) is built once, with bind parameters for every value, and executed with the values.

The order is the board's (``bot.domain.standings.board_key``): points, correct answers, best
streak (stored), name lowercased, user id. Names compare by code point as Python compares
strings: PostgreSQL is told "C" whatever the database's collation, SQLite's BINARY already is.
SQLite's lower() folds ASCII only, so two tied names that differ only in non-ASCII capitals
may order apart from Python's order (the memory store's).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    union_all,
)

from bot.db.tables import AnswerRow, ChannelRow, DrillRow, PersonRow, StreakRow, WeekTotalRow
from bot.domain.model import DrillState, LeaderboardRow

WS = bindparam("ws", type_=String)
CHANNEL = bindparam("channel", type_=Integer)
START = bindparam("start", type_=Date)
END = bindparam("end", type_=Date)
PERSON = bindparam("person", type_=Integer)
LIMIT = bindparam("limit", type_=Integer)
OFFSET = bindparam("offset", type_=Integer)


@dataclass(frozen=True)
class Shape:
    channel: bool
    start: bool
    end: bool
    week: bool
    """One ISO week of the workspace: read from the totals the triggers keep."""
    postgres: bool


def shape(
    channel_id: int | None, start: dt.date | None, end: dt.date | None, postgres: bool
) -> Shape:
    week = (
        channel_id is None
        and start is not None
        and start.isoweekday() == 1
        and end == start + dt.timedelta(days=6)
    )
    return Shape(channel_id is not None, start is not None, end is not None, week, postgres)


def params(
    workspace_id: str, channel_id: int | None, start: dt.date | None, end: dt.date | None
) -> dict[str, Any]:
    return {"ws": workspace_id, "channel": channel_id, "start": start, "end": end}


def row_params(row: LeaderboardRow) -> dict[str, Any]:
    """The values ``place`` compares the others with."""
    return {
        "p_points": row.points,
        "p_correct": row.correct,
        "p_best": row.best_streak,
        "p_name": row.display_name,
        "p_user": row.user,
    }


def leaderboard_row(r: Any) -> LeaderboardRow:
    return LeaderboardRow(
        person_id=r.person_id,
        user=r.external_id,
        display_name=r.display_name,
        # PostgreSQL sums integers into bigint or numeric: bring them back to int.
        points=int(r.points or 0),
        answers=int(r.answers),
        correct=int(r.correct or 0),
        current_streak=0,
        best_streak=int(r.best),
    )


# --- parts -----------------------------------------------------------------------------------
def _binary(expression: SQLColumnExpression[str], s: Shape) -> SQLColumnExpression[str]:
    return expression.collate("C") if s.postgres else expression


def _best_streak(person_id: SQLColumnExpression[int], s: Shape) -> ColumnElement[int]:
    """The stored best streak of a person: of the channel, or of their best channel."""
    best = select(func.max(StreakRow.best)).where(StreakRow.person_id == person_id)
    if s.channel:
        best = best.where(StreakRow.channel_id == CHANNEL)
    return func.coalesce(best.scalar_subquery(), 0)


def _sums(s: Shape) -> Select[Any]:
    """The period's points, answers and correct answers per person."""
    if s.week:
        return select(
            WeekTotalRow.person_id,
            WeekTotalRow.points,
            WeekTotalRow.answers,
            WeekTotalRow.correct,
        ).where(WeekTotalRow.workspace_id == WS, WeekTotalRow.week_start == START)
    correct = func.sum(case((AnswerRow.correct.is_(True), 1), else_=0))
    sums = select(
        AnswerRow.person_id,
        func.sum(AnswerRow.points).label("points"),
        func.count().label("answers"),
        correct.label("correct"),
    ).group_by(AnswerRow.person_id)
    # Filter on exactly one of the two covering indexes' first column, so the planner takes
    # that index; ``_in_workspace`` keeps a channel's sums inside the workspace.
    sums = sums.where(
        AnswerRow.channel_id == CHANNEL if s.channel else AnswerRow.workspace_id == WS
    )
    if s.start:
        sums = sums.where(AnswerRow.local_date >= START)
    if s.end:
        sums = sums.where(AnswerRow.local_date <= END)
    return sums


def _totals(s: Shape) -> Any:
    """The sums as a FROM item named ``totals``. A week's rows are read in place (the database
    reads them in points order from their index); sums of answers are a CTE, computed once
    however often the statement refers to them."""
    return _sums(s).subquery("totals") if s.week else _sums(s).cte("totals")


def _in_workspace(s: Shape) -> ColumnElement[bool]:
    """True when the sums are the workspace's: its own answers, or those of a channel of the
    workspace (a constant, checked once)."""
    if not s.channel:
        return true()
    return (
        select(ChannelRow.id)
        .where(ChannelRow.id == CHANNEL, ChannelRow.workspace_id == WS)
        .exists()
    )


def _top(totals: Any, s: Shape, limited: bool) -> Select[Any]:
    """The first ``limit`` places of ``totals``, in order (every place unless ``limited``)."""
    of_them = PersonRow.id == totals.c.person_id
    best = _best_streak(totals.c.person_id, s).label("best")
    name = select(PersonRow.display_name).where(of_them).scalar_subquery()
    user = select(PersonRow.external_id).where(of_them).scalar_subquery()
    query = select(
        totals.c.person_id,
        user.label("external_id"),
        name.label("display_name"),
        totals.c.points,
        totals.c.answers,
        totals.c.correct,
        best,
    ).where(_in_workspace(s))
    if limited:
        # Only people at or above the limit-th row's points and correct answers can be placed:
        # find that row from the sums alone, so the best streaks and names (the later
        # tie-breaks) are read for those few people, not for everyone in the period.
        cut = (
            select(totals.c.points, totals.c.correct)
            .order_by(totals.c.points.desc(), totals.c.correct.desc())
            .limit(1)
            .offset(OFFSET)
        )
        points = select(cut.subquery().c.points).scalar_subquery()
        correct = select(cut.subquery().c.correct).scalar_subquery()
        # The plain bound on points lets an index on points (a week's rows) start at the cut.
        # With fewer rows than the limit there is no cut row (NULL): everyone qualifies
        # (points are never negative).
        query = query.where(
            totals.c.points >= func.coalesce(points, 0),
            or_(
                totals.c.points > func.coalesce(points, -1),
                and_(totals.c.points == points, totals.c.correct >= correct),
            ),
        ).limit(LIMIT)
    return query.order_by(
        totals.c.points.desc(),
        totals.c.correct.desc(),
        best.desc(),
        _binary(func.lower(name), s),
        _binary(user, s),
    )


def _ahead(t: Any, s: Shape) -> ColumnElement[int]:
    """How many of the sums ``t`` come before the row given as ``p_*`` parameters."""
    points = bindparam("p_points", type_=Integer)
    correct = bindparam("p_correct", type_=Integer)
    # Later terms only decide ties of the earlier ones, so the best-streak subquery and the
    # names are read for the tied people alone, not for everyone in the period.
    best = _best_streak(t.c.person_id, s)
    of_them = PersonRow.id == t.c.person_id
    name = _binary(select(func.lower(PersonRow.display_name)).where(of_them).scalar_subquery(), s)
    user = _binary(select(PersonRow.external_id).where(of_them).scalar_subquery(), s)
    mine = _binary(func.lower(bindparam("p_name", type_=String)), s)
    later = or_(
        best > bindparam("p_best", type_=Integer),
        and_(
            best == bindparam("p_best", type_=Integer),
            or_(
                name < mine,
                and_(name == mine, user < _binary(bindparam("p_user", type_=String), s)),
            ),
        ),
    )

    def count(*where: ColumnElement[bool]) -> ColumnElement[int]:
        return select(func.count()).select_from(t).where(*where).scalar_subquery()

    # Three counts, each a range of an index on (points, correct) where there is one.
    return (
        count(t.c.points > points)
        + count(t.c.points == points, t.c.correct > correct)
        + count(t.c.points == points, t.c.correct == correct, later)
    )


# --- statements ------------------------------------------------------------------------------
@functools.cache
def board(s: Shape, limited: bool) -> Select[Any]:
    """Parameters: ``params``, and ``limit`` and ``offset`` (limit - 1) when ``limited``."""
    return _top(_totals(s), s, limited)


@functools.cache
def board_and_place(s: Shape) -> Select[Any]:
    """``board`` (limited) with an ``ahead`` column: the count of ``place`` over the same sums,
    so the period is summed once. Parameters: those of both."""
    totals = _totals(s)
    return _top(totals, s, True).add_columns(_ahead(totals.alias("others"), s).label("ahead"))


@functools.cache
def place(s: Shape) -> Select[Any]:
    """The number of people ahead of a row. Parameters: ``params`` and ``row_params``."""
    return select(_ahead(_totals(s), s)).where(_in_workspace(s))


@functools.cache
def person_row(s: Shape) -> Select[Any]:
    """One person's row (parameter ``person``). A week of the workspace, or all of its weeks,
    from the person's rows of the triggers' totals; any other period from their answers."""
    if not s.channel and (s.week or not (s.start or s.end)):
        weeks = [WeekTotalRow.workspace_id == WS, WeekTotalRow.person_id == PersonRow.id]
        if s.week:
            weeks.append(WeekTotalRow.week_start == START)
        points = func.sum(WeekTotalRow.points)
        answers: ColumnElement[Any] = func.sum(WeekTotalRow.answers)
        correct = func.sum(WeekTotalRow.correct)
        join: ColumnElement[bool] = and_(*weeks)
        source: Any = WeekTotalRow
    else:
        # The person's own answers only (their index), never the period's whole GROUP BY.
        mine = [AnswerRow.person_id == PersonRow.id, AnswerRow.workspace_id == WS]
        if s.channel:
            mine.append(AnswerRow.channel_id == CHANNEL)
        if s.start:
            mine.append(AnswerRow.local_date >= START)
        if s.end:
            mine.append(AnswerRow.local_date <= END)
        points, answers = func.sum(AnswerRow.points), func.count()
        correct = func.sum(case((AnswerRow.correct.is_(True), 1), else_=0))
        join = and_(*mine)
        source = AnswerRow
    return (
        select(
            PersonRow.id.label("person_id"),
            PersonRow.external_id,
            PersonRow.display_name,
            points.label("points"),
            answers.label("answers"),
            correct.label("correct"),
            _best_streak(PersonRow.id, s).label("best"),
        )
        .select_from(PersonRow)
        .join(source, join)
        .where(PersonRow.id == PERSON, PersonRow.workspace_id == WS)
        .group_by(PersonRow.id, PersonRow.external_id, PersonRow.display_name)
    )


@functools.cache
def drills_after(channels: int, limited: bool) -> Executable:
    """Posted drills after a day in each of ``channels`` channels (parameters ``channel_<n>``
    and ``day_<n>``), oldest first, the first ``limit`` of each when ``limited``: one short
    range of ix_drills_posted_days per channel."""
    ranges = []
    for n in range(channels):
        query = (
            select(DrillRow)
            .where(
                DrillRow.state == DrillState.POSTED.value,
                DrillRow.channel_id == bindparam(f"channel_{n}", type_=Integer),
                DrillRow.local_date > bindparam(f"day_{n}", type_=Date),
            )
            .order_by(DrillRow.local_date, DrillRow.id)
        )
        if limited:
            query = query.limit(LIMIT)
        ranges.append(query.subquery().select())
    return ranges[0] if channels == 1 else union_all(*ranges)
