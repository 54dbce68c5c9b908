"""Stores for the database tests: in memory, on a fresh SQLite file, and on PostgreSQL.

PostgreSQL comes from DRILLBOT_TEST_POSTGRES_URL (default: the local server, trust auth). Each
test session gets its own uniquely named database, upgraded with Alembic and dropped at the
end; tests are isolated by truncating every table before each one. Without a server the
PostgreSQL tests are skipped, or fail when CI=true or DRILLBOT_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.migrate import declared_metadata, migrate_url
from bot.db.sql_store import SqlStore, open_store
from bot.db.urls import async_url, parse, redact, render
from bot.services.store import Store
from bot.testing.memory_store import MemoryStore

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

T = TypeVar("T")


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a loop of its own, even from inside a running loop.

    Session fixtures use it for server administration: no engine outlives its loop.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as error:  # re-raised in the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def postgres_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("DRILLBOT_REQUIRE_POSTGRES") == "1"
    )


class PostgresServer:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, url: str) -> None:
        self.url = parse(url)

    def url_for(self, database: str) -> str:
        return render(self.url.set(database=database))

    async def _admin(self, *statements: str) -> None:
        # CREATE/DROP DATABASE cannot run in a transaction; connect to a maintenance database.
        last_error: Exception | None = None
        for database in ("postgres", self.url.database or "test"):
            engine = create_async_engine(
                async_url(self.url_for(database)),
                isolation_level="AUTOCOMMIT",
                connect_args={"timeout": 5},
            )
            try:
                async with engine.connect() as connection:
                    for statement in statements:
                        await connection.execute(text(statement))
                return
            except Exception as error:
                last_error = error
            finally:
                await engine.dispose()
        assert last_error is not None
        raise last_error

    def probe(self) -> None:
        run_blocking(self._admin("SELECT 1"))

    def create_database(self) -> str:
        name = f"drillbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        run_blocking(self._admin(f'CREATE DATABASE "{name}"'))
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        run_blocking(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_server() -> PostgresServer:
    url = os.environ.get("DRILLBOT_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    server = PostgresServer(url)
    try:
        server.probe()
    except Exception as error:
        message = (
            f"PostgreSQL at {redact(url)} is unreachable ({type(error).__name__}: {error}). "
            f"Start the local server with `{START_HINT}`, or point DRILLBOT_TEST_POSTGRES_URL "
            "at one."
        )
        if postgres_required():
            pytest.fail(f"{message} (required because CI=true or DRILLBOT_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    return server


@pytest.fixture(scope="session")
def pg_database(pg_server: PostgresServer) -> Iterator[str]:
    """One database for the session, at the newest migration."""
    url = pg_server.create_database()
    try:
        run_blocking(migrate_url(url, "upgrade"))
        yield url
    finally:
        pg_server.drop_database(url)


@pytest.fixture
def fresh_pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """An empty database of its own, for tests that migrate from scratch."""
    url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(url)


async def clean_pg_store(url: str, **engine_options: Any) -> SqlStore:
    """A store on the session database with every table emptied (ids restart at 1)."""
    store = await open_store(url, upgrade=False, **engine_options)
    tables = ", ".join(f'"{table.name}"' for table in declared_metadata().sorted_tables)
    async with store.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return store


@pytest.fixture
async def pg_store(pg_database: str) -> AsyncIterator[SqlStore]:
    store = await clean_pg_store(pg_database)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'drillbot.db'}"


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    store = await open_store(sqlite_url)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest) -> Store:
    """The same contract, three implementations."""
    if backend == "memory":
        return MemoryStore()
    fixture = {"sqlite": "sqlite_store", "postgres": "pg_store"}[backend]
    sql_store: SqlStore = request.getfixturevalue(fixture)
    return sql_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest) -> SqlStore:
    """The SQL store on both databases, for behaviour the memory store has no notion of."""
    fixture = {"sqlite": "sqlite_store", "postgres": "pg_store"}[request.param]
    store: SqlStore = request.getfixturevalue(fixture)
    return store
