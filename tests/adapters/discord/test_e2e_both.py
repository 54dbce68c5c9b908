"""Slack and Discord in one process (``drillbot run`` with both credentials): one engine, one
scheduler, one database, and each channel's drills posted through its own platform."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.adapters.both import Running, run_both
from bot.config import Settings
from tests.adapters.discord.bot_harness import shown_text
from tests.adapters.discord.fake_discord import MANAGE_GUILD, FakeDiscord
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import SECRET, TEAM, TOKEN, SlackHarness, sign

ADMIN = "UADMIN"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_workspace(TEAM, TOKEN)
    fake.add_person(ADMIN, "lead", display_name="Lead", is_admin=True)
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.violations == [], fake.violations


async def _slack_command(port: int, slack: SlackHarness, text: str) -> None:
    body = urlencode(slack.command_body(ADMIN, text))
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as reply,
    ):
        assert reply.status == 200


async def test_one_process_serves_slack_and_discord(
    slack: FakeSlack, fake: FakeDiscord, tmp_path: Path
) -> None:
    guild = fake.add_guild("Study group", channels=("drills",))
    lead = fake.add_member(guild, "lead", permissions=MANAGE_GUILD)
    settings = Settings.model_validate(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": slack.api_url,
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'both.db'}",
            "PORT": "0",
        }
    )
    assert settings.platforms() == ("slack", "discord")
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()

    async def ready(found: Running) -> None:
        started.set_result(found)

    task = asyncio.create_task(run_both(settings, ready))
    done, _ = await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    running = started.result()
    try:
        port = running.slack.port
        assert port is not None
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as health,
        ):
            assert health.status == 200, await health.text()  # both platforms and the database

        # An admin sets up a channel on each platform, drills due at the same minute.
        now = dt.datetime.now(dt.UTC)
        at = (now + dt.timedelta(minutes=2)).strftime("%H:%M")
        harness = SlackHarness.__new__(SlackHarness)
        harness.fake = slack
        harness._ids = iter(range(1, 100))
        await _slack_command(port, harness, f"setup {at} UTC daily")
        await running.slack.drain(10)
        sent = await fake.slash_command(
            lead,
            guild=guild,
            subcommand="setup",
            options={"time": at, "zone": "UTC", "days": "daily"},
        )
        await fake.wait_for_callback(sent)

        # Due: each channel gets its drill through its own platform, from the one scheduler.
        await running.engine.tick(now.replace(second=0, microsecond=0) + dt.timedelta(minutes=2))
        [slack_drill] = [c for c in slack.posts(thread=False) if "Daily" in c["text"]]
        discord_drills = [
            m for m in fake.messages(guild.channel("drills")) if "Daily" in shown_text(m)
        ]
        assert len(discord_drills) == 1 and slack_drill["channel"] != str(guild.id)
        async with running.engine.deps.store.transaction() as tx:
            assert {c.workspace_id for c in await tx.channels()} == {TEAM, str(guild.id)}
    finally:
        running.stop.set()
        assert await asyncio.wait_for(task, 20) == 0
