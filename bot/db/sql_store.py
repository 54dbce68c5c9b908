"""The Store port on SQLite and PostgreSQL, through SQLAlchemy Core on one async connection.

Uniqueness is always decided by the database: claims and answers are
``INSERT ... ON CONFLICT DO NOTHING RETURNING``, so when two processes race, one gets the row
and the other gets nothing back, whatever either of them read before.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    CursorResult,
    Executable,
    Table,
    TableClause,
    case,
    column,
    delete,
    func,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db import board_sql, hot_sql, posting_sql, rows
from bot.db.engine import READ_ONLY, create_engine
from bot.db.errors import translate_errors
from bot.db.fair_sql import FairScoringTx
from bot.db.insights_sql import InsightsTx
from bot.db.migrate import upgrade_engine
from bot.db.reviews_sql import ReviewsTx
from bot.db.tables import (
    DUE_REVEAL,
    TO_RETRY,
    AnswerRow,
    AwayPeriodRow,
    ChannelPostRow,
    ChannelRow,
    DeliveryRow,
    DrillRow,
    DrillTotalRow,
    LeadRow,
    ListedAdminRow,
    PersonRow,
    PracticeRow,
    ReminderRow,
    ReviewRow,
    RosterPartRow,
    StreakRow,
    SubmissionRow,
    TeamWeekRow,
    WeekTotalRow,
    WorkspaceRow,
)
from bot.db.urls import redact
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
from bot.services.store import FORGET_TABLES, ItemResults, NewPick, StoreUnavailable

log = logging.getLogger(__name__)

_INCIDENT_SESSIONS = table("incident_sessions", column("person_id"))
"""Declared in ``bot.db.incident_store`` (which builds on this module); `forget` needs only
its person column."""

_Insert = postgresql.Insert | sqlite.Insert


class SqlTx(FairScoringTx, InsightsTx, ReviewsTx):
    """One transaction on one connection; every statement goes through :meth:`_execute`."""

    def __init__(
        self, connection: AsyncConnection, url: str, known_workspaces: set[str] | None = None
    ) -> None:
        self._conn = connection
        self._url = url
        # Workspaces known to exist (rows are never deleted), shared by the store's transactions
        # so that the hot answer path does not re-insert its workspace every time.
        self._known = known_workspaces if known_workspaces is not None else set()
        self.touched: set[str] = set()
        """Workspaces this transaction made sure of; known to the store once it commits."""

    async def _execute(self, statement: Executable) -> CursorResult[Any]:
        with translate_errors(self._url):
            try:
                return await self._conn.execute(statement)
            except StatementError as error:
                # A value our column types refused (a naive datetime): the caller's mistake,
                # so give them their ValueError rather than SQLAlchemy's wrapper.
                if not isinstance(error, DBAPIError) and isinstance(error.orig, ValueError):
                    raise error.orig from None
                raise

    async def _execute_text(self, statement: Executable, params: dict[str, Any]) -> Any:
        with translate_errors(self._url):
            try:
                return await self._conn.execute(statement, params)
            except StatementError as error:
                if not isinstance(error, DBAPIError) and isinstance(error.orig, ValueError):
                    raise error.orig from None
                raise

    def _insert(self, table: type[Any] | Table) -> _Insert:
        # ON CONFLICT is dialect syntax; both dialects spell the Python API the same way.
        if self._conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # --- workspaces, channels, people -------------------------------------------------------
    async def ensure_workspace(self, workspace_id: str, platform: str, name: str) -> None:
        # Read first rather than upsert: on PostgreSQL, ON CONFLICT DO UPDATE locks the row
        # even when nothing changes, which would queue every transaction of a workspace.
        result = await self._execute(
            select(WorkspaceRow.platform, WorkspaceRow.name).where(WorkspaceRow.id == workspace_id)
        )
        row = result.first()
        if row is None:
            await self._execute(
                self._insert(WorkspaceRow)
                .values(id=workspace_id, platform=platform, name=name)
                .on_conflict_do_nothing(index_elements=[WorkspaceRow.id])
            )
            return
        changes = {
            column: value
            for column, value in (("platform", platform), ("name", name))
            if value and getattr(row, column) != value
        }
        if changes:
            await self._execute(
                update(WorkspaceRow).where(WorkspaceRow.id == workspace_id).values(**changes)
            )

    async def _touch_workspace(self, workspace_id: str) -> None:
        # Rows reference their workspace by foreign key, but the port lets a caller name a
        # workspace it never ensured (the memory store does not care); create a blank one.
        if workspace_id in self._known or workspace_id in self.touched:
            return
        self.touched.add(workspace_id)
        await self._execute(
            self._insert(WorkspaceRow)
            .values(id=workspace_id, platform="", name="")
            .on_conflict_do_nothing(index_elements=[WorkspaceRow.id])
        )

    async def ensure_channel(self, workspace_id: str, external_id: str, name: str) -> Channel:
        found = await self.find_channel(workspace_id, external_id)
        if found is None:
            await self._touch_workspace(workspace_id)
            result = await self._execute(
                self._insert(ChannelRow)
                .values(
                    workspace_id=workspace_id,
                    external_id=external_id,
                    name=name,
                    **rows.schedule_values(None),
                )
                .on_conflict_do_nothing(
                    index_elements=[ChannelRow.workspace_id, ChannelRow.external_id]
                )
                .returning(ChannelRow)
            )
            row = result.first()
            if row is not None:
                return rows.channel(row)
            # Another process created it after we looked.
            found = await self.find_channel(workspace_id, external_id)
            if found is None:
                raise RuntimeError(f"channel {workspace_id}/{external_id} vanished")
        if name and found.name != name:
            await self._execute(
                update(ChannelRow).where(ChannelRow.id == found.id).values(name=name)
            )
            found = replace(found, name=name)
        return found

    async def get_channel(self, channel_id: int) -> Channel | None:
        result = await self._execute(select(ChannelRow).where(ChannelRow.id == channel_id))
        row = result.first()
        return rows.channel(row) if row else None

    async def find_channel(self, workspace_id: str, external_id: str) -> Channel | None:
        result = await self._execute(
            select(ChannelRow).where(
                ChannelRow.workspace_id == workspace_id, ChannelRow.external_id == external_id
            )
        )
        row = result.first()
        return rows.channel(row) if row else None

    async def channels(self, workspace_id: str | None = None) -> list[Channel]:
        query = select(ChannelRow).where(ChannelRow.has_schedule.is_(True))
        if workspace_id is not None:
            query = query.where(ChannelRow.workspace_id == workspace_id)
        result = await self._execute(query.order_by(ChannelRow.id))
        return [rows.channel(r) for r in result]

    async def channels_changed_since(self, seq: int) -> tuple[int, list[Channel]]:
        latest = await self._execute(select(func.coalesce(func.max(ChannelRow.schedule_seq), 0)))
        top = int(latest.scalar_one())
        result = await self._execute(
            select(ChannelRow)
            .where(ChannelRow.schedule_seq >= seq, ChannelRow.has_schedule.is_(True))
            .order_by(ChannelRow.id)
        )
        return top, [rows.channel(r) for r in result]

    async def save_schedule(self, channel_id: int, schedule: Schedule) -> Channel:
        stamped = select(func.coalesce(func.max(ChannelRow.schedule_seq), 0) + 1).scalar_subquery()
        result = await self._execute(
            update(ChannelRow)
            .where(ChannelRow.id == channel_id)
            .values(**rows.schedule_values(schedule), schedule_seq=stamped)
            .returning(ChannelRow)
        )
        row = result.first()
        if row is None:
            raise KeyError(f"no channel {channel_id}")
        return rows.channel(row)

    async def ensure_person(self, workspace_id: str, external_id: str, display_name: str) -> Person:
        found = await self.find_person(workspace_id, external_id)
        if found is None:
            await self._touch_workspace(workspace_id)
            result = await self._execute(
                self._insert(PersonRow)
                .values(
                    workspace_id=workspace_id,
                    external_id=external_id,
                    display_name=display_name or external_id,
                )
                .on_conflict_do_nothing(
                    index_elements=[PersonRow.workspace_id, PersonRow.external_id]
                )
                .returning(PersonRow)
            )
            row = result.first()
            if row is not None:
                return rows.person(row)
            found = await self.find_person(workspace_id, external_id)
            if found is None:
                raise RuntimeError(f"person {workspace_id}/{external_id} vanished")
        if display_name and found.display_name != display_name:
            await self._execute(
                update(PersonRow).where(PersonRow.id == found.id).values(display_name=display_name)
            )
            found = replace(found, display_name=display_name)
        return found

    async def ensure_people(
        self, workspace_id: str, people: Sequence[tuple[str, str]]
    ) -> list[Person]:
        # One multi-row INSERT and one SELECT for the lot, whatever their number: the answer
        # path's burst of clicks from new people holds the write lock for two statements.
        names: dict[str, str] = {}
        for external_id, name in people:  # as one by one: the last name given wins, "" keeps
            if name or external_id not in names:
                names[external_id] = name
        if not names:
            return []
        await self._touch_workspace(workspace_id)
        await self._execute(
            self._insert(PersonRow)
            .values(
                [
                    {"workspace_id": workspace_id, "external_id": e, "display_name": n or e}
                    for e, n in names.items()
                ]
            )
            .on_conflict_do_nothing(index_elements=[PersonRow.workspace_id, PersonRow.external_id])
        )
        result = await self._execute(
            select(PersonRow).where(
                PersonRow.workspace_id == workspace_id, PersonRow.external_id.in_(list(names))
            )
        )
        found = {row.external_id: rows.person(row) for row in result}
        for external_id, name in names.items():
            person = found[external_id]
            if name and person.display_name != name:
                await self._execute(
                    update(PersonRow).where(PersonRow.id == person.id).values(display_name=name)
                )
                found[external_id] = replace(person, display_name=name)
        return [found[e] for e, _ in people]

    async def people(self, limit: int) -> list[Person]:
        result = await self._execute(select(PersonRow).order_by(PersonRow.id.desc()).limit(limit))
        return [rows.person(r) for r in result]

    async def get_person(self, person_id: int) -> Person | None:
        result = await self._execute(select(PersonRow).where(PersonRow.id == person_id))
        row = result.first()
        return rows.person(row) if row else None

    async def find_person(self, workspace_id: str, external_id: str) -> Person | None:
        result = await self._execute(
            select(PersonRow).where(
                PersonRow.workspace_id == workspace_id, PersonRow.external_id == external_id
            )
        )
        row = result.first()
        return rows.person(row) if row else None

    async def add_away(self, person_id: int, start: dt.date, end: dt.date) -> AwayPeriod:
        result = await self._execute(
            self._insert(AwayPeriodRow)
            .values(person_id=person_id, start_date=start, end_date=end)
            .returning(AwayPeriodRow)
        )
        return rows.away(result.one())

    async def away_periods(self, person_id: int) -> list[AwayPeriod]:
        result = await self._execute(
            select(AwayPeriodRow)
            .where(AwayPeriodRow.person_id == person_id)
            .order_by(AwayPeriodRow.start_date, AwayPeriodRow.id)
        )
        return [rows.away(r) for r in result]

    async def away_for(self, person_ids: Sequence[int]) -> list[AwayPeriod]:
        if not person_ids:
            return []
        result = await self._execute(
            select(AwayPeriodRow)
            .where(AwayPeriodRow.person_id.in_(list(person_ids)))
            .order_by(AwayPeriodRow.person_id, AwayPeriodRow.start_date, AwayPeriodRow.id)
        )
        return [rows.away(r) for r in result]

    # --- drills ----------------------------------------------------------------------------
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
        result = await self._execute_text(
            posting_sql.CLAIM_DRILL,
            {
                "workspace_id": workspace_id,
                "channel_id": channel_id,
                "slot": Slot(slot).value,
                "local_date": local_date,
                "item_id": item_id,
                "kind": kind,
                "scheduled_at": scheduled_at,
                "reveal_at": reveal_at,
                "state": DrillState(state).value,
            },
        )
        row = result.first()
        return rows.drill(row) if row else None

    async def set_drill_state(
        self, drill_id: int, state: DrillState, message_ref: str | None = None
    ) -> None:
        result = await self._execute_text(
            posting_sql.SET_DRILL_STATE,
            {"state": DrillState(state).value, "message_ref": message_ref or None, "id": drill_id},
        )
        if result.rowcount == 0:
            raise KeyError(f"no drill {drill_id}")

    async def get_drill(self, drill_id: int) -> Drill | None:
        result = await self._execute(select(DrillRow).where(DrillRow.id == drill_id))
        row = result.first()
        return rows.drill(row) if row else None

    async def drills_to_retry(self, not_before: dt.datetime) -> list[Drill]:
        result = await self._execute(
            select(DrillRow)
            .where(
                # The index's own WHERE text, not bound parameters: SQLite uses a partial
                # index only when it can prove the query's condition implies it.
                text(TO_RETRY),
                DrillRow.scheduled_at >= not_before,
            )
            .order_by(DrillRow.scheduled_at, DrillRow.id)
        )
        return [rows.drill(r) for r in result]

    async def existing_drills(
        self, keys: Sequence[tuple[int, Slot, dt.date]]
    ) -> set[tuple[int, Slot, dt.date]]:
        if not keys:
            return set()
        wanted = {(cid, Slot(slot), day) for cid, slot, day in keys}
        found: set[tuple[int, Slot, dt.date]] = set()
        channel_ids = sorted({k[0] for k in wanted})
        dates = sorted({k[2] for k in wanted})
        # In chunks: every id is a bound parameter, and SQLite caps how many one statement takes.
        for start in range(0, len(channel_ids), 500):
            result = await self._execute(
                select(DrillRow.channel_id, DrillRow.slot, DrillRow.local_date).where(
                    DrillRow.channel_id.in_(channel_ids[start : start + 500]),
                    DrillRow.local_date.in_(dates),
                )
            )
            found |= {(r.channel_id, Slot(r.slot), r.local_date) for r in result} & wanted
        return found

    async def next_reveal_at(self, after: dt.datetime) -> dt.datetime | None:
        # Spelled like ix_drills_due_reveals's WHERE clause so the planner can use it.
        result = await self._execute(
            select(func.min(DrillRow.reveal_at)).where(
                text(DUE_REVEAL),  # the partial index's own WHERE text
                DrillRow.reveal_at > after,
            )
        )
        found: dt.datetime | None = result.scalar_one_or_none()
        return found

    async def open_drills(self, channel_id: int, now: dt.datetime) -> list[Drill]:
        del now  # open means posted and not revealed, even past its reveal time
        result = await self._execute(
            select(DrillRow)
            .where(
                DrillRow.channel_id == channel_id,
                DrillRow.state == DrillState.POSTED.value,
                DrillRow.revealed_at.is_(None),
            )
            .order_by(DrillRow.scheduled_at.desc(), DrillRow.id.desc())
        )
        return [rows.drill(r) for r in result]

    async def due_reveals(self, now: dt.datetime) -> list[Drill]:
        # Spelled like ix_drills_due_reveals's WHERE clause so the planner can use it.
        result = await self._execute(
            select(DrillRow)
            .where(
                text(DUE_REVEAL),  # the partial index's own WHERE text
                DrillRow.reveal_at <= now,
            )
            .order_by(DrillRow.reveal_at, DrillRow.id)
        )
        return [rows.drill(r) for r in result]

    async def mark_revealed(self, drill_id: int, now: dt.datetime) -> bool:
        result = await self._execute(
            update(DrillRow)
            .where(DrillRow.id == drill_id, DrillRow.revealed_at.is_(None))
            .values(revealed_at=now)
        )
        return result.rowcount == 1

    async def unmark_revealed(self, drill_id: int) -> None:
        result = await self._execute(
            update(DrillRow).where(DrillRow.id == drill_id).values(revealed_at=None)
        )
        if result.rowcount == 0:
            raise KeyError(f"no drill {drill_id}")

    async def channel_items(self, channel_id: int) -> list[tuple[str, dt.date]]:
        result = await self._execute(
            select(DrillRow.item_id, DrillRow.local_date)
            .where(DrillRow.channel_id == channel_id)
            .order_by(DrillRow.scheduled_at, DrillRow.id)
        )
        return [(item_id, local_date) for item_id, local_date in result]

    async def channels_items(self, channel_ids: Sequence[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {channel_id: [] for channel_id in channel_ids}
        unique = sorted(found)
        for start in range(0, len(unique), 500):
            result = await self._execute(
                select(DrillRow.channel_id, DrillRow.item_id)
                .where(DrillRow.channel_id.in_(unique[start : start + 500]), DrillRow.item_id != "")
                .order_by(DrillRow.channel_id, DrillRow.scheduled_at, DrillRow.id)
            )
            for channel_id, item_id in result:
                found[channel_id].append(item_id)
        return found

    async def drill_dates(self, channel_id: int, before: dt.date, limit: int) -> list[dt.date]:
        result = await self._execute(
            select(DrillRow.local_date)
            .where(
                DrillRow.channel_id == channel_id,
                DrillRow.state == DrillState.POSTED.value,
                DrillRow.local_date < before,
            )
            .distinct()
            .order_by(DrillRow.local_date.desc())
            .limit(limit)
        )
        return list(result.scalars())

    # --- answers ---------------------------------------------------------------------------
    async def claim_submission(self, workspace_id: str, key: str) -> bool:
        await self._touch_workspace(workspace_id)
        result = await self._execute_text(
            hot_sql.CLAIM_SUBMISSION, {"workspace_id": workspace_id, "key": key}
        )
        return result.first() is not None

    async def get_answer(self, drill_id: int, person_id: int) -> Answer | None:
        result = await self._execute(
            select(AnswerRow).where(
                AnswerRow.drill_id == drill_id, AnswerRow.person_id == person_id
            )
        )
        row = result.first()
        return rows.answer(row) if row else None

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
        # The database advances the streak in the same statement (migration 0010). On SQLite
        # the row's id comes back with the cursor, a hop to the driver's thread fewer than
        # fetching a RETURNING row.
        sqlite = self._conn.dialect.name == "sqlite"
        result = await self._execute_text(
            hot_sql.INSERT_ANSWER_SQLITE if sqlite else hot_sql.INSERT_ANSWER,
            {
                "drill_id": drill.id,
                "person_id": person_id,
                "workspace_id": drill.workspace_id,
                "channel_id": drill.channel_id,
                "local_date": drill.local_date,
                "choice": choice,
                "text": text,
                "correct": correct,
                "coverage": coverage,
                "covered": list(covered),
                "mistakes": list(mistakes),
                "points": points,
                "delivery": delivery,
                "created_at": now,
                "updated_at": now,
            },
        )
        if sqlite:
            answer_id = result.lastrowid if result.rowcount == 1 else None
        else:
            answer_id = result.scalar_one_or_none()
        if answer_id is None:
            return None
        # The row is exactly what was sent; reading it back would only cost time.
        return Answer(
            id=answer_id,
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
            created_at=now.astimezone(dt.UTC),
            updated_at=now.astimezone(dt.UTC),
            delivery=delivery,
        )

    async def insert_picks(self, picks: Sequence[NewPick]) -> list[bool]:
        if not picks:
            return []
        if len(picks) == 1:
            # A lone pick takes the answer's statement, compiled once; a multi-row INSERT is
            # compiled for each call.
            p = picks[0]
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
            return [answer is not None]
        # One multi-row statement for a burst of clicks: a statement per pick would hold the
        # write lock (SQLite's, or the rows' on PostgreSQL) for a round trip each.
        result = await self._execute(
            self._insert(AnswerRow)
            .values(
                [
                    {
                        "drill_id": p.drill.id,
                        "person_id": p.person_id,
                        "workspace_id": p.drill.workspace_id,
                        "channel_id": p.drill.channel_id,
                        "local_date": p.drill.local_date,
                        "choice": p.choice,
                        "text": None,
                        "correct": p.correct,
                        "coverage": None,
                        "covered": [],
                        "mistakes": [],
                        "points": p.points,
                        "delivery": None,
                        "created_at": p.now,
                        "updated_at": p.now,
                    }
                    for p in picks
                ]
            )
            .on_conflict_do_nothing(index_elements=[AnswerRow.drill_id, AnswerRow.person_id])
            .returning(AnswerRow.drill_id, AnswerRow.person_id)
        )
        inserted = {(row.drill_id, row.person_id) for row in result}
        # Rows go in in order, so of two picks by one person in one call the first went in.
        went_in: list[bool] = []
        for p in picks:
            key = (p.drill.id, p.person_id)
            went_in.append(key in inserted)
            inserted.discard(key)
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
        result = await self._execute(
            update(AnswerRow)
            .where(AnswerRow.id == answer_id)
            .values(
                text=text,
                coverage=coverage,
                covered=list(covered),
                mistakes=list(mistakes),
                points=points,
                correct=correct,
                delivery=delivery,
                updated_at=now,
            )
            .returning(AnswerRow)
        )
        row = result.first()
        if row is None:
            raise KeyError(f"no answer {answer_id}")
        return rows.answer(row)

    async def drill_answers(self, drill_id: int) -> list[Answer]:
        result = await self._execute(
            select(AnswerRow).where(AnswerRow.drill_id == drill_id).order_by(AnswerRow.id)
        )
        return [rows.answer(r) for r in result]

    async def answer_count(self, drill_id: int) -> int:
        # Counted in the (drill_id, person_id) unique index: no answer row, no text is read.
        result = await self._execute(
            select(func.count()).select_from(AnswerRow).where(AnswerRow.drill_id == drill_id)
        )
        return int(result.scalar_one())

    async def recent_answers(self, person_id: int, limit: int) -> list[Answer]:
        result = await self._execute(
            select(AnswerRow)
            .where(AnswerRow.person_id == person_id)
            .order_by(AnswerRow.created_at.desc(), AnswerRow.id.desc())
            .limit(limit)
        )
        return [rows.answer(r) for r in result]

    # --- streaks and leaderboards ----------------------------------------------------------
    async def get_streak(self, person_id: int, channel_id: int) -> Streak | None:
        result = await self._execute(
            select(StreakRow).where(
                StreakRow.person_id == person_id, StreakRow.channel_id == channel_id
            )
        )
        row = result.first()
        return rows.streak(row) if row else None

    async def save_streak(self, streak: Streak) -> None:
        stmt = self._insert(StreakRow).values(
            person_id=streak.person_id,
            channel_id=streak.channel_id,
            current=streak.current,
            best=streak.best,
            last_date=streak.last_date,
        )
        await self._execute(
            stmt.on_conflict_do_update(
                index_elements=[StreakRow.person_id, StreakRow.channel_id],
                set_={
                    "current": stmt.excluded.current,
                    "best": stmt.excluded.best,
                    "last_date": stmt.excluded.last_date,
                },
            )
        )

    async def streaks(self, person_ids: Sequence[int]) -> list[Streak]:
        if not person_ids:
            return []
        result = await self._execute(
            select(StreakRow)
            .where(StreakRow.person_id.in_(list(person_ids)))
            .order_by(StreakRow.person_id, StreakRow.channel_id)
        )
        return [rows.streak(r) for r in result]

    async def leaderboard(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> list[LeaderboardRow]:
        correct = func.sum(case((AnswerRow.correct.is_(True), 1), else_=0))
        # Sum per person id first (a narrow GROUP BY straight off the covering index), then
        # look up the people: the join touches one row per person, not one per answer.
        sums = select(
            AnswerRow.person_id,
            func.sum(AnswerRow.points).label("points"),
            func.count().label("answers"),
            correct.label("correct"),
        ).group_by(AnswerRow.person_id)
        # Filter on exactly one of the two covering indexes' first column, so the planner
        # takes that index; the join below keeps every row inside the workspace either way.
        if channel_id is not None:
            sums = sums.where(AnswerRow.channel_id == channel_id)
        else:
            sums = sums.where(AnswerRow.workspace_id == workspace_id)
        if start is not None:
            sums = sums.where(AnswerRow.local_date >= start)
        if end is not None:
            sums = sums.where(AnswerRow.local_date <= end)
        totals = sums.subquery()
        query = select(
            totals.c.person_id,
            PersonRow.external_id,
            PersonRow.display_name,
            totals.c.points,
            totals.c.answers,
            totals.c.correct,
        ).join(
            PersonRow,
            (PersonRow.id == totals.c.person_id) & (PersonRow.workspace_id == workspace_id),
        )
        result = await self._execute(query)
        return [
            LeaderboardRow(
                person_id=r.person_id,
                user=r.external_id,
                display_name=r.display_name,
                # PostgreSQL sums integers into bigint or numeric: bring them back to int.
                points=int(r.points or 0),
                answers=int(r.answers),
                correct=int(r.correct or 0),
                current_streak=0,
                best_streak=0,
            )
            for r in result
        ]

    # Boards and standings: the statements are in bot.db.board_sql, built once per shape.
    @property
    def _postgres(self) -> bool:
        return self._url.startswith("postgres")

    async def board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        limit: int | None,
    ) -> list[LeaderboardRow]:
        shape = board_sql.shape(channel_id, start, end, self._postgres)
        values = board_sql.params(workspace_id, channel_id, start, end)
        if limit is not None:
            values |= {"limit": limit, "offset": max(limit - 1, 0)}
        result = await self._execute_text(board_sql.board(shape, limit is not None), values)
        return [board_sql.leaderboard_row(r) for r in result]

    async def board_and_place(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        limit: int,
        row: LeaderboardRow,
    ) -> tuple[list[LeaderboardRow], int]:
        shape = board_sql.shape(channel_id, start, end, self._postgres)
        values = board_sql.params(workspace_id, channel_id, start, end)
        values |= {"limit": limit, "offset": max(limit - 1, 0)} | board_sql.row_params(row)
        result = (await self._execute_text(board_sql.board_and_place(shape), values)).all()
        # No places at all means nobody answered since ``row`` was read: it would be first.
        ahead = int(result[0].ahead) if result else 0
        return [board_sql.leaderboard_row(r) for r in result], 1 + ahead

    async def board_row(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        person_id: int,
    ) -> LeaderboardRow | None:
        shape = board_sql.shape(channel_id, start, end, self._postgres)
        values = board_sql.params(workspace_id, channel_id, start, end) | {"person": person_id}
        found = (await self._execute_text(board_sql.person_row(shape), values)).first()
        return board_sql.leaderboard_row(found) if found else None

    async def place_on_board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        row: LeaderboardRow,
    ) -> int:
        shape = board_sql.shape(channel_id, start, end, self._postgres)
        values = board_sql.params(workspace_id, channel_id, start, end)
        result = await self._execute_text(
            board_sql.place(shape), values | board_sql.row_params(row)
        )
        return 1 + int(result.scalar() or 0)

    async def first_zone(self, workspace_id: str) -> str | None:
        result = await self._execute(
            select(ChannelRow.timezone)
            .where(ChannelRow.workspace_id == workspace_id, ChannelRow.has_schedule.is_(True))
            .order_by(ChannelRow.id)
            .limit(1)
        )
        zone: str | None = result.scalar()
        return zone

    async def get_drills(self, drill_ids: Sequence[int]) -> list[Drill]:
        if not drill_ids:
            return []
        result = await self._execute(select(DrillRow).where(DrillRow.id.in_(set(drill_ids))))
        return [rows.drill(r) for r in result]

    async def drills_after(
        self, since: Mapping[int, dt.date], per_channel: int | None = None
    ) -> list[Drill]:
        if not since:
            return []
        drills = []
        channels = list(since.items())
        # SQLite allows 500 terms in a compound SELECT; a board of everyone may name more.
        for at in range(0, len(channels), 64):
            chunk = channels[at : at + 64]
            # Padded to a power of two with a channel that has no drills (ids start at 1), so
            # a few statements serve every count and each is compiled once per process.
            size = 1 << (len(chunk) - 1).bit_length()
            chunk += [(0, dt.date.min)] * (size - len(chunk))
            statement = board_sql.drills_after(size, per_channel is not None)
            values: dict[str, Any] = {"limit": per_channel}
            for n, (channel_id, day) in enumerate(chunk):
                values |= {f"channel_{n}": channel_id, f"day_{n}": day}
            drills += [rows.drill(r) for r in await self._execute_text(statement, values)]
        return sorted(drills, key=lambda d: (d.channel_id, d.local_date, d.id))

    async def claim_post(self, channel_id: int, kind: str, key: str) -> bool:
        result = await self._execute(
            self._insert(ChannelPostRow)
            .values(channel_id=channel_id, kind=kind, key=key)
            .on_conflict_do_nothing(
                index_elements=[ChannelPostRow.channel_id, ChannelPostRow.kind, ChannelPostRow.key]
            )
            .returning(ChannelPostRow.id)
        )
        return result.first() is not None

    async def prune_old(self, table: str, before: dt.datetime, limit: int) -> int:
        row, stamp = _PRUNABLE[table]
        # By id, oldest first: the primary key finds them without an index on the stamp,
        # and the batch stays bounded whatever the backlog.
        oldest = select(row.id).where(stamp < before).order_by(row.id).limit(limit)
        result = await self._execute(delete(row).where(row.id.in_(oldest)))
        return int(result.rowcount or 0)

    async def release_post(self, channel_id: int, kind: str, key: str) -> None:
        await self._execute(
            delete(ChannelPostRow).where(
                ChannelPostRow.channel_id == channel_id,
                ChannelPostRow.kind == kind,
                ChannelPostRow.key == key,
            )
        )

    # --- delivery leases ---------------------------------------------------------------------
    async def take_lease(
        self,
        key: str,
        owner: str,
        now: dt.datetime,
        until: dt.datetime,
        steal_from: str | None = None,
    ) -> Lease | None:
        inserted = await self._execute_text(
            posting_sql.NEW_LEASE, {"key": key, "owner": owner, "until": until, "now": now}
        )
        row = inserted.first()
        if row is None:
            # One conditional UPDATE: PostgreSQL re-checks the WHERE after waiting for a
            # concurrent taker's row lock, so two processes can never both take it.
            taken = await self._execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.key == key,
                    DeliveryRow.done_at.is_(None),
                    (DeliveryRow.lease_until.is_(None))
                    | (DeliveryRow.lease_until < now)
                    | (DeliveryRow.owner == (steal_from or "")),
                )
                .values(owner=owner, lease_until=until, attempts=DeliveryRow.attempts + 1)
                .returning(DeliveryRow.attempts, DeliveryRow.first_claimed_at)
            )
            row = taken.first()
        if row is None:
            return None
        return Lease(key, owner, row.attempts, row.first_claimed_at, until)

    async def lease_holder(self, key: str) -> str | None:
        result = await self._execute(
            select(DeliveryRow.owner).where(DeliveryRow.key == key, DeliveryRow.done_at.is_(None))
        )
        row = result.first()
        return None if row is None else row.owner

    async def renew_lease(self, key: str, owner: str, until: dt.datetime) -> bool:
        result = await self._execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.key == key, DeliveryRow.owner == owner, DeliveryRow.done_at.is_(None)
            )
            .values(lease_until=until)
        )
        return result.rowcount == 1

    async def release_lease(self, key: str, owner: str) -> None:
        await self._execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.key == key, DeliveryRow.owner == owner, DeliveryRow.done_at.is_(None)
            )
            .values(owner=None, lease_until=None)
        )

    async def finish_lease(self, key: str, now: dt.datetime, message_ref: str | None) -> bool:
        result = await self._execute_text(
            posting_sql.FINISH_LEASE, {"now": now, "message_ref": message_ref, "key": key}
        )
        return bool(result.rowcount == 1)

    async def lease_done(self, key: str) -> bool:
        result = await self._execute(
            select(DeliveryRow.id).where(DeliveryRow.key == key, DeliveryRow.done_at.is_not(None))
        )
        return result.first() is not None

    async def leases_done(self, keys: Sequence[str]) -> set[str]:
        done: set[str] = set()
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            result = await self._execute(
                select(DeliveryRow.key).where(
                    DeliveryRow.key.in_(unique[start : start + 500]),
                    DeliveryRow.done_at.is_not(None),
                )
            )
            done |= set(result.scalars())
        return done

    async def stale_leases(self, prefix: str, now: dt.datetime) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        result = await self._execute(
            select(DeliveryRow.key)
            .where(
                DeliveryRow.done_at.is_(None),
                DeliveryRow.key.like(escaped + "%", escape="\\"),
                (DeliveryRow.lease_until.is_(None)) | (DeliveryRow.lease_until < now),
            )
            .order_by(DeliveryRow.key)
        )
        return list(result.scalars())

    # --- admins an admin listed ------------------------------------------------------------
    async def listed_admins(self, workspace_id: str) -> list[str]:
        result = await self._execute(
            select(ListedAdminRow.user_id)
            .where(ListedAdminRow.workspace_id == workspace_id)
            .order_by(ListedAdminRow.user_id)
        )
        return [str(user) for user in result.scalars()]

    async def set_listed_admin(self, workspace_id: str, user_id: str, listed: bool) -> bool:
        if not listed:
            removed = await self._execute(
                delete(ListedAdminRow).where(
                    ListedAdminRow.workspace_id == workspace_id, ListedAdminRow.user_id == user_id
                )
            )
            return bool(removed.rowcount)
        await self._touch_workspace(workspace_id)
        added = await self._execute(
            self._insert(ListedAdminRow)
            .values(workspace_id=workspace_id, user_id=user_id)
            .on_conflict_do_nothing(
                index_elements=[ListedAdminRow.workspace_id, ListedAdminRow.user_id]
            )
            .returning(ListedAdminRow.user_id)
        )
        return added.first() is not None

    # --- privacy (issue 12) -----------------------------------------------------------------
    async def item_results(self, person_id: int) -> list[ItemResults]:
        # Over ix_answers_person_id_created_at and the drills' primary key: one row per item.
        is_pick = AnswerRow.choice.is_not(None)
        is_open = AnswerRow.choice.is_(None) & AnswerRow.coverage.is_not(None)
        result = await self._execute(
            select(
                DrillRow.item_id,
                func.sum(case((is_pick, 1), else_=0)),
                func.sum(case((is_pick & AnswerRow.correct.is_(True), 1), else_=0)),
                func.sum(case((is_open, 1), else_=0)),
                func.sum(case((is_open, AnswerRow.coverage), else_=0.0)),
            )
            .select_from(AnswerRow)
            .join(DrillRow, DrillRow.id == AnswerRow.drill_id)
            .where(AnswerRow.person_id == person_id)
            .group_by(DrillRow.item_id)
            .order_by(DrillRow.item_id)
        )
        return [
            ItemResults(str(item), int(p or 0), int(r or 0), int(o or 0), float(c or 0.0))
            for item, p, r, o, c in result
        ]

    async def set_opted_out(self, person_id: int, opted_out: bool) -> bool:
        result = await self._execute(
            update(PersonRow)
            .where(PersonRow.id == person_id, PersonRow.opted_out.is_not(opted_out))
            .values(opted_out=opted_out)
        )
        return bool(result.rowcount)

    async def opted_out_people(self, workspace_id: str) -> set[int]:
        result = await self._execute(
            select(PersonRow.id).where(
                # Bare, as the partial index ix_people_opted_out is written (migration 0011).
                PersonRow.workspace_id == workspace_id,
                PersonRow.opted_out,
            )
        )
        return {int(person_id) for person_id in result.scalars()}

    async def set_share_answers(self, channel_id: int, share: bool) -> bool:
        result = await self._execute(
            update(ChannelRow)
            .where(ChannelRow.id == channel_id, ChannelRow.share_answers.is_not(share))
            .values(share_answers=share)
        )
        return bool(result.rowcount)

    async def forget_person(self, person_id: int) -> dict[str, int]:
        removed = dict.fromkeys(FORGET_TABLES, 0)
        found = (
            await self._execute(
                select(PersonRow.workspace_id, PersonRow.external_id).where(
                    PersonRow.id == person_id
                )
            )
        ).first()
        if found is None:
            return removed
        # Counted before the answers go: deleting an answer takes it off its week's total
        # through the answers trigger (migrations 0007/0010), which drops the emptied rows.
        removed["week_totals"] = (
            await self._execute(
                select(func.count())
                .select_from(WeekTotalRow)
                .where(WeekTotalRow.person_id == person_id)
            )
        ).scalar_one()
        # Sums that counted their answers (migration 0012) go too; the next read sums again.
        await self._delete(
            DrillTotalRow,
            DrillTotalRow.drill_id.in_(
                select(AnswerRow.drill_id).where(AnswerRow.person_id == person_id)
            ),
        )
        await self._delete(TeamWeekRow, TeamWeekRow.workspace_id == found.workspace_id)
        await self._delete(RosterPartRow, RosterPartRow.workspace_id == found.workspace_id)
        removed["answers"] = await self._delete(AnswerRow, AnswerRow.person_id == person_id)
        await self._delete(WeekTotalRow, WeekTotalRow.person_id == person_id)
        removed["streaks"] = await self._delete(StreakRow, StreakRow.person_id == person_id)
        removed["away_periods"] = await self._delete(
            AwayPeriodRow, AwayPeriodRow.person_id == person_id
        )
        removed["practice"] = await self._delete(PracticeRow, PracticeRow.person_id == person_id)
        removed["reviews"] = await self._delete(ReviewRow, ReviewRow.person_id == person_id)
        removed["reminders"] = await self._delete(ReminderRow, ReminderRow.person_id == person_id)
        removed["incident_sessions"] = await self._delete(
            _INCIDENT_SESSIONS, _INCIDENT_SESSIONS.c.person_id == person_id
        )
        removed["leads"] = await self._delete(LeadRow, LeadRow.person_id == person_id)
        removed["listed_admins"] = await self._delete(
            ListedAdminRow,
            ListedAdminRow.workspace_id == found.workspace_id,
            ListedAdminRow.user_id == found.external_id,
        )
        removed["people"] = await self._delete(PersonRow, PersonRow.id == person_id)
        return removed

    async def _delete(self, table: type[Any] | TableClause, *where: Any) -> int:
        result = await self._execute(delete(table).where(*where))
        return int(result.rowcount)

    # --- on-demand practice ----------------------------------------------------------------
    async def set_practice(self, person_id: int, item_id: str | None, now: dt.datetime) -> None:
        if item_id is None:
            await self._execute(delete(PracticeRow).where(PracticeRow.person_id == person_id))
            return
        stmt = self._insert(PracticeRow).values(
            person_id=person_id, item_id=item_id, updated_at=now
        )
        await self._execute(
            stmt.on_conflict_do_update(
                index_elements=[PracticeRow.person_id],
                set_={"item_id": stmt.excluded.item_id, "updated_at": stmt.excluded.updated_at},
            )
        )

    async def get_practice(self, person_id: int) -> str | None:
        result = await self._execute(
            select(PracticeRow.item_id).where(PracticeRow.person_id == person_id)
        )
        item_id: str | None = result.scalar_one_or_none()
        return item_id


WRITER_WAIT = 30.0
"""Seconds a write transaction waits for its turn on SQLite before the database counts as
unavailable."""


_PRUNABLE: dict[str, tuple[Any, Any]] = {
    "submissions": (SubmissionRow, SubmissionRow.created_at),
    "deliveries": (DeliveryRow, DeliveryRow.done_at),
    "channel_posts": (ChannelPostRow, ChannelPostRow.created_at),
}


class _Writer:
    """This process's queue for SQLite's single write lock."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holder: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def turn(self, url: str) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self.holder is not None and self.holder is task:
            # It would wait for itself for ever: a real database would deadlock too.
            raise RuntimeError("nested write transaction: finish the open one first")
        try:
            async with asyncio.timeout(WRITER_WAIT):
                await self.lock.acquire()
        except TimeoutError:
            raise StoreUnavailable(
                f"database {redact(url)} is busy: no write turn within {WRITER_WAIT:.0f}s"
            ) from None
        self.holder = task
        try:
            yield
        finally:
            self.holder = None
            self.lock.release()


