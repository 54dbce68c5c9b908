"""An in-memory IncidentStore for unit tests, with the SQL store's rules: one active session per
person, saves only over the version read, and a transaction that raises is rolled back."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from bot.domain.incident_rules import SessionState
from bot.services.incident_store import IncidentSession


@dataclass
class _State:
    sessions: dict[int, IncidentSession] = field(default_factory=dict)
    next_id: int = 1
    deliveries: set[tuple[str, str]] = field(default_factory=set)


class MemoryIncidentTx:
    def __init__(self, state: _State) -> None:
        self.s = state

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
        if await self.active(person_id) is not None:
            return None
        session = IncidentSession(
            id=self.s.next_id,
            workspace_id=workspace_id,
            person_id=person_id,
            user_id=user_id,
            display_name=display_name,
            scenario_id=scenario_id,
            stage_index=0,
            state=SessionState.ACTIVE,
            started_at=now,
            last_activity_at=now,
            local_date=local_date,
            thread=thread,
        )
        self.s.next_id += 1
        self.s.sessions[session.id] = session
        return session

    async def active(self, person_id: int) -> IncidentSession | None:
        return next(
            (s for s in self.s.sessions.values() if s.person_id == person_id and s.active), None
        )

    async def get(self, session_id: int) -> IncidentSession | None:
        return self.s.sessions.get(session_id)

    async def save(self, session: IncidentSession) -> IncidentSession | None:
        stored = self.s.sessions.get(session.id)
        if stored is None or not stored.active or stored.version != session.version:
            return None
        saved = replace(session, version=session.version + 1)
        self.s.sessions[session.id] = saved
        return saved

    async def claim_delivery(self, workspace_id: str, key: str) -> bool:
        if (workspace_id, key) in self.s.deliveries:
            return False
        self.s.deliveries.add((workspace_id, key))
        return True

    async def idle(self, cutoff: dt.datetime) -> list[IncidentSession]:
        found = [s for s in self.s.sessions.values() if s.active and s.last_activity_at <= cutoff]
        return sorted(found, key=lambda s: (s.last_activity_at, s.id))

    async def active_count(self) -> int:
        return sum(1 for s in self.s.sessions.values() if s.active)

    async def points(
        self, workspace_id: str, start: dt.date | None, end: dt.date | None
    ) -> dict[int, int]:
        totals: dict[int, int] = {}
        for s in self.s.sessions.values():
            if s.workspace_id != workspace_id or s.points <= 0:
                continue
            if (start is not None and s.local_date < start) or (
                end is not None and s.local_date > end
            ):
                continue
            totals[s.person_id] = totals.get(s.person_id, 0) + s.points
        return totals

    async def points_in(
        self, workspace_id: str, periods: Sequence[tuple[dt.date | None, dt.date | None]]
    ) -> list[dict[int, int]]:
        return [await self.points(workspace_id, start, end) for start, end in periods]

    async def history(self, person_id: int, limit: int) -> list[IncidentSession]:
        mine = [s for s in self.s.sessions.values() if s.person_id == person_id]
        return sorted(mine, key=lambda s: (s.started_at, s.id), reverse=True)[:limit]


class MemoryIncidentStore:
    def __init__(self) -> None:
        self._state = _State()
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[MemoryIncidentTx]:
        async with self._lock:
            snapshot = copy.deepcopy(self._state)
            try:
                yield MemoryIncidentTx(self._state)
            except BaseException:
                self._state = snapshot
                raise

    async def close(self) -> None:
        return None
