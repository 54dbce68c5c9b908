"""Slack installation tokens at rest: encrypted with DRILLBOT_SECRET_KEY, rotated, migrated;
without a key, stored in the clear with one warning. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.adapters.slack.installations import SqlInstallationStore
from bot.db import secrets
from bot.db.migrate import head_revision, migrate_url
from bot.db.secrets import SecretKeyError, TokenCipher, generate_key
from bot.db.sql_store import SqlStore, open_store
from tests.adapters.slack.test_installations import _installation
from tests.db.conftest import fresh_pg_url, pg_server  # noqa: F401 - fixtures

OLD, NEW = generate_key(), generate_key()
TOKEN = "xoxb-1111-2222-abcdefabcdef"
USER_TOKEN = "xoxp-3333-4444-abcdefabcdef"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tokens.db'}"
    found: str = request.getfixturevalue("fresh_pg_url")
    return found


@pytest.fixture
async def store(url: str) -> AsyncIterator[SqlStore]:
    sql = await open_store(url)
    try:
        yield sql
    finally:
        await sql.close()


@pytest.fixture(autouse=True)
def _warn_again() -> Iterator[None]:
    secrets.reset_warning()
    yield
    secrets.reset_warning()


async def _stored(store: SqlStore) -> list[Any]:
    async with store.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT bot_token, user_token FROM slack_installations ORDER BY team_id")
        )
        return list(result.all())


def _installs(store: SqlStore, keys: str | None) -> SqlInstallationStore:
    return SqlInstallationStore(
        store.engine, "111.222", cache_seconds=0, cipher=TokenCipher.from_keys(keys)
    )


async def test_with_a_key_the_database_holds_no_token(store: SqlStore) -> None:
    installs = _installs(store, OLD)
    await installs.async_save(_installation("T1", TOKEN, user_token=USER_TOKEN))
    [(bot_token, user_token)] = await _stored(store)
    assert bot_token.startswith("fernet:") and user_token.startswith("fernet:")
    assert "xox" not in bot_token + user_token
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == TOKEN
    found = await installs.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_token == USER_TOKEN


async def test_rotation_old_key_still_reads_new_writes_use_the_new_key(store: SqlStore) -> None:
    await _installs(store, OLD).async_save(_installation("T1", TOKEN))
    rotated = _installs(store, f"{NEW},{OLD}")
    bot = await rotated.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == TOKEN  # the old key still decrypts
    await rotated.async_save(_installation("T2", "xoxb-two"))
    new_only = _installs(store, NEW)
    two = await new_only.async_find_bot(enterprise_id=None, team_id="T2")
    assert two is not None and two.bot_token == "xoxb-two"  # written under the new key
    with pytest.raises(SecretKeyError, match="does not decrypt"):
        await new_only.async_find_bot(enterprise_id=None, team_id="T1")
    # Rewriting puts every token under the new key; then the old key can go.
    assert await rotated.rewrite_tokens() == 1
    assert await rotated.rewrite_tokens() == 0
    one = await new_only.async_find_bot(enterprise_id=None, team_id="T1")
    assert one is not None and one.bot_token == TOKEN


async def test_without_a_key_it_works_and_warns_once(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "drillbot.secrets")
    installs = _installs(store, None)
    _installs(store, "")  # a second store in the same process does not warn again
    await installs.async_save(_installation("T1", TOKEN))
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == TOKEN
    assert [(token,) for token, _ in await _stored(store)] == [(TOKEN,)]
    warnings = [r for r in caplog.records if r.name == "drillbot.secrets"]
    assert len(warnings) == 1 and "in the clear" in warnings[0].getMessage()
    # Setting a key later: what was stored in the clear is still read, and rewritten.
    keyed = _installs(store, OLD)
    assert await keyed.rewrite_tokens() == 1
    [(stored, _)] = await _stored(store)
    assert stored.startswith("fernet:")
    found = await keyed.async_find_bot(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == TOKEN


def test_a_bad_key_is_refused_without_showing_it() -> None:
    with pytest.raises(SecretKeyError) as err:
        TokenCipher.from_keys("not-a-fernet-key")
    assert "not-a-fernet-key" not in str(err.value)


async def test_migration_0014_encrypts_existing_rows_when_the_key_is_set(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await migrate_url(url, "upgrade", "0012") == "0012"
    sql = await open_store(url, upgrade=False)
    try:
        await _installs(sql, None).async_save(_installation("T1", TOKEN, user_token=USER_TOKEN))
        monkeypatch.setenv("DRILLBOT_SECRET_KEY", f"{OLD}")
        assert await migrate_url(url, "upgrade") == head_revision()
        [(bot_token, user_token)] = await _stored(sql)
        assert bot_token.startswith("fernet:") and user_token.startswith("fernet:")
        bot = await _installs(sql, OLD).async_find_bot(enterprise_id=None, team_id="T1")
        assert bot is not None and bot.bot_token == TOKEN
        # Down again: back in the clear (with the key), and up without a key: unchanged.
        assert await migrate_url(url, "downgrade", "0012") == "0012"
        assert [tuple(r) for r in await _stored(sql)] == [(TOKEN, USER_TOKEN)]
        monkeypatch.delenv("DRILLBOT_SECRET_KEY")
        assert await migrate_url(url, "upgrade") == head_revision()
        assert [tuple(r) for r in await _stored(sql)] == [(TOKEN, USER_TOKEN)]
    finally:
        await sql.close()


async def test_drillbot_db_encrypt_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    sql = await open_store(url)
    try:
        await _installs(sql, None).async_save(_installation("T1", TOKEN))
    finally:
        await sql.close()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DRILLBOT_SECRET_KEY", raising=False)
    assert main(["db", "encrypt-tokens"]) == 2  # no key: nothing to encrypt with
    monkeypatch.setenv("DRILLBOT_SECRET_KEY", OLD)

    # In a thread: the command runs its own event loop, as from a shell.
    assert await asyncio.to_thread(main, ["db", "encrypt-tokens"]) == 0
    assert "1 row(s) rewritten" in capsys.readouterr().out
    sql = await open_store(url)
    try:
        [(stored, _)] = await _stored(sql)
        assert stored.startswith("fernet:")
    finally:
        await sql.close()
