"""Socket Mode: the same listeners over a WebSocket (apps.connections.open, envelopes, acks)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.db.sql_store import SqlStore
from tests.adapters.slack.conftest import ADMIN, ALICE
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, SlackHarness


@pytest.fixture
async def socket(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackHarness]:
    async with SlackHarness(fake, store, mode="socket") as harness:
        yield harness


async def test_commands_clicks_and_events_over_the_socket(socket: SlackHarness) -> None:
    fake = socket.fake
    [opened] = fake.of("apps.connections.open")
    assert opened.token == fake.app_token

    body = socket.command_body(ADMIN, "setup 09:30 Europe/Berlin mon-fri mcq-days=mon")
    ack = await fake.socket_send("slash_commands", body)
    assert ack["envelope_id"].startswith("env-")
    await socket.settle()
    [done] = socket.replies_to(body)
    assert "Drills are set up" in done["text"]

    await socket.at("2026-11-30T09:30")
    [mcq] = [c for c in fake.posts(channel=CHANNEL) if "Daily MCQ" in c["text"]]
    click = socket.action_body(ALICE, mcq, label="B")
    await fake.socket_send("interactive", click)
    await socket.settle()
    [feedback] = fake.responses_to(click["response_url"].rsplit("/", 1)[-1])
    assert "is right" in feedback["text"]

    home = socket.home_opened_body(ALICE)
    await fake.socket_send("events_api", home)
    await fake.socket_send("events_api", home, retry_attempt=1)
    await socket.settle()
    assert [c["user_id"] for c in fake.of("views.publish")] == [ALICE, ALICE]

    health, _ = await socket.get("/healthz")
    assert health.status == 200 and health.json()["mode"] == "socket"
    events, _ = await socket.get("/slack/events")
    assert events.status in (404, 405), "no HTTP endpoint for Slack in Socket Mode"
