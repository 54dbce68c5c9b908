"""Real ``drillbot run --platform discord`` processes against the fake Discord, for fault tests.

The Discord twin of ``harness.Fleet``: ``DiscordFleet`` starts the installed ``drillbot``
console script as a child process (``DISCORD_TOKEN`` / ``DISCORD_API_URL`` /
``DISCORD_GATEWAY_URL`` pointing at a ``FakeDiscord`` running in the test's event loop) on a
database of the test's own. Several processes split the gateway the way the README says
replicas do on Discord: the same ``DISCORD_SHARD_COUNT``, each its own ``DISCORD_SHARD_IDS``;
every one of them runs the scheduler, so they race for the same posts through the leases.

Tests hold or fail the fake's calls at the moment that matters, kill a process with SIGKILL or
SIGTERM, start it again, and read what the fake kept: the evidence is what Discord saw, not
what the bot believes. A post is told apart from any other by the nonce drillbot stamps on it
(``payloads.nonce``, derived from the delivery key), which the fake keeps on the message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot.adapters.discord.payloads import nonce_prefix
from bot.adapters.discord.translate import PLATFORM
from bot.db.sql_store import SqlStore, open_store
from bot.db.tables import AnswerRow, ChannelRow, DeliveryRow, DrillRow
from bot.domain.model import DEFAULT_ANSWER_WINDOW, Schedule
from tests.adapters.discord.fake_discord import (
    ENFORCED_NONCE_WINDOW,
    Call,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeUser,
)
from tests.faults.harness import (
    DAYS,
    DRILLBOT,
    LEASE_SECONDS,
    PACK,
    SHUTDOWN_GRACE,
    START_TIMEOUT,
    SWEEP_SECONDS,
    Bot,
    free_port,
    minute_ago,
)

POST = "POST /channels/{channel_id}/messages"
"""The route of every channel, thread and DM message the bot posts on its own."""
JSON = dict[str, Any]


def drill_key(drill_id: int) -> str:
    return f"drill:{drill_id}"


def reveal_key(drill_id: int) -> str:
    return f"reveal:{drill_id}"


@dataclass
class DiscordBot(Bot):
    shard: int | None = None
    """The shard it runs (``DISCORD_SHARD_IDS``), None for all of them."""

    def owns(self, lease_owner: str) -> bool:
        """Whether a lease owner (``host:pid:nonce``) is this process."""
        return f":{self.process.pid}:" in lease_owner


@dataclass(frozen=True)
class PostedDrill:
    """A drill as the database has it."""

    id: int
    channel: str
    """The Discord channel id."""
    state: str
    message_ref: str | None
    revealed_at: dt.datetime | None


class Discord(FakeDiscord):
    """The fake Discord, able to forget nonces as the real one does.

    Discord does not keep a message's nonce (discord.py: "not stored long term within Discord's
    servers and is only used ephemerally"): only the answer to the post and its gateway echo
    carry it, and history never does. The fake keeps it everywhere; in the channels listed in
    ``nonces_hidden_in`` its history leaves it out, so a look for an earlier post finds what it
    would find on Discord. ``forget_nonce`` makes Discord's deduplication window (a few
    minutes) pass for one message.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.nonces_hidden_in: set[int] = set()

    def _history(self, call: Call) -> web.Response:
        response = super()._history(call)
        channel = int(call.path_params["channel_id"])
        if channel in self.nonces_hidden_in and isinstance(call.response, list):
            return self._ok(call, [_without_nonce(m) for m in call.response])
        return response

    def forget_nonce(self, message_id: int | str) -> None:
        self.stored(message_id).created -= ENFORCED_NONCE_WINDOW + 1


def _without_nonce(message: JSON) -> JSON:
    return {k: v for k, v in message.items() if k != "nonce"}


# --- the server the bot drills in ------------------------------------------------------------
def add_server(fake: FakeDiscord, channels: Sequence[str] = ("drills",)) -> FakeGuild:
    """A server with ``channels`` and two members; on shard 0 when the fake has several."""
    shard = 0 if fake.shard_count > 1 else None
    guild = fake.add_guild("Study group", channels=channels, shard=shard)
    fake.add_member(guild, "alice")
    fake.add_member(guild, "bob")
    return guild


def member(guild: FakeGuild, username: str) -> FakeUser:
    return next(m.user for m in guild.members.values() if m.user.username == username)


