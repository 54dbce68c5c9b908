"""Choosing the mode, /healthz, and the real entry point: `run_slack` and `drillbot run`."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.adapters.slack.main import Running, SlackConfig, SlackRuntime, SlackStartupError, run_slack
from bot.bootstrap import make_engine
from bot.config import Settings
from bot.db.sql_store import SqlStore
from bot.domain import schedule_rules as rules
from bot.scheduling.clock import SystemClock
from bot.services.store import StoreUnavailable
from bot.testing.library import tiny_library
from tests.adapters.slack.conftest import ADMIN, ALICE
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, FAST, SECRET, TOKEN, SlackHarness, sign

REPO = Path(__file__).resolve().parents[3]


def settings(**env: str) -> Settings:
    return Settings.model_validate(env)


def test_the_mode_follows_the_credentials() -> None:
    http = SlackConfig.from_settings(
        settings(SLACK_SIGNING_SECRET="s" * 12, SLACK_BOT_TOKEN="xoxb-1", PORT="4000")
    )
    assert (http.mode, http.port, http.bot_token) == ("http", 4000, "xoxb-1")
    socket = SlackConfig.from_settings(settings(SLACK_APP_TOKEN="xapp-1", SLACK_BOT_TOKEN="xoxb-1"))
    assert socket.mode == "socket" and socket.app_token == "xapp-1"
    oauth = SlackConfig.from_settings(
        settings(
            SLACK_SIGNING_SECRET="s" * 12,
            SLACK_CLIENT_ID="1.2",
            SLACK_CLIENT_SECRET="c" * 12,
            SLACK_BOT_TOKEN="xoxb-ignored",
            SLACK_API_URL="https://slack-gov.com/api",
        )
    )
    assert oauth.mode == "oauth" and oauth.bot_token is None
    assert oauth.api_url == "https://slack-gov.com/api/"
    assert oauth.authorization_url() == "https://slack-gov.com/oauth/v2/authorize"
    assert Settings.model_validate({"SLACK_SIGNING_SECRET": "x"}).platform() == "slack"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "SLACK_APP_TOKEN and SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "s"}, "needs SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "needs SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong", "SLACK_BOT_TOKEN": "xoxb-1"}, "app-level token"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_credentials_are_named(env: dict[str, str], says: str) -> None:
    with pytest.raises(SlackStartupError, match=says):
        SlackConfig.from_settings(settings(**env))


async def test_a_refused_token_stops_the_start_with_a_clear_message(
    fake: FakeSlack, store: SqlStore
) -> None:
    fake.workspaces.clear()
    with pytest.raises(
        SlackStartupError, match="refused SLACK_BOT_TOKEN \\(invalid_auth\\)"
    ) as err:
        async with SlackHarness(fake, store):
            pass
    assert TOKEN not in str(err.value)


class DownStore:
    """A store whose database is unreachable."""

    def transaction(self, **options: Any) -> Any:
        raise StoreUnavailable("database sqlite:///x is unavailable (OperationalError)")


async def test_healthz_reports_the_app_and_the_database(slack: SlackHarness) -> None:
    ok, _ = await slack.get("/healthz")
    assert ok.status == 200 and ok.json() == {"ok": True, "mode": "http", "problems": []}
    slack.runtime.store = DownStore()  # type: ignore[assignment]
    down, _ = await slack.get("/healthz")
    assert down.status == 503
    assert down.json()["problems"] == ["database unavailable (StoreUnavailable)"]


@pytest.fixture
async def running(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Running]:
    env = {
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORT": "0",
    }
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()

    async def ready(running: Running) -> None:
        started.set_result(running)

    task = asyncio.create_task(run_slack(settings(**env), ready))
    waiting: set[asyncio.Future[Any]] = {task, started}
    done, _ = await asyncio.wait(waiting, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises why it did not start
    found = started.result()
    try:
        yield found
    finally:
        found.stop.set()
        assert await asyncio.wait_for(task, 20) == 0


@pytest.fixture
def thawed() -> Iterator[None]:
    """Nothing frozen by an earlier test of this process (the Discord entry point freezes too)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_run_slack_takes_what_it_loaded_out_of_the_collectors_view(
    thawed: None, running: Running
) -> None:
    """Once started, a full collection must not walk the library and the modules: ~120 ms of
    the loop that acknowledges clicks (bot.memory.settle_heap)."""
    assert gc.get_freeze_count() > 0


