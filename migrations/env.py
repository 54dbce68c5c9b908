"""Alembic environment for drillbot.

Three ways in:
- ``bot.db.migrate`` passes an open connection in ``config.attributes["connection"]``
  (sync-facing, from ``AsyncConnection.run_sync``): we migrate on it and leave the
  transaction to the caller;
- the ``alembic`` command line: we build the async engine ourselves from
  ``config.attributes["url"]``, ``sqlalchemy.url`` or DATABASE_URL, in any accepted form;
- ``alembic upgrade --sql``: offline, rendering SQL for the URL's dialect.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from bot.db.engine import create_engine
from bot.db.migrate import declared_metadata, migration_lock
from bot.db.tables import NAMING_CONVENTION
from bot.db.urls import database_url, parse, render

config = context.config
# Autogenerate (`alembic revision --autogenerate`, `alembic check`) compares the database with
# every declared table. Upgrades run by the application need none of them, and must not fail
# because some feature module cannot be imported; but they need the naming convention, which
# Alembic applies to every constraint a migration creates: without it the same migration names
# things differently here and under `alembic upgrade head` (tests/db/test_migration_paths.py).
metadata = (
    MetaData(naming_convention=NAMING_CONVENTION)
    if "connection" in config.attributes
    else declared_metadata()
)

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return str(url) if url else database_url(os.environ)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: later migrations rebuild tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    url = parse(_url())
    context.configure(
        url=render(url),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.drivername == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_new_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        # As `drillbot db upgrade` does (bot.db.migrate.migrate_engine, which hands us its
        # connection instead and holds the lock itself): one process migrates at a time.
        async with migration_lock(engine), engine.begin() as connection:
            await connection.run_sync(_run_on)
    finally:
        await engine.dispose()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(_run_on_new_engine(_url()))
    else:
        _run_on(connection)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
