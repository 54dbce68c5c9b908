"""Turning "the database is not there" into StoreUnavailable, without leaking the password."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from bot.db.urls import redact
from bot.services.store import StoreUnavailable

try:
    # asyncpg raises its own errors, unwrapped, while a connection is being opened.
    from asyncpg import exceptions as _asyncpg_exc  # type: ignore[import-untyped]

    _DRIVER_ERRORS: tuple[type[BaseException], ...] = (
        _asyncpg_exc.PostgresError,
        _asyncpg_exc.InterfaceError,
    )
except ImportError:  # pragma: no cover - asyncpg is a dependency, but SQLite needs none of it
    _DRIVER_ERRORS = ()

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # the pool had no connection to give
    OSError,  # refused, unreachable, DNS, and TimeoutError
    *_DRIVER_ERRORS,
)


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _UNAVAILABLE)


def unavailable(error: BaseException, url: str) -> StoreUnavailable:
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig else error
    detail = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    detail = _scrub(detail, url)
    return StoreUnavailable(
        f"database {redact(url)} is unavailable ({type(cause).__name__}: {detail})"
    )


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Re-raise connection failures from the block as StoreUnavailable."""
    try:
        yield
    except Exception as error:
        if not is_unavailable(error):
            raise
        translated = unavailable(error, url)
        # Keep the original for debugging unless its own text would show the password.
        password = _password(url)
        if password and password in str(error):
            raise translated from None
        raise translated from error


def _password(url: str) -> str | None:
    try:
        return make_url(url.strip()).password
    except (sa_exc.ArgumentError, ValueError):
        return None


def _scrub(text: str, url: str) -> str:
    password = _password(url)
    return text.replace(password, "***") if password else text
