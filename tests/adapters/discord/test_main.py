"""Starting drillbot on Discord: settings, the invite link, the token kept out of logs, and the
real runtime against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import discord
import pytest

from bot.adapters.discord.config import DiscordConfig, DiscordStartupError, parse_shard_ids
from bot.adapters.discord.main import Running, run_discord
from bot.adapters.discord.permissions import (
    PERMISSIONS,
    application_id_from_token,
    bot_permissions,
    invite_url,
)
from bot.adapters.discord.secrets import RedactToken
from bot.bootstrap import StartupError
from bot.cli import main
from bot.config import Settings
from bot.db.sql_store import SqlStore
from bot.domain import commands as cmd
from bot.messaging.message import Action
from bot.services.store import StoreUnavailable
from tests.adapters.discord.bot_harness import DiscordHarness
from tests.adapters.discord.fake_discord import MESSAGE_CONTENT, FakeDiscord, point_discord_py_at

REPO = Path(__file__).resolve().parents[3]

# Made up, in a bot token's shape: base64("123456789012345678").timestamp.hmac
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789"


def settings(**env: str) -> Settings:
    return Settings.model_validate(env)


def test_the_settings_become_a_config() -> None:
    config = DiscordConfig.from_settings(
        settings(
            DISCORD_TOKEN=f" {TOKEN} ",
            DISCORD_API_URL="http://127.0.0.1:9999/api/v10/",
            DISCORD_GATEWAY_URL="ws://127.0.0.1:9999/gateway",
            DISCORD_SHARD_COUNT="4",
            DISCORD_SHARD_IDS="0-1",
            PORT="4000",
        )
    )
    assert config.token == TOKEN
    assert config.api_url == "http://127.0.0.1:9999/api/v10"
    assert config.gateway_url == "ws://127.0.0.1:9999/gateway"
    assert (config.shard_count, config.shard_ids, config.port) == (4, (0, 1), 4000)
    assert TOKEN not in repr(config)
    assert settings(DISCORD_TOKEN=TOKEN).platforms() == ("discord",)
    both = settings(DISCORD_TOKEN=TOKEN, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1")
    assert both.platforms() == ("slack", "discord")
    assert settings().platforms() == ("console",)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "needs DISCORD_TOKEN"),
        ({"DISCORD_SHARD_IDS": "0,1"}, "needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_IDS": "4", "DISCORD_SHARD_COUNT": "4"}, "numbered 0 to 3"),
        ({"DISCORD_SHARD_IDS": "one", "DISCORD_SHARD_COUNT": "4"}, "not a list of shard"),
        ({"DISCORD_APPLICATION_ID": "my-app"}, "numeric id"),
    ],
)
def test_bad_settings_say_what_to_change(env: dict[str, str], says: str) -> None:
    if env:
        env = {"DISCORD_TOKEN": TOKEN, **env}
    with pytest.raises(DiscordStartupError, match=says):
        DiscordConfig.from_settings(settings(**env))


def test_shard_ids() -> None:
    assert parse_shard_ids("0, 2-3,2") == (0, 2, 3)
    assert parse_shard_ids("") is None


def test_the_invite_link_asks_for_exactly_the_listed_permissions() -> None:
    url = invite_url(123456789012345678)
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert all(getattr(granted, name) for name, _ in PERMISSIONS)
    assert bin(granted.value).count("1") == len(PERMISSIONS)  # those, and nothing else
    assert bot_permissions() == granted
    assert not granted.administrator and not granted.mention_everyone


def test_drillbot_discord_invite_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    assert application_id_from_token(TOKEN) == 123456789012345678
    assert main(["discord", "invite-url", "--explain"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == invite_url(123456789012345678)
    assert "create_public_threads: " in err and TOKEN not in out + err
    monkeypatch.delenv("DISCORD_TOKEN")
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "42")
    assert main(["discord", "invite-url"]) == 0
    assert "client_id=42" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "set DISCORD_APPLICATION_ID"),
        ({"DISCORD_TOKEN": "not-a-bot-token"}, "DISCORD_TOKEN does not read as a bot token"),
        ({"DISCORD_APPLICATION_ID": "x1"}, "DISCORD_APPLICATION_ID is 'x1', not a number"),
    ],
)
def test_drillbot_discord_invite_url_says_what_is_wrong(
    env: dict[str, str],
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("DISCORD_TOKEN", "DISCORD_APPLICATION_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["discord", "invite-url"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and said in err and "not-a-bot-token" not in err


def test_the_token_never_reaches_a_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger("test.discord.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("logging in with %s", TOKEN)
        try:
            raise RuntimeError(f"bad header Bot {TOKEN}")
        except RuntimeError:
            logger.exception("failed")
        other = "OTk5OTk5OTk5OTk5OTk5OTk5.Gxyzab.zyxwvutsrqponmlkjihgfedcba9876543210"
        logger.warning("another token %s", other)
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert TOKEN not in logged and other not in logged and logged.count("<redacted>") == 3


# --- the runtime against the fake Discord -------------------------------------------------------
def fake_env(fake: FakeDiscord, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORT": "0",
        **more,
    }


@contextlib.asynccontextmanager
async def running(env: dict[str, str]) -> AsyncIterator[Running]:
    """``run_discord`` as ``drillbot run`` starts it, until the block ends."""
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()

    async def ready(found: Running) -> None:
        started.set_result(found)

    task = asyncio.create_task(run_discord(settings(**env), ready))
    done, _ = await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises why it did not start
    found = started.result()
    try:
        yield found
    finally:
        found.stop.set()
        assert await asyncio.wait_for(task, 20) == 0


async def test_run_discord_connects_syncs_once_and_reports_health(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    fake.add_guild("Study group")
    env = fake_env(fake, tmp_path)
    async with running(env) as first:
        [session] = await fake.wait_until_connected()
        assert fake.identifies[0]["token_ok"]
        assert fake.identifies[0]["intents"] & MESSAGE_CONTENT
        assert len(fake.command_syncs) == 1
        [drill] = fake.commands()
        # One subcommand (or group) per core command.
        assert drill["name"] == "drill" and len(drill["options"]) == len(cmd.COMMANDS)
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{first.runtime.port}/healthz"
            async with http.get(url) as health:
                assert health.status == 200
                assert await health.json() == {"ok": True, "platform": "discord", "problems": []}
            async with http.get(f"http://127.0.0.1:{first.runtime.port}/metrics") as metrics:
                assert metrics.status == 200
                assert metrics.headers["Content-Type"].startswith("text/plain")
                page = await metrics.text()
            for series in (
                'drillbot_posts_total{kind="drill",outcome="posted",platform="discord"}',
                'drillbot_ack_latency_seconds_count{platform="discord"}',
                "drillbot_scheduler_lag_seconds_count",
                "drillbot_db_retries_total",
                "drillbot_open_incident_sessions",
                "process_resident_memory_bytes",
            ):
                assert series in page, series
            first.runtime.store = DownStore()  # type: ignore[assignment]
            async with http.get(url) as down:
                assert down.status == 503
                assert (await down.json())["problems"] == [
                    "database unavailable (StoreUnavailable)"
                ]
    assert session.close_codes  # the gateway was closed on the way out
    # Started again with the same definition: no second sync (Discord rate-limits them).
    async with running(env):
        await fake.wait_until_connected()
    assert len(fake.command_syncs) == 1


async def test_a_sharded_bot_asks_for_the_gateway_and_runs_every_shard(tmp_path: Path) -> None:
    async with pointed_fake(shard_count=2) as fake:
        for shard in (0, 1):
            fake.add_guild(f"Server {shard}", shard=shard)
        env = fake_env(fake, tmp_path)
        del env["DISCORD_GATEWAY_URL"]  # the fake's GET /gateway/bot names it
        async with running(env) as found:
            sessions = await fake.wait_until_connected(2)
            assert sorted(s.shard_id for s in sessions) == [0, 1]
            assert len(found.runtime.client.guilds) == 2
        # One process of two: only its shard.
        env = fake_env(fake, tmp_path, DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS="1")
        before = len(fake.identifies)
        async with running(env) as found:
            await fake.wait_until(lambda: len(fake.identifies) > before)
            assert [i["shard"] for i in fake.identifies[before:]] == [[1, 2]]
        assert fake.violations == []


async def test_a_refused_token_stops_the_start_with_one_clear_line(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = fake_env(fake, tmp_path, DISCORD_TOKEN="not-the-token-at-all-0123")
    with pytest.raises(StartupError) as err:
        async with running(env):
            pass
    message = str(err.value)
    assert "Discord refused DISCORD_TOKEN" in message and "Reset Token" in message
    assert "not-the-token-at-all-0123" not in message and "\n" not in message


async def test_missing_privileged_intents_stop_the_start_and_say_what_to_switch_on(
    tmp_path: Path,
) -> None:
    async with pointed_fake(privileged_intents=0) as fake:
        fake.add_guild()
        env = fake_env(fake, tmp_path)
        with pytest.raises(StartupError) as err:
            async with running(env):
                pass
        assert "Message Content Intent" in str(err.value)
        assert "DISCORD_MESSAGE_CONTENT=false" in str(err.value)
        # Without asking for it, the same application starts.
        async with running({**env, "DISCORD_MESSAGE_CONTENT": "false"}):
            await fake.wait_until_connected()
        assert not fake.identifies[-1]["intents"] & MESSAGE_CONTENT


@contextlib.asynccontextmanager
async def pointed_fake(**options: Any) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(**options) as fake:
        with point_discord_py_at(fake):
            yield fake


class DownStore:
    """A store whose database is unreachable."""

    def transaction(self, **options: Any) -> Any:
        raise StoreUnavailable("database sqlite:///x is unavailable (OperationalError)")


def test_drillbot_run_serves_discord_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real command line in its own process: start, /healthz, a command, SIGTERM; the token
    never in its output."""
    with fake_in_a_thread() as (fake, loop):
        env = {
            **os.environ,
            **fake_env(fake, tmp_path),
            "LOG_LEVEL": "DEBUG",
        }
        env.pop("SLACK_BOT_TOKEN", None)
        env.pop("SLACK_SIGNING_SECRET", None)
        env.pop("SLACK_APP_TOKEN", None)
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
                if found := re.search(r"health check listening on \S+:(\d+)", line):
                    port = int(found.group(1))
                if "drillbot is running on Discord" in line:
                    break
            assert port, "".join(seen)
            guild = next(iter(fake.guilds.values()))
            member = next(u for u in fake.users.values() if u.username == "alice")

            async def use_it() -> str:
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"http://127.0.0.1:{port}/healthz") as health,
                ):
                    assert health.status == 200, await health.text()
                sent = await fake.slash_command(member, guild=guild, subcommand="help")
                await fake.wait_for_callback(sent)
                return json.dumps(fake.ephemeral(sent))

            reply = asyncio.run_coroutine_threadsafe(use_it(), loop).result(20)
        finally:
            process.send_signal(signal.SIGTERM)
            out = process.communicate(timeout=30)[1]
        assert process.returncode == 0, out
        assert "drillbot commands" in reply
        logs = "".join(seen) + out
        assert fake.token not in logs
        assert fake.violations == []


