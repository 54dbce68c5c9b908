"""Installations and OAuth state in our database: migration 0003, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from bot.adapters.slack.installations import (
    SlackInstallationRow,
    SlackOAuthStateRow,
    SqlInstallationStore,
    SqlOAuthStateStore,
)
from bot.db.engine import create_engine
from bot.db.migrate import head_revision, migrate_url
from bot.db.sql_store import SqlStore, open_store
from bot.db.tables import metadata
from tests.db.conftest import fresh_pg_url, pg_server  # noqa: F401 - fixtures

OURS = {SlackInstallationRow.__tablename__, SlackOAuthStateRow.__tablename__}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'installations.db'}"
    found: str = request.getfixturevalue("fresh_pg_url")
    return found


@pytest.fixture
async def store(url: str) -> AsyncIterator[SqlStore]:
    sql = await open_store(url)
    try:
        yield sql
    finally:
        await sql.close()


def _diff(connection: Connection) -> list[Any]:
    def ours(name: str | None, type_: str, parent: Any) -> bool:
        return type_ != "table" or name in OURS

    described = MetaData()
    for name in sorted(OURS):
        metadata.tables[name].to_metadata(described)
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": ours}
    )
    return list(compare_metadata(context, described))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migration_0003_creates_the_tables_as_described_and_drops_them(url: str) -> None:
    head = head_revision()
    assert await migrate_url(url, "upgrade") == head
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) >= OURS
            assert await connection.run_sync(_diff) == []
        assert await migrate_url(url, "downgrade", "0002") == "0002"
        async with engine.connect() as connection:
            assert not OURS & await connection.run_sync(_tables)
        assert await migrate_url(url, "upgrade") == head
    finally:
        await engine.dispose()


def _installation(team: str, token: str, **kw: Any) -> Installation:
    values: dict[str, Any] = {
        "app_id": "A0DRILL",
        "team_id": team,
        "team_name": f"Team {team}",
        "bot_token": token,
        "bot_id": f"B{team}",
        "bot_user_id": f"U{team}BOT",
        "bot_scopes": "chat:write,commands",
        "user_id": "UINSTALLER",
        "user_scopes": "",
        "installed_at": dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC).timestamp(),
    }
    values.update(kw)
    return Installation(**values)


async def test_save_find_replace_and_delete(store: SqlStore) -> None:
    installs = SqlInstallationStore(store.engine, "111.222", cache_seconds=0)
    assert await installs.async_find_bot(enterprise_id=None, team_id="T1") is None
    await installs.async_save(_installation("T1", "xoxb-one"))
    await installs.async_save(_installation("T2", "xoxb-two", bot_token_expires_in=3600))
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and (bot.bot_token, bot.bot_user_id) == ("xoxb-one", "UT1BOT")
    assert bot.bot_scopes == ["chat:write", "commands"] and bot.team_name == "Team T1"
    two = await installs.async_find_bot(enterprise_id=None, team_id="T2")
    assert two is not None and two.bot_token_expires_at is not None

    # Reinstalling replaces the row (one per workspace), and the cache follows.
    await installs.async_save(_installation("T1", "xoxb-one-again"))
    again = await installs.async_find_bot(enterprise_id="E1", team_id="T1")
    assert again is not None and again.bot_token == "xoxb-one-again"
    found = await installs.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_id == "UINSTALLER" and found.bot_id == "BT1"
    assert (
        await installs.async_find_installation(enterprise_id=None, team_id="T1", user_id="USOMEONE")
        is None
    )

    # Token rotation saves the refreshed bot.
    refreshed = Bot(
        team_id="T2",
        bot_token="xoxb-two-refreshed",
        bot_id="BT2",
        bot_user_id="UT2BOT",
        bot_refresh_token="xoxe-r",
        bot_token_expires_in=7200,
        installed_at=0.0,
    )
    await installs.async_save_bot(refreshed)
    two = await installs.async_find_bot(enterprise_id=None, team_id="T2")
    assert two is not None and two.bot_token == "xoxb-two-refreshed"

    await installs.async_delete_all(enterprise_id=None, team_id="T1")
    assert await installs.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await installs.async_find_bot(enterprise_id=None, team_id="T2") is not None
    assert "xoxb" not in repr(installs)


async def test_org_wide_installs_are_found_by_enterprise(store: SqlStore) -> None:
    installs = SqlInstallationStore(store.engine, "111.222")
    org = _installation("", "xoxb-org", enterprise_id="E9", is_enterprise_install=True)
    org.team_id = None
    await installs.async_save(org)
    bot = await installs.async_find_bot(
        enterprise_id="E9", team_id=None, is_enterprise_install=True
    )
    assert bot is not None and bot.bot_token == "xoxb-org" and bot.is_enterprise_install


async def test_found_bots_are_cached_until_saved_again(store: SqlStore) -> None:
    installs = SqlInstallationStore(store.engine, "111.222", cache_seconds=60)
    await installs.async_save(_installation("T1", "xoxb-one"))
    assert await installs.async_find_bot(enterprise_id=None, team_id="T1")
    await store.close()  # the database is gone; the cache answers
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-one"


async def test_oauth_state_is_consumed_once_and_expires(store: SqlStore) -> None:
    states = SqlOAuthStateStore(store.engine, expiration_seconds=600)
    state = await states.async_issue()
    assert len(state) >= 32
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
    assert await states.async_consume("never-issued") is False
    stale = SqlOAuthStateStore(store.engine, expiration_seconds=-1)
    old = await stale.async_issue()
    assert await states.async_consume(old) is False
