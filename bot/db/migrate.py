"""Running the Alembic migrations from code: from async code on an engine, or from the CLI.

The migrations (``migrations/`` at the top of the repository, copied into the wheel; see
``bot.resources``) own the schema. Here Alembic is handed an open connection
(``config.attributes["connection"]``), so the same code path serves ``open_store``, the
``drillbot db upgrade`` command and the tests, on any URL form.

Every process upgrades at start, so several starting together (a deploy of many replicas)
would run the same migration at once, and all but one fail on "relation already exists" or
a duplicate alembic_version row. ``migration_lock`` lets one migrate while the others wait,
then find the database at head and go on. Plain ``alembic upgrade head`` takes it too
(migrations/env.py).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.errors import translate_errors
from bot.resources import shipped_dir

log = logging.getLogger(__name__)

MIGRATIONS_DIR = shipped_dir("migrations")
"""migrations/ of the checkout (an editable install too), or the copy inside an installed wheel."""

Action = Literal["upgrade", "downgrade"]


def alembic_config(url: str | None = None) -> Config:
    """A Config that needs no alembic.ini; ``url`` travels as an attribute, not an ini value,
    so a ``%`` in a password is not taken for configparser interpolation."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["configure_logging"] = False  # leave the application's logging alone
    if url is not None:
        config.attributes["url"] = url
    return config


TABLE_MODULES_OUTSIDE_DB = ("bot.adapters.slack.installations", "bot.adapters.discord.state")
"""Modules outside ``bot.db`` that declare tables on ``bot.db.tables.metadata``."""


def declared_metadata() -> MetaData:
    """The metadata with every table registered on it, whatever was imported so far.

    Features declare their tables in their own modules (every module of ``bot.db``, plus
    ``TABLE_MODULES_OUTSIDE_DB``); autogenerate and the schema test must see all of them.
    """
    import bot.db
    from bot.db.tables import metadata

    names = [f"{bot.db.__name__}.{m.name}" for m in pkgutil.iter_modules(bot.db.__path__)]
    for name in [*names, *TABLE_MODULES_OUTSIDE_DB]:
        importlib.import_module(name)
    return metadata


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _migrate(connection: Connection, action: Action, revision: str) -> str | None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
    return current_revision(connection)


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


MIGRATION_LOCK_KEY = 0x6472696C6C626F74
"""The PostgreSQL advisory lock migrations hold ("drillbot" in ASCII). Advisory locks belong
to one database, so drillbot databases on a shared server do not wait for each other."""


@asynccontextmanager
async def migration_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the migration lock while the body migrates: on PostgreSQL an advisory lock, which
    other processes wait for; the server drops it if this process dies holding it.

    The lock lives on a connection of its own, in autocommit, so no transaction sits open
    beside the migration's (where ``idle_in_transaction_session_timeout`` could end it and
    free the lock halfway) and it outlasts the migration's transaction: a waiter's upgrade
    starts only after the winner's commit, and so sees the new alembic_version.

    SQLite needs nothing more: the migration is one ``BEGIN IMMEDIATE`` transaction
    (bot.db.engine), which takes the file's write lock before reading alembic_version, so
    another process's upgrade waits for it (up to the busy timeout) and then finds it at head.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    url = engine.url.render_as_string(hide_password=False)
    key = {"key": MIGRATION_LOCK_KEY}
    with translate_errors(url):
        holder = await engine.connect()
    released = False
    try:
        with translate_errors(url):
            await holder.execution_options(isolation_level="AUTOCOMMIT")
            if not await holder.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
                log.info("another process is migrating the database; waiting for it")
                await holder.execute(text("SELECT pg_advisory_lock(:key)"), key)
        yield
        released = bool(await holder.scalar(text("SELECT pg_advisory_unlock(:key)"), key))
    finally:
        if not released:
            # Failed, cancelled or still waiting: end the session, which frees what it holds,
            # rather than put a connection holding (or about to get) the lock back in the pool.
            await holder.invalidate()
        await holder.close()


async def migrate_engine(
    engine: AsyncEngine, action: Action = "upgrade", revision: str = "head"
) -> str | None:
    """Upgrade (or downgrade) in one transaction, holding ``migration_lock``; returns the
    revision the database is at."""
    url = engine.url.render_as_string(hide_password=False)
    async with migration_lock(engine):
        with translate_errors(url):
            async with engine.begin() as connection:
                return await connection.run_sync(_migrate, action, revision)


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> str | None:
    return await migrate_engine(engine, "upgrade", revision)


async def migrate_url(url: str, action: Action = "upgrade", revision: str = "head") -> str | None:
    engine = create_engine(url)
    try:
        return await migrate_engine(engine, action, revision)
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "head") -> str | None:
    """For synchronous callers such as the CLI (there must be no running event loop)."""
    return asyncio.run(migrate_url(url, "upgrade", revision))


def downgrade(url: str, revision: str) -> str | None:
    return asyncio.run(migrate_url(url, "downgrade", revision))
