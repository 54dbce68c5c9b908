"""DATABASE_URL: which forms we accept, the default, and the driver we pick for each backend.

Operators write the URLs they know (``postgres://`` from a hosting dashboard, ``sqlite:///``
from a tutorial); the store always talks through an async driver, aiosqlite or asyncpg,
whatever the URL names. Messages never show a password: use :func:`redact` for display.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATA_DIR = "./data"
DEFAULT_DB_FILE = "drillbot.db"

_SQLITE = {"sqlite": "sqlite", "sqlite+aiosqlite": "sqlite", "sqlite+pysqlite": "sqlite"}
_POSTGRES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+asyncpg": "postgresql",
}
_ASYNC_DRIVER = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}

ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "postgresql://user:password@host:5432/dbname or postgres://... "
    "(sqlite+aiosqlite:// and postgresql+asyncpg:// are accepted too)"
)


def parse(url: str) -> URL:
    """The URL in its plain form (``sqlite`` or ``postgresql``), or a ValueError saying why not."""
    text = url.strip()
    scheme = text.partition("://")[0] if "://" in text else ""
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):
        # Not echoed: an unparsable URL cannot be redacted, and it may hold a password.
        raise ValueError(
            f"DATABASE_URL is not a database URL; accepted forms: {ACCEPTED_FORMS}"
        ) from None
    backend = _SQLITE.get(parsed.drivername.lower()) or _POSTGRES.get(parsed.drivername.lower())
    if backend is None:
        raise ValueError(
            f"DATABASE_URL scheme {scheme or parsed.drivername!r} is not supported; "
            f"accepted forms: {ACCEPTED_FORMS}"
        )
    if backend == "postgresql" and not parsed.host and "host" not in parsed.query:
        raise ValueError(
            f"DATABASE_URL {redact(text)} names no PostgreSQL host; "
            f"accepted forms: {ACCEPTED_FORMS}"
        )
    return parsed.set(drivername=backend)


def render(url: URL) -> str:
    """The URL as a string, password included: for drivers, never for people."""
    return url.render_as_string(hide_password=False)


def redact(url: str) -> str:
    """The URL with its password masked, for logs and messages."""
    try:
        return make_url(url.strip()).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparsable URL>"


def database_url(env: Mapping[str, str]) -> str:
    """The plain (sync-form) URL from ``DATABASE_URL``, or the default SQLite file.

    The default lives in ``DRILLBOT_DATA_DIR`` (``./data``), which is created if missing.
    """
    configured = env.get("DATABASE_URL", "").strip()
    if configured:
        return render(parse(configured))
    data_dir = Path(env.get("DRILLBOT_DATA_DIR", "").strip() or DEFAULT_DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = (data_dir / DEFAULT_DB_FILE).resolve()
    return render(URL.create("sqlite", database=str(path)))


def async_url(url: str) -> str:
    """The same database, named with the async driver the store uses."""
    parsed = parse(url)
    if parsed.drivername == "postgresql" and "sslmode" in parsed.query:
        # libpq spells it sslmode, asyncpg spells it ssl (with the same values).
        query = dict(parsed.query)
        query["ssl"] = query.pop("sslmode")
        parsed = parsed.set(query=query)
    return render(parsed.set(drivername=_ASYNC_DRIVER[parsed.drivername]))


def is_sqlite(url: str) -> bool:
    return parse(url).drivername == "sqlite"


def is_sqlite_memory(url: str) -> bool:
    """An in-memory SQLite database lives in one connection, so the engine must keep just one."""
    parsed = parse(url)
    return parsed.drivername == "sqlite" and (
        parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    )