def bot_messages(fake: FakeDiscord, channel: FakeChannel | int) -> list[JSON]:
    """Every message the bot has in a channel (or thread), oldest first."""
    mine = str(fake.bot.id)
    return [m for m in fake.messages(channel) if m["author"]["id"] == mine]


def keyed(fake: FakeDiscord, channel: FakeChannel | int, key: str) -> list[JSON]:
    """The bot's messages in ``channel`` stamped with the nonce of ``key``."""
    prefix = nonce_prefix(key)
    return [m for m in bot_messages(fake, channel) if str(m.get("nonce") or "").startswith(prefix)]


def to_channel(*channels: FakeChannel) -> Callable[[Call], bool]:
    """Matches a post into one of ``channels``."""
    ids = {str(c.id) for c in channels}
    return lambda call: call.path_params.get("channel_id") in ids


def into_a_thread(fake: FakeDiscord) -> Callable[[Call], bool]:
    """Matches a post into a thread (a reveal, under its drill)."""

    def match(call: Call) -> bool:
        found = fake.channels.get(int(call.path_params.get("channel_id") or 0))
        return found is not None and found.is_thread

    return match


# --- the processes ---------------------------------------------------------------------------
@dataclass
class DiscordFleet:
    """The processes of one test, on one database and one fake Discord."""

    fake: Discord
    database_url: str
    workdir: Path
    shard_count: int = 1
    """Shards over every process; with more than one, each process runs one of them."""
    lease_seconds: float = LEASE_SECONDS
    bots: list[DiscordBot] = field(default_factory=list)
    session: aiohttp.ClientSession | None = None
    _store: SqlStore | None = None
    _ids: int = 0

    def env(self, port: int, shard: int | None) -> dict[str, str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DISCORD_", "DRILLBOT_"))
        }
        keep.update(
            {
                "DATABASE_URL": self.database_url,
                "DISCORD_TOKEN": self.fake.token,
                "DISCORD_API_URL": self.fake.api_url,
                "DISCORD_GATEWAY_URL": self.fake.gateway_url,
                "PORT": str(port),
                "DRILLBOT_CONTENT_DIR": str(PACK),
                "DRILLBOT_DATA_DIR": str(self.workdir / "data"),
                "DRILLBOT_LEASE_SECONDS": str(self.lease_seconds),
                "DRILLBOT_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "DRILLBOT_SHUTDOWN_GRACE_SECONDS": str(SHUTDOWN_GRACE),
                "LOG_LEVEL": "INFO",
            }
        )
        if shard is not None:
            keep["DISCORD_SHARD_COUNT"] = str(self.shard_count)
            keep["DISCORD_SHARD_IDS"] = str(shard)
        return keep

    async def start(self, shard: int | None = None) -> DiscordBot:
        """Start ``drillbot run --platform discord`` and wait until its /healthz answers 200
        (the gateway is connected and the database is up)."""
        port = free_port()
        self._ids += 1
        log = self.workdir / f"bot-{self._ids}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(DRILLBOT),
                "run",
                "--platform",
                "discord",
                env=self.env(port, shard),
                cwd=self.workdir,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
        bot = DiscordBot(process, port, log, shard)
        self.bots.append(bot)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise AssertionError(f"drillbot exited at start:\n{bot.output()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with self.http().get(f"{bot.url}/healthz") as response:
                    if response.status == 200:
                        return bot
            await asyncio.sleep(0.05)
        raise AssertionError(f"drillbot was not healthy in {START_TIMEOUT}s:\n{bot.output()}")

    async def start_all(self) -> list[DiscordBot]:
        """One process per shard (one process for all of them when there is one shard)."""
        if self.shard_count == 1:
            return [await self.start()]
        return list(await asyncio.gather(*(self.start(s) for s in range(self.shard_count))))

    async def restart(self, bot: DiscordBot) -> DiscordBot:
        """A new process in the place of ``bot`` (which has stopped): the same shard."""
        assert bot.process.returncode is not None, "stop it first"
        return await self.start(bot.shard)

    def running(self) -> list[DiscordBot]:
        return [b for b in self.bots if b.process.returncode is None]

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
        if self._store is not None:
            await self._store.close()

    async def until(self, check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")

    async def until_async(self, check: Callable[[], Any], what: str, timeout: float = 30.0) -> None:
        """``until`` for a check that is a coroutine function (one reading the database)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await check():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")

    def logs(self, tail: int = 2500) -> str:
        """The end of every process's log (all of it with ``tail`` 0), for a failure message."""
        return "\n---\n".join(f"[pid {b.process.pid}]\n{b.output()[-tail:]}" for b in self.bots)

    def output(self) -> str:
        """Everything every process logged."""
        return self.logs(tail=0)

    async def stop_all(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop every process still running, all at once; a graceful stop must exit 0."""
        bots = self.running()
        codes = await asyncio.gather(*(bot.stop(sig) for bot in bots))
        for bot, code in zip(bots, codes, strict=True):
            if sig is signal.SIGTERM:
                assert code == 0, f"a graceful stop exits 0, not {code}:\n{bot.output()[-3000:]}"

    # --- the database --------------------------------------------------------------------
    async def store(self) -> SqlStore:
        """The test's own connection to the database (migrated the first time)."""
        if self._store is None:
            self._store = await open_store(self.database_url)
        return self._store

    async def prepare(
        self,
        guild: FakeGuild,
        channels: Sequence[FakeChannel],
        *,
        reveal_now: bool = False,
        mcq: bool = False,
    ) -> None:
        """Each channel with a schedule whose drill came due a minute ago (in UTC), so the first
        tick of a process posts it; with ``reveal_now`` its reveal is due at once too."""
        due = minute_ago()
        other_day = DAYS[(due.weekday() + 3) % 7]
        schedule = Schedule(
            post_time=due.time(),
            timezone="UTC",
            days=DAYS,
            mcq_days=DAYS if mcq else (),
            answer_window=dt.timedelta(minutes=1) if reveal_now else DEFAULT_ANSWER_WINDOW,
            leaderboard_day=other_day,
            leaderboard_time=due.time(),
        )
        store = await self.store()
        async with store.transaction() as tx:
            await tx.ensure_workspace(str(guild.id), PLATFORM, guild.name)
            for channel in channels:
                found = await tx.ensure_channel(str(guild.id), str(channel.id), channel.name)
                await tx.save_schedule(found.id, schedule)

    async def drills(self) -> list[PostedDrill]:
        store = await self.store()
        async with store.engine.connect() as connection:
            rows = await connection.execute(
                select(
                    DrillRow.id,
                    ChannelRow.external_id,
                    DrillRow.state,
                    DrillRow.message_ref,
                    DrillRow.revealed_at,
                )
                .join(ChannelRow, ChannelRow.id == DrillRow.channel_id)
                .order_by(DrillRow.id)
            )
            return [PostedDrill(*row) for row in rows]

    async def drill_in(self, channel: FakeChannel) -> PostedDrill:
        """The one drill of ``channel`` (the database allows one per slot and day)."""
        found = [d for d in await self.drills() if d.channel == str(channel.id)]
        assert len(found) == 1, f"{len(found)} drills for {channel.name}: {found}"
        return found[0]

    async def done(self, key: str) -> bool:
        """Whether the delivery of ``key`` is recorded as done."""
        store = await self.store()
        async with store.engine.connect() as connection:
            found = await connection.execute(
                select(DeliveryRow.done_at).where(DeliveryRow.key == key)
            )
            row = found.first()
        return row is not None and row[0] is not None

    async def lease_owners(self, prefix: str) -> list[str]:
        """Who holds the unfinished leases whose key starts with ``prefix``."""
        store = await self.store()
        async with store.engine.connect() as connection:
            found = await connection.execute(
                select(DeliveryRow.owner).where(
                    DeliveryRow.done_at.is_(None),
                    DeliveryRow.owner.is_not(None),
                    DeliveryRow.key.startswith(prefix),
                )
            )
            return [str(row[0]) for row in found]

    async def answers(self, drill_id: int) -> int:
        store = await self.store()
        async with store.engine.connect() as connection:
            found = await connection.execute(
                select(func.count()).select_from(AnswerRow).where(AnswerRow.drill_id == drill_id)
            )
            return int(found.scalar_one())

    async def delivered(self, key: str, timeout: float = 30.0) -> None:
        """Wait until the delivery of ``key`` is recorded as done. Once it is, no process posts
        it again (a lease that is done is never taken), so what the fake holds then is final."""

        async def check() -> bool:
            return await self.done(key)

        await self.until_async(check, f"{key} recorded as delivered", timeout)
