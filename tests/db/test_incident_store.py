"""The IncidentStore contract on memory, SQLite and PostgreSQL, its migration, and the "one
active session per person" rule under concurrency.

Writes and checks happen in separate transactions, so what is checked is what was committed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection

from bot.db.engine import create_engine
from bot.db.incident_store import IncidentSessionRow, SqlIncidentStore, SqlIncidentTx
from bot.db.migrate import migrate_url
from bot.db.sql_store import SqlStore
from bot.db.tables import metadata
from bot.domain.incident_rules import SessionState, StageResult
from bot.services.incident_store import IncidentSession, IncidentStore, IncidentTx
from bot.services.store import Store
from bot.testing.memory_incident_store import MemoryIncidentStore, MemoryIncidentTx
from tests.db.builders import T0, at, day, person
from tests.db.conftest import clean_pg_store

SCENARIO = "incident-catalog-latency"


@pytest.fixture
def incidents(store: Store, backend: str) -> IncidentStore:
    """The incident store beside the main store: in memory, or on its database."""
    if backend == "memory":
        return MemoryIncidentStore()
    assert isinstance(store, SqlStore)
    return SqlIncidentStore.over(store)


async def _person(store: Store, external: str = "U1", workspace: str = "W1") -> int:
    async with store.transaction() as tx:
        return (await person(tx, workspace, external)).id


async def _start(
    incidents: IncidentStore,
    person_id: int,
    *,
    workspace: str = "W1",
    now: dt.datetime = T0,
    local_date: dt.date | None = None,
) -> IncidentSession | None:
    async with incidents.transaction() as tx:
        return await tx.start(
            workspace_id=workspace,
            person_id=person_id,
            user_id="U1",
            display_name="name-U1",
            scenario_id=SCENARIO,
            now=now,
            local_date=local_date or now.date(),
        )


async def _active(incidents: IncidentStore, person_id: int) -> IncidentSession | None:
    async with incidents.transaction() as tx:
        return await tx.active(person_id)


async def _save(incidents: IncidentStore, session: IncidentSession) -> IncidentSession | None:
    async with incidents.transaction() as tx:
        return await tx.save(session)


def _protocol_methods(protocol: type) -> list[str]:
    return sorted(
        name for name, value in vars(protocol).items() if inspect.iscoroutinefunction(value)
    )


@pytest.mark.parametrize("implementation", [SqlIncidentTx, MemoryIncidentTx])
def test_implements_every_method_with_the_same_signature(implementation: type) -> None:
    for name in _protocol_methods(IncidentTx):
        assert hasattr(implementation, name), f"{implementation.__name__} lacks {name}"
        expected = inspect.signature(getattr(IncidentTx, name))
        actual = inspect.signature(getattr(implementation, name))
        assert list(actual.parameters) == list(expected.parameters), name


# --- starting and reading ----------------------------------------------------------------


async def test_start_opens_a_session_at_the_first_stage(
    store: Store, incidents: IncidentStore
) -> None:
    person_id = await _person(store)
    started = await _start(incidents, person_id, local_date=day(0))
    assert started is not None

    async with incidents.transaction() as tx:
        read = await tx.get(started.id)
        active = await tx.active(person_id)
    assert read == started == active
    assert read is not None
    assert (read.workspace_id, read.person_id, read.user_id, read.display_name) == (
        "W1",
        person_id,
        "U1",
        "name-U1",
    )
    assert (read.scenario_id, read.stage_index, read.state) == (SCENARIO, 0, SessionState.ACTIVE)
    assert read.started_at == read.last_activity_at == T0
    assert read.started_at.tzinfo is not None and read.started_at.utcoffset() == dt.timedelta(0)
    assert (read.results, read.hinted_stages, read.points, read.version) == ((), (), 0, 1)
    assert read.finished_at is None and read.local_date == day(0)


async def test_progress_round_trips(store: Store, incidents: IncidentStore) -> None:
    person_id = await _person(store)
    started = await _start(incidents, person_id)
    assert started is not None
    results = (
        StageResult("assess", 0.8, ("confirm-scope",), ("resources",), ("panic",), hinted=True),
        StageResult("logs", 0.0, (), ("search-logs",), (), skipped=True),
    )
    progressed = started.with_results(results)
    progressed = replace(
        progressed,
        stage_index=2,
        hinted_stages=("assess",),
        last_activity_at=at(1),
        last_delivery="evt-7",
    )
    saved = await _save(incidents, progressed)
    assert saved is not None and saved.version == 2

    async with incidents.transaction() as tx:
        read = await tx.get(started.id)
    assert read == saved
    assert read is not None
    assert read.results == results and read.points == 6
    assert read.hinted_stages == ("assess",) and read.last_delivery == "evt-7"
    assert read.last_activity_at == at(1)


async def test_one_active_session_per_person(store: Store, incidents: IncidentStore) -> None:
    alice = await _person(store, "U1")
    bob = await _person(store, "U2")
    first = await _start(incidents, alice)
    assert first is not None

    assert await _start(incidents, alice, now=at(1)) is None
    assert await _active(incidents, alice) == first
    assert await _start(incidents, bob) is not None  # someone else is free to start

    closed = await _save(incidents, _closed(first, SessionState.STOPPED, at(2)))
    assert closed is not None and not closed.active
    assert await _active(incidents, alice) is None
    again = await _start(incidents, alice, now=at(3))
    assert again is not None and again.id != first.id


def _closed(session: IncidentSession, state: SessionState, when: dt.datetime) -> IncidentSession:
    return replace(session, state=state, finished_at=when)


async def test_save_refuses_a_stale_version_and_a_closed_session(
    store: Store, incidents: IncidentStore
) -> None:
    person_id = await _person(store)
    started = await _start(incidents, person_id)
    assert started is not None
    moved = replace(started, stage_index=1)
    saved = await _save(incidents, moved)
    assert saved is not None

    assert await _save(incidents, replace(started, stage_index=3)) is None
    finished = await _save(incidents, _closed(saved, SessionState.FINISHED, at(1)))
    assert finished is not None and finished.state is SessionState.FINISHED
    # A closed session is final, even at its current version.
    reopened = replace(finished, state=SessionState.ACTIVE)
    assert await _save(incidents, reopened) is None
    async with incidents.transaction() as tx:
        read = await tx.get(started.id)
    assert read == finished and read is not None and read.finished_at == at(1)


async def test_idle_lists_active_sessions_quiet_since_the_cutoff(
    store: Store, incidents: IncidentStore
) -> None:
    ids = [await _person(store, f"U{n}") for n in range(4)]
    sessions = [await _start(incidents, pid, now=at(n)) for n, pid in enumerate(ids)]
    assert all(s is not None for s in sessions)
    first, second, third, _ = sessions
    assert first is not None and second is not None and third is not None
    await _save(incidents, _closed(second, SessionState.STOPPED, at(1)))

    async with incidents.transaction() as tx:
        idle = await tx.idle(at(2))  # the cutoff is inclusive
        none = await tx.idle(at(0) - dt.timedelta(seconds=1))
    assert [s.id for s in idle] == [first.id, third.id]
    assert none == []


async def test_points_per_person_between_local_dates(
    store: Store, incidents: IncidentStore
) -> None:
    alice = await _person(store, "U1")
    bob = await _person(store, "U2")
    other = await _person(store, "U3", workspace="W2")
    plan = [(alice, 0, 12), (alice, 3, 8), (alice, 9, 5), (bob, 1, 0), (other, 1, 30)]
    for pid, date_offset, points in plan:
        workspace = "W2" if pid == other else "W1"
        session = await _start(incidents, pid, workspace=workspace, local_date=day(date_offset))
        assert session is not None
        scored = session.with_results(
            tuple(StageResult(f"s{n}", 1.0) for n in range(points // 10))
            + ((StageResult("rest", (points % 10) / 10),) if points % 10 else ())
        )
        await _save(incidents, _closed(scored, SessionState.FINISHED, at(1)))

    async with incidents.transaction() as tx:
        assert await tx.points("W1", None, None) == {alice: 25}
        assert await tx.points("W1", day(0), day(6)) == {alice: 20}
        assert await tx.points("W1", day(1), day(3)) == {alice: 8}
        assert await tx.points("W1", day(10), None) == {}
        assert await tx.points("W2", None, None) == {other: 30}
        # Several periods in one pass, each as ``points`` gives it.
        periods = [(day(0), day(6)), (None, None), (day(1), day(3)), (day(10), None)]
        assert await tx.points_in("W1", periods) == [{alice: 20}, {alice: 25}, {alice: 8}, {}]
        assert await tx.points_in("W1", [(day(0), day(2)), (day(3), day(9))]) == [
            {alice: 12},
            {alice: 13},
        ]
        assert await tx.points_in("W1", []) == []


async def test_history_is_newest_first(store: Store, incidents: IncidentStore) -> None:
    person_id = await _person(store)
    ids = []
    for n in range(3):
        session = await _start(incidents, person_id, now=at(n))
        assert session is not None
        ids.append(session.id)
        await _save(incidents, _closed(session, SessionState.STOPPED, at(n)))
    async with incidents.transaction() as tx:
        history = await tx.history(person_id, 2)
    assert [s.id for s in history] == ids[:0:-1]


async def test_a_failed_transaction_leaves_nothing(store: Store, incidents: IncidentStore) -> None:
    person_id = await _person(store)
    with pytest.raises(RuntimeError):
        async with incidents.transaction() as tx:
            assert await tx.start(
                workspace_id="W1",
                person_id=person_id,
                user_id="U1",
                display_name="n",
                scenario_id=SCENARIO,
                now=T0,
                local_date=T0.date(),
            )
            raise RuntimeError("boom")
    assert await _active(incidents, person_id) is None


async def test_a_claimed_delivery_stays_claimed_unless_its_transaction_rolls_back(
    store: Store, incidents: IncidentStore
) -> None:
    await _person(store)  # the workspace the keys belong to
    async with incidents.transaction() as tx:
        assert await tx.claim_delivery("W1", "evt-1") is True
        assert await tx.claim_delivery("W1", "evt-1") is False
    with pytest.raises(RuntimeError):
        async with incidents.transaction() as tx:
            assert await tx.claim_delivery("W1", "evt-2") is True
            raise RuntimeError("boom")
    async with incidents.transaction() as tx:
        assert await tx.claim_delivery("W1", "evt-1") is False
        assert await tx.claim_delivery("W1", "evt-2") is True


async def _claim(incidents: IncidentStore, key: str) -> bool:
    async with incidents.transaction() as tx:
        return await tx.claim_delivery("W1", key)


async def test_racing_claims_of_one_delivery_give_exactly_one_winner(
    store: Store, incidents: IncidentStore
) -> None:
    await _person(store)
    results = await asyncio.gather(*(_claim(incidents, "evt-1") for _ in range(8)))
    assert sum(results) == 1


async def test_racing_starts_give_exactly_one_session(
    store: Store, incidents: IncidentStore
) -> None:
    person_id = await _person(store)
    results = await asyncio.gather(*(_start(incidents, person_id) for _ in range(8)))
    assert sum(r is not None for r in results) == 1


async def test_racing_saves_of_one_version_give_exactly_one_winner(
    store: Store, incidents: IncidentStore
) -> None:
    person_id = await _person(store)
    started = await _start(incidents, person_id)
    assert started is not None
    attempts = [replace(started, stage_index=1, last_delivery=f"d{n}") for n in range(8)]
    results = await asyncio.gather(*(_save(incidents, s) for s in attempts))
    assert sum(r is not None for r in results) == 1


# --- PostgreSQL: two processes --------------------------------------------------------------

POOL = {"pool_size": 20, "max_overflow": 0}


@pytest.fixture
async def two_pg_stores(pg_database: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    first = await clean_pg_store(pg_database, **POOL)
    second = await clean_pg_store(pg_database, **POOL)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


@pytest.mark.postgres
async def test_two_processes_starting_at_once_open_one_session(
    two_pg_stores: tuple[SqlStore, SqlStore],
) -> None:
    stores = [SqlIncidentStore.over(s) for s in two_pg_stores]
    person_id = await _person(two_pg_stores[0])
    attempts = 16
    barrier = asyncio.Barrier(attempts)

    async def one(i: int) -> IncidentSession | None:
        async with stores[i % 2].transaction() as tx:
            await tx.active(person_id)  # the transaction is really open on the server
            await barrier.wait()
            return await tx.start(
                workspace_id="W1",
                person_id=person_id,
                user_id="U1",
                display_name="n",
                scenario_id=SCENARIO,
                now=T0,
                local_date=T0.date(),
            )

    results = await asyncio.gather(*(one(i) for i in range(attempts)))
    assert sum(r is not None for r in results) == 1
    async with stores[1].transaction() as tx:
        assert len(await tx.history(person_id, 100)) == 1


# --- the migration ----------------------------------------------------------------------------


def _table_schema(connection: Connection) -> dict[str, Any]:
    inspector = sa_inspect(connection)
    diff = compare_metadata(
        MigrationContext.configure(connection, opts={"compare_type": True}), metadata
    )
    return {
        "tables": set(inspector.get_table_names()),
        "unique": {
            tuple(u["column_names"]) for u in inspector.get_unique_constraints("incident_sessions")
        }
        if inspector.has_table("incident_sessions")
        else set(),
        "revision": MigrationContext.configure(connection).get_current_revision(),
        # Only this table's differences: the rest of the schema is test_migrations' business.
        "diff": [d for d in diff if "incident_sessions" in repr(d)],
    }


async def _inspect_url(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_table_schema)
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    url: str = request.getfixturevalue("fresh_pg_url")
    return url


async def test_migration_0002_creates_the_table_as_described_and_drops_it(
    empty_url: str,
) -> None:
    assert IncidentSessionRow.__tablename__ in metadata.tables
    assert await migrate_url(empty_url, "upgrade", "0002") == "0002"
    schema = await _inspect_url(empty_url)
    assert "incident_sessions" in schema["tables"]
    assert ("active_person_id",) in schema["unique"]
    assert schema["diff"] == []

    assert await migrate_url(empty_url, "downgrade", "0001") == "0001"
    schema = await _inspect_url(empty_url)
    assert "incident_sessions" not in schema["tables"] and "people" in schema["tables"]
    assert await migrate_url(empty_url, "upgrade", "0002") == "0002"
