"""A database's schema as plain data, for comparing two databases built different ways.

Everything SQLAlchemy's inspector reports that a migration decides: tables, columns (type,
nullability, server default), and every constraint and index with its name. Names matter: later
migrations drop and alter constraints by name, so two ways of building a database must agree
on them, not only on what the constraints enforce.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.db.engine import create_engine

REPO = Path(__file__).resolve().parents[2]

Schema = dict[str, dict[str, Any]]


def _sql(text: object) -> str:
    """SQL text with the spacing and outer parentheses the databases add or drop left out."""
    flat = re.sub(r"\s+", " ", str(text)).strip()
    while flat.startswith("(") and flat.endswith(")") and _balanced(flat[1:-1]):
        flat = flat[1:-1].strip()
    return flat


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _options(options: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((key, _sql(value)) for key, value in options.items()))


def snapshot(connection: Connection) -> Schema:
    inspector = inspect(connection)
    schema: Schema = {}
    for table in sorted(inspector.get_table_names()):
        pk = inspector.get_pk_constraint(table)
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], _sql(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "primary key": (pk.get("name"), tuple(pk["constrained_columns"])),
            "foreign keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique constraints": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "check constraints": sorted(
                (c["name"], _sql(c["sqltext"])) for c in inspector.get_check_constraints(table)
            ),
            "indexes": sorted(
                (
                    i["name"],
                    tuple(str(c) for c in i["column_names"]),
                    bool(i["unique"]),
                    _options(dict(i.get("dialect_options", {}))),
                )
                for i in inspector.get_indexes(table)
            ),
        }
    return schema


async def schema_of(url: str) -> Schema:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(snapshot)
    finally:
        await engine.dispose()


def differences(left: Schema, right: Schema) -> list[str]:
    """Each way the two schemas differ, readably; empty when they are the same."""
    found: list[str] = []
    for table in sorted(set(left) | set(right)):
        if table not in left or table not in right:
            found.append(f"table {table}: only in {'the first' if table in left else 'the second'}")
            continue
        for part in left[table]:
            if left[table][part] != right[table][part]:
                found.append(f"{table} {part}: {left[table][part]} != {right[table][part]}")
    return found


def run(argv: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    """A command in a process of its own, from the repository root, on ``database_url``."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False
    )


ALEMBIC_UPGRADE = [sys.executable, "-m", "alembic", "upgrade", "head"]
"""Plain ``alembic upgrade head``: alembic.ini from the repository root."""
DRILLBOT_UPGRADE = [sys.executable, "-m", "bot.cli", "db", "upgrade"]
"""``drillbot db upgrade`` (the console script runs ``bot.cli``)."""
