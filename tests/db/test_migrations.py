"""The migrations own the schema: from empty to head, back to base and up again, on both
databases; and the hand-written migration agrees with ``bot/db/tables.py``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.db.cli import register
from bot.db.engine import create_engine
from bot.db.migrate import declared_metadata, head_revision, migrate_url
from bot.db.sql_store import open_store
from tests.db.builders import channel

CORE_TABLES = {
    "workspaces",
    "channels",
    "people",
    "away_periods",
    "drills",
    "answers",
    "submissions",
    "streaks",
    "channel_posts",
    "practice",
    "listed_admins",
}

UNIQUE_KEYS = {
    "channels": {("workspace_id", "external_id")},
    "people": {("workspace_id", "external_id")},
    "drills": {("channel_id", "slot", "local_date")},
    "answers": {("drill_id", "person_id")},
    "submissions": {("workspace_id", "key")},
    "channel_posts": {("channel_id", "kind", "key")},
}

INDEXES = {
    "drills": {"ix_drills_due_reveals", "ix_drills_to_retry", "ix_drills_posted_days"},
    "answers": {
        "ix_answers_channel_id_local_date_person_id_points_correct",
        "ix_answers_workspace_id_local_date_person_id_points_correct",
        "ix_answers_person_id_created_at",
    },
    "away_periods": {"ix_away_periods_person_id_start_date"},
}


def _schema(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    return {
        "tables": tables,
        "unique": {
            table: {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
            for table in UNIQUE_KEYS
            if table in tables
        },
        "indexes": {
            table: {i["name"] for i in inspector.get_indexes(table)}
            for table in INDEXES
            if table in tables
        },
        "primary": {
            table: tuple(inspector.get_pk_constraint(table)["constrained_columns"])
            for table in ("streaks", "practice")
            if table in tables
        },
        "revision": MigrationContext.configure(connection).get_current_revision(),
        "diff": compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}),
            declared_metadata(),
        ),
    }


async def _inspect(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_schema)
    finally:
        await engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    url: str = request.getfixturevalue("fresh_pg_url")
    return url


def _assert_at_head(schema: dict[str, Any]) -> None:
    # Later migrations add tables for other features; the core ones must all be there.
    assert schema["tables"] >= CORE_TABLES
    undeclared = schema["tables"] - set(declared_metadata().tables) - {"alembic_version"}
    assert not undeclared, (
        f"migrations create {undeclared} but no module declares them: add the module that "
        "does to bot.db.migrate.TABLE_MODULES_OUTSIDE_DB"
    )
    for table, keys in UNIQUE_KEYS.items():
        assert keys <= schema["unique"][table], table
    for table, names in INDEXES.items():
        assert names <= schema["indexes"][table], table
    assert schema["primary"] == {"streaks": ("person_id", "channel_id"), "practice": ("person_id",)}
    assert schema["revision"] == head_revision()
    # The hand-written migrations and the declarative tables describe the same schema.
    assert schema["diff"] == []


async def test_upgrade_from_empty_creates_the_whole_schema(empty_url: str) -> None:
    assert await migrate_url(empty_url, "upgrade") == head_revision()
    _assert_at_head(await _inspect(empty_url))


async def test_upgrade_to_0001_creates_exactly_the_core_tables(empty_url: str) -> None:
    assert await migrate_url(empty_url, "upgrade", "0001") == "0001"
    assert (await _inspect(empty_url))["tables"] == CORE_TABLES | {"alembic_version"}


async def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    await migrate_url(empty_url, "upgrade")
    assert await migrate_url(empty_url, "downgrade", "base") is None
    down = await _inspect(empty_url)
    assert down["tables"] == {"alembic_version"}
    assert down["revision"] is None
    assert await migrate_url(empty_url, "upgrade") == head_revision()
    _assert_at_head(await _inspect(empty_url))


async def test_upgrading_twice_is_harmless_and_keeps_data(empty_url: str) -> None:
    store = await open_store(empty_url)
    try:
        async with store.transaction() as tx:
            created = await channel(tx)
    finally:
        await store.close()
    store = await open_store(empty_url)  # a restart runs the migrations again
    try:
        async with store.transaction() as tx:
            assert await tx.get_channel(created.id) == created
    finally:
        await store.close()


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="drillbot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_cli_db_upgrade_honours_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert _cli(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"revision {head_revision()}" in out and str(path) in out
    assert path.exists()


def test_cli_db_upgrade_defaults_to_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DRILLBOT_DATA_DIR", str(tmp_path / "data"))
    assert _cli(["db", "upgrade"]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out
    assert (tmp_path / "data" / "drillbot.db").exists()


@pytest.mark.postgres
def test_cli_db_upgrade_on_postgres_with_a_postgres_scheme(
    fresh_pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_pg_url.replace("postgresql://", "postgres://", 1))
    assert _cli(["db", "upgrade"]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out


def test_cli_db_upgrade_reports_problems_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root:hunter2@localhost/drill")
    assert _cli(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "accepted forms" in err and "hunter2" not in err

    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2@127.0.0.1:1/drill")
    assert _cli(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "unavailable" in err and "hunter2" not in err
