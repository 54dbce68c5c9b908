"""Real ``drillbot run`` processes against the fake Slack, for fault tests.

``Fleet`` starts the installed ``drillbot`` console script as a child process (Slack over HTTP,
one workspace) on a database of the test's own, pointed at a ``FakeSlack`` running in the
test's event loop. Tests hold or fail the fake's calls at the moment that matters, kill a
process with SIGKILL or SIGTERM, start another, and read what the fake kept: the evidence is
what Slack saw, not what the bot believes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import text, update

from bot.db.sql_store import SqlStore, open_store
from bot.db.tables import DrillRow
from bot.domain.model import DEFAULT_ANSWER_WINDOW, Drill, Schedule
from tests.adapters.slack.fake_slack import FakeSlack, message_key
from tests.adapters.slack.harness import CHANNEL, CHANNEL_NAME, SECRET, TEAM, TOKEN, shape, sign

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "tests" / "e2e" / "pack"
DRILLBOT = Path(sys.executable).with_name("drillbot")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LEASE_SECONDS = 2
SWEEP_SECONDS = 1
SHUTDOWN_GRACE = 2
START_TIMEOUT = 30.0
JSON = dict[str, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def keyed(prefix: str) -> Callable[[JSON], bool]:
    """Matches chat.postMessage parameters whose delivery key starts with ``prefix``."""
    return lambda params: (message_key(params) or "").startswith(prefix)


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def stop(self, sig: signal.Signals, timeout: float = 30.0) -> int:
        """Send ``sig`` and wait for the process to end; its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(
                f"drillbot did not stop within {timeout}s of {sig.name}:\n{self.output()[-3000:]}"
            ) from None


