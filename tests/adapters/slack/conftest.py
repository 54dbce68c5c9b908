"""Fixtures: a fake Slack Web API, a SQLite store at the newest migration, the running app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db.sql_store import SqlStore, open_store
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import TEAM, TOKEN, SlackHarness
from tests.db.conftest import pg_database, pg_server  # noqa: F401 - fixtures for any_store

ADMIN = "UADMIN"
ALICE = "UALICE"
BOB = "UBOB"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = await FakeSlack().start()
    slack.add_workspace(TEAM, TOKEN)
    slack.add_person(ADMIN, "lead", display_name="Lead", is_admin=True)
    slack.add_person(ALICE, "alice", display_name="Alice")
    slack.add_person(BOB, "bob", display_name="Bob")
    try:
        yield slack
    finally:
        await slack.stop()
    # Whatever a test checked, nothing the app sent may break Slack's rules.
    assert slack.violations == [], slack.violations


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    sql = await open_store(f"sqlite:///{tmp_path / 'drillbot.db'}")
    try:
        yield sql
    finally:
        await sql.close()


@pytest.fixture
async def slack(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackHarness]:
    async with SlackHarness(fake, store) as harness:
        yield harness


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """The store on SQLite and on PostgreSQL (a clean database at the newest migration)."""
    if request.param == "sqlite":
        sql = await open_store(f"sqlite:///{tmp_path / 'drillbot.db'}")
    else:
        from tests.db.conftest import clean_pg_store

        sql = await clean_pg_store(request.getfixturevalue("pg_database"))
    try:
        yield sql
    finally:
        await sql.close()
