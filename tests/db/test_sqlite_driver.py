"""The SQLite engine's driver (bot/db/sqlite_driver.py): SQLAlchemy's aiosqlite adapter with
the cursor opened in the same hand-over as the statement. It must still give SQLAlchemy
everything the stock adapter gives: rows and their names (none, too), counts, the new row's id,
many rows at once, and errors SQLAlchemy knows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import READ_ONLY, create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_rows_come_back_with_their_names(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a'), ('b')"))
        result = await conn.execute(text("SELECT id, name AS label FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "label"]
        assert [tuple(r) for r in result] == [(1, "a"), (2, "b")]


async def test_a_select_of_no_rows_is_still_a_result_with_rows(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT id, name FROM t WHERE id = 99"))
        assert result.returns_rows and list(result.keys()) == ["id", "name"]
        assert result.first() is None


async def test_a_write_reports_its_count_and_the_new_rows_id(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.rowcount == 1 and inserted.lastrowid == 1
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 0"))
        assert updated.rowcount == 1 and not updated.returns_rows


async def test_many_rows_in_one_call(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        result = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "abc"]
        )
        assert result.rowcount == 3
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 3


async def test_a_refused_write_is_sqlalchemys_integrity_error(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))


async def test_a_statement_opens_and_closes_no_cursor_of_its_own(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of the driver: no hand-over to aiosqlite's thread just to open a cursor or to
    close one whose statement is done."""
    calls: list[str] = []
    cursor, close = aiosqlite.Connection.cursor, aiosqlite.Cursor.close

    def counting_cursor(self: aiosqlite.Connection) -> Any:
        calls.append("cursor")
        return cursor(self)

    async def counting_close(self: aiosqlite.Cursor) -> None:
        calls.append("close")
        await close(self)

    monkeypatch.setattr(aiosqlite.Connection, "cursor", counting_cursor)
    monkeypatch.setattr(aiosqlite.Cursor, "close", counting_close)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert (await conn.execute(text("SELECT name FROM t"))).scalar_one() == "a"
        await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
    assert calls == []


async def test_the_same_statement_again_and_again_without_closing(engine: AsyncEngine) -> None:
    """Cursors left to the garbage collector do not hold their statements: the same SQL runs
    again at once, reads see every write, and the file can be written by another connection."""
    for n in range(300):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": f"p{n}"})
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == n + 1
    async with engine.connect() as reader, engine.begin() as writer:
        await reader.execution_options(**{READ_ONLY: True})  # BEGIN DEFERRED: takes no lock
        assert (await reader.execute(text("SELECT name FROM t WHERE id = 1"))).scalar_one()
        await writer.execute(text("DELETE FROM t WHERE id > 1"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1


async def test_a_committed_connection_goes_back_to_the_pool_without_a_rollback(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollbacks: list[Any] = []
    rollback = aiosqlite.Connection.rollback

    async def counting_rollback(self: aiosqlite.Connection) -> None:
        rollbacks.append(self)
        await rollback(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counting_rollback)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('kept')"))
    assert rollbacks == [], "nothing to undo after the commit"
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('undone')"))
            raise RuntimeError("the caller failed mid-transaction")
    assert len(rollbacks) == 1
    async with engine.connect() as conn:
        names = (await conn.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["kept"]