@dataclass
class Fleet:
    """The processes of one test, on one database and one fake Slack."""

    fake: FakeSlack
    database_url: str
    workdir: Path
    lease_seconds: float = LEASE_SECONDS
    bots: list[Bot] = field(default_factory=list)
    session: aiohttp.ClientSession | None = None
    _ids: int = 0

    def env(self, port: int) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DRILLBOT_"))}
        keep.update(
            {
                "DATABASE_URL": self.database_url,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_API_URL": self.fake.api_url,
                "PORT": str(port),
                "DRILLBOT_CONTENT_DIR": str(PACK),
                "DRILLBOT_DATA_DIR": str(self.workdir / "data"),
                "DRILLBOT_LEASE_SECONDS": str(self.lease_seconds),
                "DRILLBOT_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "DRILLBOT_SHUTDOWN_GRACE_SECONDS": str(SHUTDOWN_GRACE),
                "LOG_LEVEL": "INFO",
            }
        )
        return keep

    async def start(self) -> Bot:
        """Start ``drillbot run`` and wait until its /healthz answers 200."""
        port = free_port()
        self._ids += 1
        log = self.workdir / f"bot-{self._ids}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(DRILLBOT),
                "run",
                "--platform",
                "slack",
                env=self.env(port),
                cwd=self.workdir,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
        bot = Bot(process, port, log)
        self.bots.append(bot)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise AssertionError(f"drillbot exited at start:\n{bot.output()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with self.http().get(f"{bot.url}/healthz") as response:
                    if response.status == 200:
                        return bot
            await asyncio.sleep(0.1)
        raise AssertionError(f"drillbot was not healthy in {START_TIMEOUT}s:\n{bot.output()}")

    def http(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self.session

    async def close(self) -> None:
        for bot in self.bots:
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()
        if self.session is not None:
            await self.session.close()

    # --- a person in Slack -------------------------------------------------------------------
    async def command(self, bot: Bot, user: str, text: str) -> str:
        """Type ``/drill <text>`` in the channel; every private answer it got, as text."""
        self._ids += 1
        name = f"fault-{self._ids}"
        body = dict(shape("SlashCommandPayload"))
        body.update(
            {
                "token": "legacy",
                "api_app_id": "A0DRILL",
                "team_id": TEAM,
                "team_domain": "team",
                "enterprise_id": "",
                "enterprise_name": "",
                "channel_id": CHANNEL,
                "channel_name": CHANNEL_NAME,
                "user_id": user,
                "user_name": user.lower(),
                "command": "/drill",
                "text": text,
                "response_url": self.fake.response_url(name),
                "trigger_id": f"{self._ids}.{user}.trigger",
            }
        )
        encoded = urlencode(body)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, encoded)}
        before = len(self.fake.calls)
        async with self.http().post(
            f"{bot.url}/slack/events", data=encoded, headers=headers
        ) as response:
            assert response.status == 200, await response.text()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            said = [
                c
                for c in self.fake.calls[before:]
                if c.method == "chat.postEphemeral" and c.get("user") == user
            ]
            said += self.fake.responses_to(name)
            if said:
                return "\n".join(json.dumps(c.params, ensure_ascii=False) for c in said)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no answer to /drill {text}")

    # --- waiting for Slack to see things -----------------------------------------------------
    async def until(self, check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            await asyncio.sleep(0.05)
        logs = "\n---\n".join(b.output()[-2500:] for b in self.bots)
        raise AssertionError(f"timed out waiting for {what}\n{logs}")


# --- the database ----------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def opened(url: str) -> AsyncIterator[SqlStore]:
    store = await open_store(url)
    try:
        yield store
    finally:
        await store.close()


def minute_ago() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(second=0, microsecond=0) - dt.timedelta(minutes=1)


async def prepare_channel(
    url: str,
    *,
    reveal_now: bool = False,
    board_now: bool = False,
    mcq: bool = False,
) -> None:
    """The channel with a schedule whose drill came due a minute ago (in UTC), so the first
    tick of a process posts it; and, when asked, its reveal and the weekly board as well."""
    due = minute_ago()
    today = DAYS[due.weekday()]
    other_day = DAYS[(due.weekday() + 3) % 7]
    schedule = Schedule(
        post_time=due.time(),
        timezone="UTC",
        days=DAYS,
        mcq_days=DAYS if mcq else (),
        answer_window=dt.timedelta(minutes=1) if reveal_now else DEFAULT_ANSWER_WINDOW,
        leaderboard_day=today if board_now else other_day,
        leaderboard_time=due.time(),
    )
    async with opened(url) as store, store.transaction() as tx:
        await tx.ensure_workspace(TEAM, "slack", "Test team")
        channel = await tx.ensure_channel(TEAM, CHANNEL, CHANNEL_NAME)
        await tx.save_schedule(channel.id, schedule)


async def drills(url: str) -> list[Drill]:
    async with opened(url) as store, store.transaction() as tx:
        channel = await tx.find_channel(TEAM, CHANNEL)
        assert channel is not None
        found = await tx.drills_to_retry(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        found += await tx.open_drills(channel.id, dt.datetime.now(dt.UTC))
    return found


async def reveal_now(url: str, drill_id: int) -> None:
    """Bring the drill's reveal forward to now (the answer window is whole minutes)."""
    async with opened(url) as store, store.engine.begin() as connection:
        await connection.execute(
            update(DrillRow)
            .where(DrillRow.id == drill_id)
            .values(reveal_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )


async def lease_holder(url: str, prefix: str) -> str | None:
    """Who holds an unfinished lease whose key starts with ``prefix``."""
    async with opened(url) as store, store.engine.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT owner FROM deliveries WHERE done_at IS NULL AND owner IS NOT NULL "
                "AND key LIKE :pattern"
            ),
            {"pattern": prefix + "%"},
        )
        row = found.first()
    return None if row is None else str(row[0])


@contextlib.asynccontextmanager
async def locked(url: str) -> AsyncIterator[None]:
    """Hold the database's write lock (SQLite) or the deliveries table (PostgreSQL), as a long
    transaction of another process would, until the block ends."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    async with opened(url) as store, store.engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await transaction.rollback()
