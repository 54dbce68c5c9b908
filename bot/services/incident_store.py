"""The storage port for mock incident sessions, apart from the main store.

``bot.db.incident_store.SqlIncidentStore`` implements it on SQLite and PostgreSQL (sharing the
main store's engine); ``bot.testing.memory_incident_store`` is the in-memory fake. The same
contract holds for both:

- every method runs inside a transaction (``async with store.transaction() as tx``);
- a person has at most one ACTIVE session: ``start`` returns None when they already have one,
  whatever another process did a moment before (a unique key set only while active);
- ``save`` writes only over the version it read (``IncidentSession.version``) and returns None
  when the session changed meanwhile, so two deliveries of one answer never both count;
- ``claim_delivery`` records a delivery key for good, in the same transaction as the change it
  made, so a platform's retry of any earlier delivery is recognised, not only of the last one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Protocol

from bot.domain.incident_rules import SessionState, StageResult, total_points


@dataclass(frozen=True)
class IncidentSession:
    id: int
    workspace_id: str
    person_id: int
    """The main store's person id (``Tx.ensure_person``); leaderboards key on it."""
    user_id: str
    """The person's platform id, for direct messages."""
    display_name: str
    scenario_id: str
    stage_index: int
    """The stage whose prompt is waiting for an answer (0-based)."""
    state: SessionState
    started_at: dt.datetime
    last_activity_at: dt.datetime
    local_date: dt.date
    """The local date the session started on: its points count on that day's leaderboards."""
    results: tuple[StageResult, ...] = ()
    """One per answered or skipped stage, in order."""
    hinted_stages: tuple[str, ...] = ()
    """Ids of stages whose hint was shown (one hint per stage)."""
    finished_at: dt.datetime | None = None
    points: int = 0
    version: int = 1
    """Bumped by every save; a save over a stale version is refused."""
    last_delivery: str | None = None
    """The delivery key of the last change, for the record. Retries are recognised by
    ``IncidentTx.claim_delivery``, which remembers every key, not just this one."""
    thread: str | None = None
    """Where a session run in a channel thread (`incident here`) lives: the adapter's
    "<channel>|<message ref>" of its opening message; None for a direct-message session."""

    @property
    def active(self) -> bool:
        return self.state is SessionState.ACTIVE

    @property
    def hints(self) -> int:
        return len(self.hinted_stages)

    def with_results(self, results: tuple[StageResult, ...]) -> IncidentSession:
        """A copy with these results and the points they are worth."""
        return replace(self, results=results, points=total_points(results))


class IncidentTx(Protocol):
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
        """Open a session at its first stage; None when the person already has an active one.
        ``user_id`` and ``display_name`` are the person's; the SQL store reads them from the
        people table instead."""
        ...

    async def active(self, person_id: int) -> IncidentSession | None:
        """The person's active session, if any."""
        ...

    async def get(self, session_id: int) -> IncidentSession | None: ...

    async def save(self, session: IncidentSession) -> IncidentSession | None:
        """Write the session's progress and state if it is still active at version
        ``session.version``; return it with the next version, or None when it changed
        meanwhile (another delivery or process won) or was closed: a closed session is final.
        Saving it in a closed state frees the person's active slot."""
        ...

    async def claim_delivery(self, workspace_id: str, key: str) -> bool:
        """Record that the delivery ``key`` was handled in the workspace; False when it was
        recorded before (the platform sent it again). Kept for good, and undone with the rest
        of the transaction, so a change and the record of its delivery commit together."""
        ...

    async def idle(self, cutoff: dt.datetime) -> list[IncidentSession]:
        """Active sessions whose last activity is at or before ``cutoff``, oldest first."""
        ...

    async def active_count(self) -> int:
        """How many sessions are active, in every workspace."""
        ...

    async def points(
        self, workspace_id: str, start: dt.date | None, end: dt.date | None
    ) -> dict[int, int]:
        """Points per person id of sessions (any state) whose local date is between ``start``
        and ``end`` inclusive (None: unbounded); people with no points are left out."""
        ...

    async def points_in(
        self, workspace_id: str, periods: Sequence[tuple[dt.date | None, dt.date | None]]
    ) -> list[dict[int, int]]:
        """``points`` of each period, read in one pass (a standing wants the week's and all
        time's)."""
        ...

    async def history(self, person_id: int, limit: int) -> list[IncidentSession]:
        """The person's sessions, newest first."""
        ...


class IncidentStore(Protocol):
    def transaction(self, *, read_only: bool = False) -> AbstractAsyncContextManager[IncidentTx]:
        """``read_only``: the transaction only reads (on SQLite it then takes no write lock)."""
        ...

    async def close(self) -> None: ...
