"""Engine creation: the async driver for the URL, and SQLite set up to share a file safely."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from bot.db.urls import async_url, is_sqlite, is_sqlite_memory

SQLITE_BUSY_TIMEOUT_MS = 5_000
"""How long a writer waits for another connection's write lock before giving up."""

READ_ONLY = "drillbot_read_only"
"""The execution option of a connection whose transaction only reads (``read_only=True``)."""


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for ``url`` (any accepted form); ``options`` go to SQLAlchemy."""
    if is_sqlite(url):
        return _sqlite_engine(url, **options)
    options.setdefault("pool_pre_ping", True)
    # No JIT: the board queries' correlated tie-breaks look costly to the planner, which then
    # spends ~25 ms compiling a query that runs in a few (every statement here is short).
    settings = options.setdefault("connect_args", {}).setdefault("server_settings", {})
    settings.setdefault("jit", "off")
    return create_async_engine(async_url(url), **options)


def _sqlite_engine(url: str, **options: Any) -> AsyncEngine:
    if is_sqlite_memory(url):
        # Each connection to :memory: is a separate, empty database: keep exactly one.
        options.setdefault("poolclass", StaticPool)
    engine = create_async_engine(async_url(url), **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        # Take transaction control from the driver (see _on_begin); this also lets the
        # PRAGMAs below run outside a transaction, where journal_mode requires them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL: readers never block the writer, and a second process can share the file.
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints rather than on every commit: a power cut can
            # lose the last commits but never corrupts the file (SQLite's recommended pairing).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front. A deferred BEGIN that reads and then
        # writes fails at once with SQLITE_BUSY if another connection wrote in between, and the
        # busy timeout cannot help; taking the lock first makes writers queue instead.
        # A transaction that only reads needs no lock at all (WAL readers never wait for the
        # writer), so it must not queue behind one: it begins deferred.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    return engine
