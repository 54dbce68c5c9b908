"""Throwaway databases for the benchmarks: a SQLite file in a temporary folder, or a fresh
PostgreSQL database on DRILLBOT_BENCH_POSTGRES_URL's server, dropped afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

KEPT_DIR = Path(tempfile.gettempdir()) / "drillbot-bench"
"""Where ``database(keep=True)`` keeps SQLite files between runs."""
PG_URL = os.environ.get("DRILLBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def database(kind: str, label: str = "bench", keep: bool = False) -> AsyncIterator[str]:
    """The URL of an empty database of ``kind`` ("sqlite" or "postgres"); with ``keep``, of one
    named after ``label`` that outlives the run (created empty the first time), so a later run
    finds what this one seeded (``KEPT_DIR`` on SQLite)."""
    if kind == "sqlite":
        if keep:
            KEPT_DIR.mkdir(parents=True, exist_ok=True)
            yield f"sqlite:///{KEPT_DIR / f'{label}.db'}"
            return
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / f'{label}.db'}"
        return
    import asyncpg  # type: ignore[import-untyped]

    name = f"drillbot_{label}_kept" if keep else f"drillbot_{label}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_URL)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not keep:
            admin = await asyncpg.connect(PG_URL)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
