"""What the Discord runtime keeps between starts, and which server a direct message belongs to.

``discord_state`` (migration 0009) is a small key/value table: the hash of the command tree
last synced, and the channels that leaving a server paused. ``SqlDiscordState`` keeps it in
drillbot's database on the main store's engine; ``MemoryDiscordState`` stands in for stores
without one (the in-memory store of unit tests).

A direct message on Discord belongs to no server, but the core keys people, sessions and
points by workspace (a server). ``dm_workspace`` finds the server for a person writing to the
bot: the one where they have a mock incident running (the only thing a DM answers), else the
server the bot last sent them a DM for, else the last server they used drillbot in.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy import String, Text, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.errors import translate_errors
from bot.db.incident_store import IncidentSessionRow
from bot.db.tables import Base, PersonRow, WorkspaceRow
from bot.db.types import UtcDateTime
from bot.services.store import Store

PLATFORM = "discord"
DM_HINTS = 10_000
"""Remembered (person → server of the last DM sent) pairs; beyond that the oldest go."""


class DiscordStateRow(Base):
    """Registered on ``bot.db.tables.metadata``; migration 0009 creates it."""

    __tablename__ = "discord_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DiscordState(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...

    async def delete(self, key: str) -> None: ...

    def sent_dm(self, user_id: str, workspace_id: str) -> None:
        """The bot sent ``user_id`` a direct message on behalf of ``workspace_id``."""
        ...

    async def dm_workspace(self, user_id: str) -> str | None: ...


class _Hints:
    def __init__(self) -> None:
        self._last: dict[str, str] = {}

    def sent_dm(self, user_id: str, workspace_id: str) -> None:
        self._last.pop(user_id, None)
        self._last[user_id] = workspace_id
        while len(self._last) > DM_HINTS:
            del self._last[next(iter(self._last))]

    def hint(self, user_id: str) -> str | None:
        return self._last.get(user_id)


class MemoryDiscordState(_Hints):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def put(self, key: str, value: str) -> None:
        self.values[key] = value

    async def delete(self, key: str) -> None:
        self.values.pop(key, None)

    async def dm_workspace(self, user_id: str) -> str | None:
        return self.hint(user_id)


class SqlDiscordState(_Hints):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine
        self._url = engine.url.render_as_string(hide_password=False)

    def _upsert(self, conn: AsyncConnection) -> postgresql.Insert | sqlite.Insert:
        if conn.dialect.name == "postgresql":
            return postgresql.insert(DiscordStateRow)
        return sqlite.insert(DiscordStateRow)

    async def get(self, key: str) -> str | None:
        with translate_errors(self._url):
            async with self.engine.connect() as conn:
                found = await conn.scalar(
                    select(DiscordStateRow.value).where(DiscordStateRow.key == key)
                )
        return None if found is None else str(found)

    async def put(self, key: str, value: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with translate_errors(self._url):
            async with self.engine.begin() as conn:
                stmt = self._upsert(conn).values(key=key, value=value, updated_at=now)
                await conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[DiscordStateRow.key],
                        set_={"value": value, "updated_at": now},
                    )
                )

    async def delete(self, key: str) -> None:
        with translate_errors(self._url):
            async with self.engine.begin() as conn:
                await conn.execute(delete(DiscordStateRow).where(DiscordStateRow.key == key))

    async def dm_workspace(self, user_id: str) -> str | None:
        person, session = PersonRow, IncidentSessionRow
        query = (
            select(person.workspace_id, session.id)
            .join(WorkspaceRow, WorkspaceRow.id == person.workspace_id)
            .outerjoin(session, session.active_person_id == person.id)
            .where(person.external_id == user_id, WorkspaceRow.platform == PLATFORM)
            .order_by(session.id.is_(None), session.last_activity_at.desc(), person.id.desc())
        )
        with translate_errors(self._url):
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        if not rows:
            return self.hint(user_id)
        workspace, running = rows[0]
        if running is None and (hinted := self.hint(user_id)) is not None:
            return hinted
        return str(workspace)


def state_for(store: Store) -> DiscordState:
    engine = getattr(store, "engine", None)
    if isinstance(engine, AsyncEngine):
        return SqlDiscordState(engine)
    return MemoryDiscordState()