class SqlStore:
    """The Store port over an async engine. One transaction is one pooled connection."""

    def __init__(self, engine: AsyncEngine, url: str | None = None) -> None:
        self.engine = engine
        self._url = url or engine.url.render_as_string(hide_password=False)
        self._known_workspaces: set[str] = set()
        self._sqlite = engine.dialect.name == "sqlite"
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Writer] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[SqlTx]:
        if not self._sqlite or read_only:
            async with self._transaction(read_only) as tx:
                yield tx
            return
        async with self.write_turn(), self._transaction(read_only) as tx:
            yield tx

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """This process's turn to write (on SQLite; at once on PostgreSQL). SQLite has one
        writer at a time. Queued here, in order, the writers of this process wait their turn;
        left to SQLite's busy handler, which polls, some would give up with "database is
        locked" under a burst (a fan-out of hundreds of posts). Every writer of this database
        in the process takes it, the incident store's too (``SqlIncidentStore.over``)."""
        if not self._sqlite:
            yield
            return
        loop = asyncio.get_running_loop()
        writer = self._writers.get(loop)
        if writer is None:
            writer = self._writers[loop] = _Writer()
        async with writer.turn(self._url):
            yield

    @asynccontextmanager
    async def _transaction(self, read_only: bool) -> AsyncIterator[SqlTx]:
        with translate_errors(self._url):
            connection = await self.engine.connect()
        try:
            with translate_errors(self._url):
                if read_only:
                    # Read by bot/db/engine.py when SQLite begins (PostgreSQL readers take no
                    # lock that a writer holds, so nothing changes there).
                    await connection.execution_options(**{READ_ONLY: True})
                await connection.begin()
            try:
                tx = SqlTx(connection, self._url, self._known_workspaces)
                yield tx
            except BaseException:
                await self._rollback(connection)
                raise
            with translate_errors(self._url):
                await connection.commit()
            self._known_workspaces |= tx.touched
        finally:
            await self._close(connection)

    async def _rollback(self, connection: AsyncConnection) -> None:
        # The caller's error matters more than a failed rollback (the server discards an
        # unfinished transaction anyway when the connection drops).
        try:
            await connection.rollback()
        except Exception:
            log.warning("rollback failed", exc_info=True)

    async def _close(self, connection: AsyncConnection) -> None:
        # A failure here comes after commit or rollback and must not replace their outcome.
        try:
            await connection.close()
        except Exception:
            log.warning("closing a connection failed", exc_info=True)

    async def close(self) -> None:
        await self.engine.dispose()


async def open_store(url: str, *, upgrade: bool = True, **engine_options: Any) -> SqlStore:
    """A store for ``url`` (any accepted form), migrated to the newest schema unless told not to.

    Raises ValueError for a URL we do not accept, StoreUnavailable when the database cannot be
    reached.
    """
    engine = create_engine(url, **engine_options)
    if upgrade:
        try:
            await upgrade_engine(engine)
        except BaseException:
            await engine.dispose()
            raise
    return SqlStore(engine, url)
