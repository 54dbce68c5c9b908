"""The IncidentStore port on SQLite and PostgreSQL, beside the main store on the same database.

One row per session (table ``incident_sessions``, created by migration 0002). The rule "at most
one active session per person" is the unique column ``active_person_id``: it holds the person id
while the session is active and NULL once it is closed, and both databases allow any number of
NULLs under a unique constraint. Starting is ``INSERT ... ON CONFLICT DO NOTHING``, so of two
racing starts exactly one gets a row. Saves are compare-and-set on ``version``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    CursorResult,
    Date,
    Executable,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Text,
    and_,
    case,
    func,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from bot.db import hot_sql
from bot.db.engine import READ_ONLY
from bot.db.errors import translate_errors
from bot.db.sql_store import SqlStore
from bot.db.tables import ID, NAME, Base, PersonRow
from bot.db.types import UtcDateTime
from bot.domain.incident_rules import SessionState, StageResult
from bot.services.incident_store import IncidentSession

log = logging.getLogger(__name__)

_ACTIVE = "state = 'active'"
STATE_CHECK = "state IN ({})".format(", ".join(f"'{s.value}'" for s in SessionState))
ACTIVE_CHECK = (
    "(state = 'active' AND active_person_id = person_id) "
    "OR (state <> 'active' AND active_person_id IS NULL)"
)


class IncidentSessionRow(Base):
    """Registered on ``bot.db.tables.metadata``; migration 0002 creates it."""

    __tablename__ = "incident_sessions"
    __table_args__ = (
        CheckConstraint(STATE_CHECK, name="state"),
        CheckConstraint(ACTIVE_CHECK, name="active"),
        # Leaderboards: points of a workspace between local dates.
        Index(None, "workspace_id", "local_date"),
        Index(None, "person_id", "started_at"),
        # The idle sweep runs every tick over active sessions only.
        Index(
            "ix_incident_sessions_idle",
            "last_activity_at",
            postgresql_where=text(_ACTIVE),
            sqlite_where=text(_ACTIVE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"))
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"))
    active_person_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    """The person id while the session is active, NULL after: one active session a person."""
    scenario_id: Mapped[str] = mapped_column(NAME)
    stage_index: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    hinted_stages: Mapped[list[str]] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    points: Mapped[int] = mapped_column(Integer)
    local_date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    last_delivery: Mapped[str | None] = mapped_column(Text)
    thread: Mapped[str | None] = mapped_column(Text)


_T = IncidentSessionRow
_SELECT = select(_T, PersonRow.external_id, PersonRow.display_name).join(
    PersonRow, PersonRow.id == _T.person_id
)


def _result_json(result: StageResult) -> dict[str, Any]:
    return {
        "stage_id": result.stage_id,
        "score": result.score,
        "covered": list(result.covered),
        "missed": list(result.missed),
        "red_flags": list(result.red_flags),
        "hinted": result.hinted,
        "skipped": result.skipped,
    }


def _result(data: dict[str, Any]) -> StageResult:
    return StageResult(
        stage_id=str(data["stage_id"]),
        score=float(data["score"]),
        covered=tuple(data.get("covered", ())),
        missed=tuple(data.get("missed", ())),
        red_flags=tuple(data.get("red_flags", ())),
        hinted=bool(data.get("hinted", False)),
        skipped=bool(data.get("skipped", False)),
    )


def _session(r: Row[Any]) -> IncidentSession:
    """A row of ``_SELECT``: the session's columns, then the person's external id and name."""
    return IncidentSession(
        id=r.id,
        workspace_id=r.workspace_id,
        person_id=r.person_id,
        user_id=r.external_id,
        display_name=r.display_name,
        scenario_id=r.scenario_id,
        stage_index=r.stage_index,
        state=SessionState(r.state),
        started_at=r.started_at,
        last_activity_at=r.last_activity_at,
        local_date=r.local_date,
        results=tuple(_result(d) for d in r.results),
        hinted_stages=tuple(r.hinted_stages),
        finished_at=r.finished_at,
        points=r.points,
        version=r.version,
        last_delivery=r.last_delivery,
        thread=r.thread,
    )


class SqlIncidentTx:
    def __init__(self, connection: AsyncConnection, url: str) -> None:
        self._conn = connection
        self._url = url

    async def _execute(self, statement: Executable) -> CursorResult[Any]:
        with translate_errors(self._url):
            return await self._conn.execute(statement)

    async def _one(self, *where: Any) -> IncidentSession | None:
        row = (await self._execute(_SELECT.where(*where))).first()
        return _session(row) if row is not None else None

    async def _many(self, statement: Executable) -> list[IncidentSession]:
        return [_session(row) for row in await self._execute(statement)]

    async def start(
        self,
        *,
        workspace_id: str,
        person_id: int,
        user_id: str,
        display_name: str,
        scenario_id: str,
        now: dt.datetime,
        local_date: dt.date,
        thread: str | None = None,
    ) -> IncidentSession | None:
        del user_id, display_name  # the people table has them
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        result = await self._execute(
            insert(_T)
            .values(
                workspace_id=workspace_id,
                person_id=person_id,
                active_person_id=person_id,
                scenario_id=scenario_id,
                stage_index=0,
                state=SessionState.ACTIVE.value,
                results=[],
                hinted_stages=[],
                started_at=now,
                last_activity_at=now,
                finished_at=None,
                points=0,
                local_date=local_date,
                version=1,
                last_delivery=None,
                thread=thread,
            )
            .on_conflict_do_nothing(index_elements=[_T.active_person_id])
            .returning(_T.id)
        )
        new_id = result.scalar_one_or_none()
        return await self.get(new_id) if new_id is not None else None

    async def active(self, person_id: int) -> IncidentSession | None:
        return await self._one(_T.active_person_id == person_id)

    async def get(self, session_id: int) -> IncidentSession | None:
        return await self._one(_T.id == session_id)

    async def save(self, session: IncidentSession) -> IncidentSession | None:
        active = session.state is SessionState.ACTIVE
        result = await self._execute(
            update(_T)
            .where(
                _T.id == session.id,
                _T.version == session.version,
                _T.state == SessionState.ACTIVE.value,
            )
            .values(
                active_person_id=session.person_id if active else None,
                scenario_id=session.scenario_id,
                stage_index=session.stage_index,
                state=session.state.value,
                results=[_result_json(r) for r in session.results],
                hinted_stages=list(session.hinted_stages),
                last_activity_at=session.last_activity_at,
                finished_at=session.finished_at,
                points=session.points,
                local_date=session.local_date,
                version=session.version + 1,
                last_delivery=session.last_delivery,
            )
            .returning(_T.id)
        )
        if result.scalar_one_or_none() is None:
            return None
        return await self.get(session.id)

    async def claim_delivery(self, workspace_id: str, key: str) -> bool:
        # The table drill answers claim their keys in (migration 0001), written on this
        # transaction's connection so the key commits or rolls back with the session's change.
        # The workspace row exists: only people of a workspace have sessions.
        with translate_errors(self._url):
            result = await self._conn.execute(
                hot_sql.CLAIM_SUBMISSION, {"workspace_id": workspace_id, "key": key}
            )
        return result.first() is not None

    async def idle(self, cutoff: dt.datetime) -> list[IncidentSession]:
        return await self._many(
            _SELECT.where(
                _T.state == SessionState.ACTIVE.value, _T.last_activity_at <= cutoff
            ).order_by(_T.last_activity_at, _T.id)
        )

    async def active_count(self) -> int:
        result = await self._execute(
            select(func.count()).select_from(_T).where(_T.state == SessionState.ACTIVE.value)
        )
        return int(result.scalar_one())

    async def points(
        self, workspace_id: str, start: dt.date | None, end: dt.date | None
    ) -> dict[int, int]:
        [found] = await self.points_in(workspace_id, [(start, end)])
        return found

    async def points_in(
        self, workspace_id: str, periods: Sequence[tuple[dt.date | None, dt.date | None]]
    ) -> list[dict[int, int]]:
        if not periods:
            return []
        sums = []
        for start, end in periods:
            inside: list[ColumnElement[bool]] = [true()]
            if start is not None:
                inside.append(_T.local_date >= start)
            if end is not None:
                inside.append(_T.local_date <= end)
            sums.append(func.sum(case((and_(*inside), _T.points), else_=0)))
        query = (
            select(_T.person_id, *sums)
            .where(_T.workspace_id == workspace_id, _T.points > 0)
            .group_by(_T.person_id)
        )
        # Only the rows some period can hold: bounded when every period is.
        if all(start is not None for start, _ in periods):
            query = query.where(_T.local_date >= min(s for s, _ in periods if s is not None))
        if all(end is not None for _, end in periods):
            query = query.where(_T.local_date <= max(e for _, e in periods if e is not None))
        found: list[dict[int, int]] = [{} for _ in periods]
        for row in await self._execute(query):
            for k, total in enumerate(row[1:]):
                if total:
                    # PostgreSQL sums integers into bigint: bring them back to int.
                    found[k][row[0]] = int(total)
        return found

    async def history(self, person_id: int, limit: int) -> list[IncidentSession]:
        return await self._many(
            _SELECT.where(_T.person_id == person_id)
            .order_by(_T.started_at.desc(), _T.id.desc())
            .limit(limit)
        )


class SqlIncidentStore:
    """The IncidentStore port over an async engine, usually the main store's (``over``)."""

    def __init__(
        self,
        engine: AsyncEngine,
        url: str | None = None,
        owns_engine: bool = True,
        main: SqlStore | None = None,
    ):
        self.engine = engine
        self._url = url or engine.url.render_as_string(hide_password=False)
        self._owns_engine = owns_engine
        self._main = main

    @classmethod
    def over(cls, store: SqlStore) -> SqlIncidentStore:
        """Share the main store's engine (and pool), and its queue for SQLite's write lock:
        a writer that skipped the queue would meet a held lock and, past the busy timeout,
        fail with "database is locked". Closing the engine is left to the main store."""
        return cls(store.engine, owns_engine=False, main=store)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[SqlIncidentTx]:
        if read_only or self._main is None:
            async with self._transaction(read_only) as tx:
                yield tx
            return
        async with self._main.write_turn(), self._transaction(read_only) as tx:
            yield tx

    @asynccontextmanager
    async def _transaction(self, read_only: bool) -> AsyncIterator[SqlIncidentTx]:
        with translate_errors(self._url):
            connection = await self.engine.connect()
        try:
            with translate_errors(self._url):
                if read_only:
                    # A reader takes no write lock on SQLite (bot/db/engine.py's BEGIN).
                    await connection.execution_options(**{READ_ONLY: True})
                await connection.begin()
            try:
                yield SqlIncidentTx(connection, self._url)
            except BaseException:
                try:
                    await connection.rollback()
                except Exception:
                    log.warning("rollback failed", exc_info=True)
                raise
            with translate_errors(self._url):
                await connection.commit()
        finally:
            try:
                await connection.close()
            except Exception:
                log.warning("closing a connection failed", exc_info=True)

    async def close(self) -> None:
        if self._owns_engine:
            await self.engine.dispose()
