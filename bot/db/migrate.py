"""Running the Alembic migrations from code: from async code on an engine, or from the CLI.

The migrations (``migrations/`` at the top of the repository) own the schema. Here Alembic is
handed an open connection (``config.attributes["connection"]``), so the same code path serves
``open_store``, the ``drillbot db upgrade`` command and the tests, on any URL form.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.errors import translate_errors

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
"""Found beside the package: drillbot runs from a checkout (or an editable install)."""

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


TABLE_MODULES_OUTSIDE_DB = ("bot.adapters.slack.installations",)
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


async def migrate_engine(
    engine: AsyncEngine, action: Action = "upgrade", revision: str = "head"
) -> str | None:
    """Upgrade (or downgrade) in one transaction; returns the revision the database is at."""
    url = engine.url.render_as_string(hide_password=False)
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
