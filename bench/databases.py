"""Throwaway databases for the benchmarks: a SQLite file in a temporary folder, or a fresh
PostgreSQL database on DRILLBOT_BENCH_POSTGRES_URL's server, dropped afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

PG_URL = os.environ.get("DRILLBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def database(kind: str, label: str = "bench") -> AsyncIterator[str]:
    """The URL of an empty database of ``kind`` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / f'{label}.db'}"
        return
    import asyncpg  # type: ignore[import-untyped]

    name = f"drillbot_{label}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
