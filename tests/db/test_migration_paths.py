"""The two ways to migrate build the same database: plain ``alembic upgrade head`` (alembic.ini,
autogenerate's metadata in view) and ``drillbot db upgrade`` (also the start-up upgrade).

Each runs as a real command in a process of its own, on SQLite and on PostgreSQL; the schemas
are compared name by name. Alembic names constraints with the target metadata's naming
convention, so a difference between the two paths' metadata shows up here, in check
constraint names for instance, long before a later migration fails to find one by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.migrate import head_revision
from tests.db.schemas import (
    ALEMBIC_UPGRADE,
    DRILLBOT_UPGRADE,
    differences,
    run,
    schema_of,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_empty_urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'alembic.db'}", f"sqlite:///{tmp_path / 'drillbot.db'}"
    server = request.getfixturevalue("pg_server")
    first, second = server.create_database(), server.create_database()
    request.addfinalizer(lambda: server.drop_database(first))
    request.addfinalizer(lambda: server.drop_database(second))
    return first, second


async def test_alembic_and_drillbot_build_the_same_schema(two_empty_urls: tuple[str, str]) -> None:
    by_alembic, by_drillbot = two_empty_urls
    for argv, url in ((ALEMBIC_UPGRADE, by_alembic), (DRILLBOT_UPGRADE, by_drillbot)):
        done = run(argv, url)
        assert done.returncode == 0, f"{argv}: {done.stderr}"

    first, second = await schema_of(by_alembic), await schema_of(by_drillbot)

    assert "alembic_version" in first and len(first) > 1
    assert differences(first, second) == []
    # Names as the migrations spell them, e.g. a check constraint of 0001.
    checks = {name for name, _ in second["drills"]["check constraints"]}
    assert checks == {"ck_drills_slot", "ck_drills_state"}
    assert f"revision {head_revision()}" in run(DRILLBOT_UPGRADE, by_drillbot).stdout
