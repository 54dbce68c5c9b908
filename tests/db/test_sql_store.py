"""What only the SQL store has: UTC storage, SQLite settings, unreachable databases, open_store."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from bot.db.sql_store import SqlStore, open_store
from bot.domain.model import DrillState, Schedule, Slot
from bot.services.store import StoreUnavailable
from tests.db.builders import T0, at, channel, claim, drill


async def test_timestamps_are_stored_as_utc_and_returned_aware(sql_store: SqlStore) -> None:
    kolkata = dt.timezone(dt.timedelta(hours=5, minutes=30))
    local = dt.datetime(2025, 3, 3, 15, 0, tzinfo=kolkata)
    async with sql_store.transaction() as tx:
        d = await drill(tx, await channel(tx), scheduled_at=local, reveal_at=local)
    async with sql_store.transaction() as tx:
        loaded = await tx.get_drill(d.id)
        assert loaded is not None
        assert loaded.scheduled_at == dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.UTC)
        assert loaded.scheduled_at.tzinfo is dt.UTC
        # Comparisons happen in UTC too: 09:30 UTC is due at 09:30 UTC, not before.
        assert [x.id for x in await tx.due_reveals(T0)] == [d.id]
        assert await tx.due_reveals(T0 - dt.timedelta(microseconds=1)) == []
    async with sql_store.engine.connect() as raw:
        stored = (await raw.execute(text("SELECT scheduled_at FROM drills"))).scalar_one()
    if isinstance(stored, str):  # SQLite keeps text: it must be the UTC wall time
        assert stored.startswith("2025-03-03 09:30:00")


async def test_naive_datetimes_are_refused(sql_store: SqlStore) -> None:
    async with sql_store.transaction() as tx:
        ch = await channel(tx)
    with pytest.raises(ValueError, match="naive datetime"):
        async with sql_store.transaction() as tx:
            await claim(tx, ch, scheduled_at=dt.datetime(2025, 3, 3, 9, 30))


async def test_answer_window_must_be_whole_minutes(sql_store: SqlStore) -> None:
    async with sql_store.transaction() as tx:
        ch = await channel(tx)
        with pytest.raises(ValueError, match="whole number of minutes"):
            await tx.save_schedule(ch.id, Schedule(answer_window=dt.timedelta(seconds=90)))


async def test_missing_rows_raise_key_error_like_the_memory_store(sql_store: SqlStore) -> None:
    async with sql_store.transaction() as tx:
        with pytest.raises(KeyError):
            await tx.save_schedule(987_654, Schedule())
    async with sql_store.transaction() as tx:
        with pytest.raises(KeyError):
            await tx.set_drill_state(987_654, DrillState.POSTED)
    async with sql_store.transaction() as tx:
        with pytest.raises(KeyError):
            await tx.unmark_revealed(987_654)
    async with sql_store.transaction() as tx:
        assert await tx.mark_revealed(987_654, T0) is False


async def test_the_database_enforces_the_unique_keys(sql_store: SqlStore) -> None:
    # Belt and braces: even a plain INSERT that skips the store's ON CONFLICT is refused.
    async with sql_store.transaction() as tx:
        await drill(tx, await channel(tx))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with sql_store.engine.begin() as raw:
            await raw.execute(
                text(
                    "INSERT INTO drills (workspace_id, channel_id, slot, local_date, item_id, "
                    "kind, scheduled_at, reveal_at, state) SELECT workspace_id, channel_id, "
                    "slot, local_date, 'dup', kind, scheduled_at, reveal_at, state FROM drills"
                )
            )
    with pytest.raises(Exception, match=r"(?i)check"):
        async with sql_store.engine.begin() as raw:
            await raw.execute(text("UPDATE drills SET state = 'bogus'"))
    async with sql_store.transaction() as tx:
        assert [item for item, _ in await tx.channel_items(1)] == ["q-1"]


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    sqlite_store: SqlStore,
) -> None:
    async with sqlite_store.engine.connect() as connection:
        pragma = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}
    assert SQLITE_BUSY_TIMEOUT_MS == 5000


async def test_sqlite_foreign_keys_are_enforced(sqlite_store: SqlStore) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with sqlite_store.transaction() as tx:
            await tx.add_away(987_654, T0.date(), T0.date())


async def test_two_sqlite_engines_on_one_file_claim_a_drill_once(sqlite_url: str) -> None:
    # Two bot processes sharing one SQLite file: the file lock and the unique key decide.
    first = await open_store(sqlite_url)
    second = await open_store(sqlite_url, upgrade=False)
    try:
        async with first.transaction() as tx:
            ch = await channel(tx)

        async def attempt(store: SqlStore) -> bool:
            async with store.transaction() as tx:
                return await claim(tx, ch) is not None

        results = await asyncio.gather(*(attempt(s) for s in [first, second] * 5))
        assert results.count(True) == 1
        async with second.transaction() as tx:
            assert len(await tx.channel_items(ch.id)) == 1
    finally:
        await first.close()
        await second.close()


async def test_in_memory_sqlite_works_across_transactions() -> None:
    store = await open_store("sqlite://")
    try:
        async with store.transaction() as tx:
            ch = await channel(tx)
        async with store.transaction() as tx:
            assert await tx.get_channel(ch.id) == ch
    finally:
        await store.close()


async def test_open_store_refuses_a_bad_url_with_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match="accepted forms"):
        await open_store("mysql://root:hunter2@localhost/drill")


async def test_open_store_without_upgrade_does_not_touch_the_database(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'empty.db'}", upgrade=False)
    try:
        with pytest.raises(Exception, match="no such table"):
            async with store.transaction() as tx:
                await tx.get_channel(1)
    finally:
        await store.close()


UNREACHABLE = [
    "postgresql://drill:hunter2@127.0.0.1:1/drill",
    "postgresql://drill:hunter2@host.invalid:5432/drill",
]


@pytest.mark.parametrize("url", UNREACHABLE)
async def test_an_unreachable_server_is_store_unavailable_without_password(url: str) -> None:
    store = SqlStore(create_engine(url, connect_args={"timeout": 5}), url)
    try:
        with pytest.raises(StoreUnavailable) as raised:
            async with store.transaction() as tx:
                await tx.get_channel(1)
    finally:
        await store.close()
    message = str(raised.value)
    assert "hunter2" not in message and "***" in message
    assert "unavailable" in message


@pytest.mark.parametrize("url", UNREACHABLE)
async def test_open_store_on_an_unreachable_server_is_store_unavailable(url: str) -> None:
    with pytest.raises(StoreUnavailable) as raised:
        await open_store(url, connect_args={"timeout": 5})
    assert "hunter2" not in str(raised.value)


@pytest.mark.postgres
async def test_a_wrong_password_is_store_unavailable_and_not_shown(pg_database: str) -> None:
    wrong = make_url(pg_database).set(username="no_such_role_xyz", password="hunter2")
    url = wrong.render_as_string(hide_password=False)
    with pytest.raises(StoreUnavailable) as raised:
        await open_store(url)
    assert "hunter2" not in str(raised.value)
    assert "no_such_role_xyz" in str(raised.value)


async def test_an_unopenable_sqlite_file_is_store_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'drillbot.db'}"
    with pytest.raises(StoreUnavailable, match="unable to open database file"):
        await open_store(url)
    await _aiosqlite_threads_finished()


async def _aiosqlite_threads_finished() -> None:
    # After a failed connect, aiosqlite stops its worker thread without awaiting it; if the
    # test's loop closed first, the thread would report "Event loop is closed".
    for _ in range(200):
        if not any("_connection_worker_thread" in t.name for t in threading.enumerate()):
            return
        await asyncio.sleep(0.005)


async def test_an_error_inside_the_body_is_not_taken_for_an_outage(sql_store: SqlStore) -> None:
    with pytest.raises(ConnectionResetError):
        async with sql_store.transaction() as tx:
            await channel(tx)
            raise ConnectionResetError("the chat API hung up")
    async with sql_store.transaction() as tx:
        assert await tx.find_channel("W1", "C1") is None


async def test_kinds_and_slots_round_trip_as_enums(sql_store: SqlStore) -> None:
    async with sql_store.transaction() as tx:
        d = await drill(tx, await channel(tx), slot=Slot.MCQ, reveal_at=at(1))
    async with sql_store.transaction() as tx:
        loaded = await tx.get_drill(d.id)
        assert loaded is not None
        assert loaded.slot is Slot.MCQ and loaded.state is DrillState.POSTED


async def test_workspaces_are_created_named_and_renamed(sql_store: SqlStore) -> None:
    async def stored() -> list[tuple[str, str, str]]:
        async with sql_store.engine.connect() as raw:
            result = await raw.execute(text("SELECT id, platform, name FROM workspaces"))
            return [tuple(row) for row in result]

    async with sql_store.transaction() as tx:
        await tx.ensure_channel("W1", "C1", "#c1")  # creates a blank workspace row
    assert await stored() == [("W1", "", "")]
    async with sql_store.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "Acme")
    assert await stored() == [("W1", "slack", "Acme")]
    async with sql_store.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "")  # no name given: keep the known one
        await tx.ensure_workspace("W1", "slack", "Acme")
    assert await stored() == [("W1", "slack", "Acme")]
    async with sql_store.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "Acme Corp")
    assert await stored() == [("W1", "slack", "Acme Corp")]


async def test_the_streak_trigger_seeks_the_previous_drill_day_in_the_index(
    sqlite_store: SqlStore,
) -> None:
    # The answer path must not slow down as a channel's history grows: the trigger that counts
    # the streak (migration 0010) finds the previous drill day with one backward seek in
    # ix_drills_posted_days. Its subquery is planned here with the trigger's NEW.* as values.
    migration = importlib.import_module("migrations.versions.0010_answer_streak_trigger")
    query = (
        migration.PREVIOUS_DAY.replace("NEW.channel_id", ":channel_id")
        .replace("NEW.local_date", ":day")
        .replace("NEW.person_id", ":person_id")
    )
    assert "NEW." not in query
    params = {"person_id": 1, "channel_id": 1, "day": dt.date(2025, 3, 3)}
    async with sqlite_store.engine.connect() as raw:
        result = await raw.execute(text("EXPLAIN QUERY PLAN " + query), params)
        plan = [str(row[3]) for row in result]
    drill_steps = [step for step in plan if " d " in f"{step} "]
    assert drill_steps == [
        "SEARCH d USING INDEX ix_drills_posted_days (channel_id=? AND local_date<?)"
    ], plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
