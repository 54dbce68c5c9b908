from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import TEAM, TOKEN
from tests.db.conftest import fresh_pg_url, pg_server  # noqa: F401 - fixtures for these tests
from tests.faults.harness import DRILLBOT


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    if not DRILLBOT.exists():
        pytest.fail(f"{DRILLBOT} is missing: install the package (make install) first")
    slack = await FakeSlack().start()
    slack.add_workspace(TEAM, TOKEN)
    slack.add_person("U0ALICE", "alice")
    try:
        yield slack
    finally:
        await slack.stop()


@pytest.fixture
def sqlite_file_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'drillbot.db'}"