@contextlib.contextmanager
def fake_in_a_thread() -> Iterator[tuple[FakeDiscord, asyncio.AbstractEventLoop]]:
    """A fake Discord on a loop in a thread of its own (the bot runs in another process)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> FakeDiscord:
        fake = FakeDiscord(token="MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.the-fakes-own-secret-token-part")
        guild = fake.add_guild("Study group")
        fake.add_member(guild, "alice")
        return await fake.start()

    fake = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield fake, loop
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_drillbot_discord_sync_to_one_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    route, socket = discord.http.Route, discord.gateway.DiscordWebSocket
    monkeypatch.setattr(route, "BASE", route.BASE)  # restored after: the CLI points it
    monkeypatch.setattr(socket, "DEFAULT_GATEWAY", socket.DEFAULT_GATEWAY)
    with fake_in_a_thread() as (fake, _):
        guild = next(iter(fake.guilds.values()))
        monkeypatch.setenv("DISCORD_TOKEN", fake.token)
        monkeypatch.setenv("DISCORD_API_URL", fake.api_url)
        monkeypatch.setenv("DISCORD_GATEWAY_URL", fake.gateway_url)
        assert main(["discord", "sync", "--guild", str(guild.id)]) == 0
        assert [c["name"] for c in fake.commands(guild)] == ["drill"]
        assert fake.commands() == []  # the global commands are left alone
        monkeypatch.setenv("DISCORD_TOKEN", "someone-elses-token-000000")
        assert main(["discord", "sync"]) == 1
    out, err = capsys.readouterr()
    assert f"synced 1 command(s) to server {guild.id}" in out
    assert "Discord refused DISCORD_TOKEN" in err and "someone-elses" not in err


async def test_health_reports_the_gateway(bot: DiscordHarness) -> None:
    assert await bot.runtime.problems() == []
    await bot.runtime.client.close()
    assert await bot.runtime.problems() == ["not connected to the Discord gateway (closed)"]


async def test_the_last_answer_count_edit_is_made_before_the_client_closes(
    fake: FakeDiscord, store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    async with DiscordHarness(fake, store) as bot:
        await bot.drill(
            bot.admin, "setup", time="09:30", zone="Europe/Berlin", days="tue", mcq_days="tue"
        )
        await bot.at("2026-12-01T09:30")
        [mcq] = bot.posts(match="Daily MCQ")
        # Answer counts are edited at most every few seconds: the stop comes before.
        deps = bot.engine.deps
        deps.settings = dataclasses.replace(deps.settings, count_update_delay=0.5)
        picked = await bot.click(mcq, bot.alice, Action.PICK)
        await bot.replies(picked)
        assert fake.edits(mcq["id"]) == []
        caplog.set_level(logging.WARNING, "drillbot")
    # Leaving the harness is the runtime's stop (SIGTERM's path).
    edits = fake.edits(mcq["id"])
    assert len(edits) == 1 and "1 answer so far" in json.dumps(edits[0].json)
    assert "could not refresh the answer count" not in caplog.text
