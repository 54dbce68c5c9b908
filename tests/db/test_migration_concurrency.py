"""Several processes upgrading one database at the same moment, as replicas of a deploy do
when each runs the migrations at start: every one exits 0, the database is migrated once, and
it ends at head with the whole schema.

The racers are real processes. Each imports everything first, then waits at a barrier (files
in a temporary directory) until all are ready, so the upgrades really start together rather
than one Python start-up apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db.engine import create_engine
from bot.db.migrate import head_revision, migrate_url
from tests.db.schemas import REPO, differences, schema_of

RACERS = 4
RACER = """
import sys, time
from pathlib import Path

from alembic.config import CommandLine

from bot.cli import main

barrier, me, count, how = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
(barrier / f"ready-{me}").touch()
while not (barrier / "go").exists():
    time.sleep(0.002)
if how == "alembic":
    CommandLine().main(["upgrade", "head"])  # plain `alembic upgrade head`, alembic.ini here
    sys.exit(0)
sys.exit(main(["db", "upgrade"]))  # `drillbot db upgrade`
"""


def race(url: str, barrier: Path, ways: list[str]) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "DATABASE_URL": url}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(barrier), str(n), str(len(ways)), how],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, how in enumerate(ways)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(barrier.glob("ready-*"))) < len(ways):
            assert all(r.poll() is None for r in racers), "a racer died before the start"
            assert time.monotonic() < deadline, "the racers never got ready"
            time.sleep(0.01)
        (barrier / "go").touch()
        done = []
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            done.append(subprocess.CompletedProcess(racer.args, racer.returncode, out, err))
        return done
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
                racer.wait()


async def versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_empty_urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """A database for the racers and one migrated alone, to compare with."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'raced.db'}", f"sqlite:///{tmp_path / 'alone.db'}"
    server = request.getfixturevalue("pg_server")
    raced, alone = server.create_database(), server.create_database()
    request.addfinalizer(lambda: server.drop_database(raced))
    request.addfinalizer(lambda: server.drop_database(alone))
    return raced, alone


async def _assert_migrated_once(raced: str, alone: str) -> None:
    assert await versions(raced) == [head_revision()]
    await migrate_url(alone, "upgrade")
    assert differences(await schema_of(raced), await schema_of(alone)) == []


@pytest.mark.parametrize(
    ("start", "ways"),
    [
        (None, ["drillbot"] * RACERS),
        ("0001", ["drillbot"] * RACERS),
        (None, ["alembic", "drillbot"] * (RACERS // 2)),
    ],
    ids=["empty", "from-0001", "empty-both-commands"],
)
async def test_processes_upgrading_at_once_migrate_the_database_once(
    two_empty_urls: tuple[str, str], tmp_path: Path, start: str | None, ways: list[str]
) -> None:
    raced, alone = two_empty_urls
    if start is not None:
        assert await migrate_url(raced, "upgrade", start) == start

    done = race(raced, tmp_path, ways)

    for result in done:
        assert result.returncode == 0, f"{result.args[-1]} racer failed:\n{result.stderr}"
    await _assert_migrated_once(raced, alone)