async def test_run_slack_serves_commands_and_schedules_what_is_set_up(
    running: Running, fake: FakeSlack
) -> None:
    url = f"http://127.0.0.1:{running.runtime.port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/healthz") as health:
            assert health.status == 200
        async with session.get(f"{url}/metrics") as metrics:
            assert metrics.status == 200
            assert 'drillbot_answers_recorded_total{platform="slack"}' in await metrics.text()
        harness = SlackHarness.__new__(SlackHarness)
        harness.fake = fake
        harness._ids = iter(range(1, 100))
        body = harness.command_body(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
        raw = urlencode(body)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, raw)}
        async with session.post(f"{url}/slack/events", data=raw, headers=headers) as reply:
            assert reply.status == 200
    await running.runtime.drain(10)
    [done] = harness.replies_to(body)
    assert "Drills are set up" in done["text"]
    # The scheduler was told: it wakes at the channel's next drill or board, whichever is first.
    now = dt.datetime.now(dt.UTC)
    days = ("mon", "tue", "wed", "thu", "fri")
    drill = rules.next_occurrence(now, dt.time(9, 30), days, "Europe/Berlin")
    board = rules.next_occurrence(now, dt.time(16, 0), ("fri",), "Europe/Berlin")
    assert drill is not None and board is not None
    assert running.scheduler.next_wake() == min(drill[1], board[1])


def test_drillbot_run_picks_slack_from_the_environment(fake_url: str, tmp_path: Path) -> None:
    """The real command line, in its own process: start, /healthz, a command, SIGTERM."""
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": f"{fake_url}/api/",
        "DRILLBOT_DATA_DIR": str(tmp_path),
        "PORT": "0",
        "LOG_LEVEL": "INFO",
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert process.stderr is not None
        port = None
        for line in process.stderr:
            seen.append(line)
            if found := re.search(r"listening on \S+:(\d+)", line):
                port = int(found.group(1))
            if "drillbot is running on Slack" in line:
                break
        assert port, "".join(seen)
        recorded = asyncio.run(_talk_to(port, fake_url))
    finally:
        process.send_signal(signal.SIGTERM)
        out = process.communicate(timeout=20)[1]
    assert process.returncode == 0, out
    logs = "".join(seen) + out
    assert TOKEN not in logs and SECRET not in logs
    assert recorded["violations"] == []
    [reply] = recorded["responses"]
    assert reply["response_type"] == "ephemeral" and "drillbot commands" in reply["text"]


async def _talk_to(port: int, fake_url: str) -> Any:
    app = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{app}/healthz") as health:
            assert health.status == 200, await health.text()
        body = urlencode(
            {
                "team_id": "T0TEAM",
                "channel_id": CHANNEL,
                "channel_name": "drills",
                "user_id": ALICE,
                "user_name": "alice",
                "command": "/drill",
                "text": "help",
                "response_url": f"{fake_url}/response/cli",
                "trigger_id": "1.2.3",
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        bad = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
        async with session.post(f"{app}/slack/events", data=body, headers=bad) as refused:
            assert refused.status == 401
        async with session.post(f"{app}/slack/events", data=body, headers=headers) as reply:
            assert reply.status == 200
        for _ in range(200):
            async with session.get(f"{fake_url}/_recorded") as found:
                recorded = json.loads(await found.text())
            if recorded["responses"]:
                return recorded
            await asyncio.sleep(0.05)
    raise AssertionError("no reply to /drill help")


@pytest.fixture
def fake_url() -> Any:
    """A fake Slack on a loop in a thread of its own (the app runs in another process)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> FakeSlack:
        fake = await FakeSlack().start()
        fake.add_workspace("T0TEAM", TOKEN)
        fake.add_person(ALICE, "alice")
        return fake

    fake = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield fake.url
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def test_an_unreachable_slack_at_start_is_not_called_a_bad_token(store: SqlStore) -> None:
    config = SlackConfig(
        mode="http",
        api_url="http://127.0.0.1:9/api/",
        port=0,
        bot_token=TOKEN,
        signing_secret=SECRET,
    )
    runtime = SlackRuntime(config, store, policy=FAST)
    engine = make_engine(store, tiny_library(), runtime.chat, SystemClock(), Settings())
    try:
        with pytest.raises(SlackStartupError, match=r"cannot reach Slack at http://127\.0\.0\.1:9"):
            await runtime.start(engine)
    finally:
        await runtime.stop()
