"""SQLAlchemy's aiosqlite adapter, with one hand-over to the database's thread fewer per
statement.

aiosqlite runs each SQLite connection on a thread of its own, and every call is a hand-over:
queue the call, wake that thread, wake the event loop with the result. SQLAlchemy's adapter
opens a cursor, executes, fetches and closes: four hand-overs for a SELECT, three for a write.
aiosqlite's ``Connection.execute`` opens the cursor and runs the statement in one, and a cursor
whose statement has run to its end has nothing left to close, so here a SELECT takes two and a
write one. On a small VM a hand-over costs 0.1-0.2 ms, more than most
of our statements take to run, and ``/drill stats`` runs 16 of them (bench/boards_bench.py).
The pool's rollback of a connection handed back after its commit, which has nothing to undo,
makes no hand-over at all.

Passed to SQLAlchemy as the engine's DBAPI module (``create_async_engine(module=...)``), so the
dialect, its SQL and the URL stay SQLAlchemy's own.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            cursor = self.await_(self._connection.execute(operation, parameters))
            if cursor.description:
                self.description = cursor.description
                self.lastrowid = self.rowcount = -1
                self._rows = deque(self.await_(cursor.fetchall()))
            else:
                self.description = None
                self.lastrowid = cursor.lastrowid
                self.rowcount = cursor.rowcount
            # No close: it would be one more hand-over to release a statement that has already
            # run to its end (a write when it ran, a SELECT once fetched), which dropping the
            # cursor releases just the same.
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            cursor = self.await_(self._connection.executemany(operation, seq_of_parameters))
            self.description = None
            self.lastrowid = cursor.lastrowid
            self.rowcount = cursor.rowcount
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def rollback(self) -> None:
        # The pool rolls back every connection handed back to it, committed or not. Outside a
        # transaction sqlite3's rollback does nothing, so it need not cross to the thread.
        if self._connection.in_transaction:
            super().rollback()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return AsyncAdapt_aiosqlite_ss_cursor(self)
        return _Cursor(self)


class _Dbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args: Any, **kwargs: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*args, **kwargs)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:
            return adapted  # the sync fallback, which tests of SQLAlchemy itself use
        return _Connection(self, adapted._connection)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module to give ``create_async_engine`` for a SQLite URL."""
    return _Dbapi(aiosqlite, sqlite3)
