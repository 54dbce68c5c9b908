"""Fixtures for the Discord runtime's tests: the fake Discord with discord.py pointed at it, a
SQLite store at the newest migration, and the running bot (``bot_harness.DiscordHarness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db.sql_store import SqlStore
from tests.adapters.discord.bot_harness import DiscordHarness, sql_store
from tests.adapters.discord.fake_discord import FakeDiscord, point_discord_py_at


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        with point_discord_py_at(server):
            yield server
    # Whatever a test checked, nothing the bot sent may break Discord's rules.
    assert server.violations == [], server.violations


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    sql = await sql_store(tmp_path / "drillbot.db")
    try:
        yield sql
    finally:
        await sql.close()


@pytest.fixture
async def bot(fake: FakeDiscord, store: SqlStore) -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(fake, store) as harness:
        yield harness
