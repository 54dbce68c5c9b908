"""Slack being slow, rate limiting, failing: retries, ChatError, and nothing lost or leaked."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.chat import RetryPolicy, SlackChat, SlackClients, StaticToken
from bot.adapters.slack.main import RedactSecrets, SlackConfig, install_redaction
from bot.domain.model import DrillState
from bot.messaging.message import Message, Section
from bot.messaging.port import ChatError
from bot.services.answers import Actor
from bot.services.store import StoreUnavailable
from tests.adapters.slack.conftest import ADMIN, ALICE, BOB
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import CHANNEL, FAST, SECRET, TEAM, TOKEN, SlackHarness

MESSAGE = Message("hello", (Section("hello"),))


@pytest.fixture
async def chat(fake: FakeSlack) -> AsyncIterator[SlackChat]:
    chat = SlackChat(SlackClients(fake.api_url, FAST), StaticToken(TOKEN))
    yield chat
    await chat.clients.close()


async def test_rate_limits_are_retried_after_retry_after(fake: FakeSlack, chat: SlackChat) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    ts = await chat.post(TEAM, CHANNEL, MESSAGE)
    assert ts and time.monotonic() - started >= 1.0, "waited the Retry-After"
    assert [c.status for c in fake.of("chat.postMessage", ok=None)] == [429, 200]


async def test_server_errors_are_retried_with_backoff(fake: FakeSlack, chat: SlackChat) -> None:
    fake.fail("chat.postMessage", status=503, times=1)
    fake.fail("chat.postMessage", status=500, times=1)
    assert await chat.post(TEAM, CHANNEL, MESSAGE)
    assert [c.status for c in fake.of("chat.postMessage", ok=None)] == [503, 500, 200]


async def test_a_post_that_keeps_failing_raises_chat_error_without_secrets(
    fake: FakeSlack, chat: SlackChat
) -> None:
    fake.fail("chat.postMessage", status=502, times=10)
    with pytest.raises(ChatError) as failed:
        await chat.post(TEAM, CHANNEL, MESSAGE)
    assert "chat.postMessage" in str(failed.value) and "502" in str(failed.value)
    assert TOKEN not in str(failed.value) and failed.value.__cause__ is None
    assert len(fake.of("chat.postMessage", ok=None)) == 1 + FAST.server_errors


async def test_slack_errors_become_chat_errors(fake: FakeSlack, chat: SlackChat) -> None:
    fake.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(ChatError, match="channel_not_found"):
        await chat.post(TEAM, CHANNEL, MESSAGE)
    refused = SlackChat(SlackClients(fake.api_url, FAST), StaticToken("xoxb-revoked-0000"))
    with pytest.raises(ChatError, match="invalid_auth") as failed:
        await refused.post(TEAM, CHANNEL, MESSAGE)
    assert "xoxb-revoked" not in str(failed.value)
    await refused.clients.close()


async def test_unreachable_slack_is_a_chat_error(fake: FakeSlack) -> None:
    chat = SlackChat(
        SlackClients("http://127.0.0.1:9/api/", RetryPolicy(connection_errors=0, timeout=2)),
        StaticToken(TOKEN),
    )
    with pytest.raises(ChatError, match=r"chat\.postMessage"):
        await chat.post(TEAM, CHANNEL, MESSAGE)
    await chat.clients.close()


async def test_response_url_is_retried(slack: SlackHarness) -> None:
    slack.fake.fail("response_url", status=500)
    body = slack.command_body(ALICE, "help")
    await slack.post(urlencode(body))
    await slack.settle()
    assert [c.status for c in slack.replies_to(body)] == [500, 200]


async def test_a_drill_slack_refuses_is_posted_on_a_later_tick(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri")
    slack.fake.clear()  # setup's one line to the channel
    slack.fake.fail("chat.postMessage", status=503, times=1000)  # a long outage
    await slack.at("2026-11-30T09:30")
    assert slack.fake.posts() == []
    slack.fake.failures.clear()  # Slack is back
    async with slack.store.transaction() as tx:
        [failed] = await tx.drills_to_retry(slack.clock.now().replace(hour=0))
        assert not await tx.lease_done(f"drill:{failed.id}")
    assert failed.state is DrillState.CLAIMED  # not posted; its lease given back for a retry
    await slack.at("2026-11-30T09:31")
    [posted] = slack.fake.posts(channel=CHANNEL)
    assert "Daily question" in posted["text"]
    async with slack.store.transaction() as tx:
        drill = await tx.get_drill(failed.id)
    assert drill is not None and drill.state is DrillState.POSTED
    assert drill.message_ref == posted.response["ts"]


async def test_a_rate_limited_reveal_still_lands_in_the_thread(slack: SlackHarness) -> None:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri window=1h")
    slack.fake.clear()  # setup's one line to the channel
    await slack.at("2026-11-30T09:30")
    [drill] = slack.fake.posts(channel=CHANNEL)
    slack.fake.fail("chat.postMessage", status=429, retry_after=0)
    await slack.at("2026-11-30T10:30")
    [reveal] = slack.fake.posts(channel=CHANNEL, thread=True)
    assert reveal["thread_ts"] == drill.response["ts"]


def test_config_and_logs_never_show_secrets(caplog: pytest.LogCaptureFixture) -> None:
    config = SlackConfig(
        mode="http",
        api_url="https://slack.com/api/",
        port=0,
        bot_token=TOKEN,
        signing_secret=SECRET,
    )
    assert TOKEN not in repr(config) and SECRET not in repr(config)
    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    try:
        redact = install_redaction(config)
        assert redact in handler.filters
        record = logging.LogRecord(
            "slack_sdk", logging.DEBUG, __file__, 1, "sent %s with %s", (TOKEN, SECRET), None
        )
        assert redact.filter(record)
        assert TOKEN not in record.getMessage() and SECRET not in record.getMessage()
        other = logging.LogRecord(
            "x", logging.INFO, __file__, 1, "token xoxp-1-2-abc and xapp-1-A-2", None, None
        )
        RedactSecrets().filter(other)
        assert "xoxp-1" not in other.getMessage() and "xapp-1" not in other.getMessage()
        try:
            raise RuntimeError(f"boom {TOKEN}")
        except RuntimeError:
            import sys

            failing = logging.LogRecord(
                "x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
            )
        redact.filter(failing)
        assert failing.exc_info is None and TOKEN not in (failing.exc_text or "")
    finally:
        logging.getLogger().removeHandler(handler)


async def test_debug_logging_of_a_whole_session_shows_no_secret(
    fake: FakeSlack, store: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = SlackConfig(
        mode="http", api_url=fake.api_url, port=0, bot_token=TOKEN, signing_secret=SECRET
    )
    caplog.handler.addFilter(RedactSecrets((TOKEN, SECRET)))
    async with SlackHarness(fake, store) as slack:  # type: ignore[arg-type]
        await slack.command(ALICE, "help")
        await slack.post(urlencode(slack.command_body(ALICE, "stats")), secret="wrong")
    assert caplog.records, "debug logging was on"
    text = caplog.text
    assert TOKEN not in text and SECRET not in text
    assert config.mode == "http"


async def _mcq(slack: SlackHarness) -> Any:
    await slack.command(ADMIN, "setup 09:30 Europe/Berlin mon-fri mcq-days=mon")
    slack.fake.clear()  # setup's one line to the channel
    await slack.at("2026-11-30T09:30")
    [mcq] = slack.fake.posts(channel=CHANNEL)
    slack.fake.clear()
    return mcq


async def test_a_click_while_the_database_is_locked_is_retried(slack: SlackHarness) -> None:
    mcq = await _mcq(slack)
    real = slack.engine.answers.pick
    failures = iter([True, True])

    async def flaky(actor: Actor, drill_id: int, option: str, delivery: str) -> Message:
        if next(failures, False):
            raise StoreUnavailable("database is locked")
        return await real(actor, drill_id, option, delivery)

    slack.engine.answers.pick = flaky  # type: ignore[method-assign]
    _, click = await slack.click(ALICE, mcq, label="B")
    [feedback] = slack.fake.responses_to(click["response_url"].rsplit("/", 1)[-1])
    assert "*B* is right" in str(feedback["blocks"])
    async with slack.store.transaction() as tx:
        assert len(await tx.drill_answers(1)) == 1


async def test_when_the_database_stays_down_the_person_is_told(slack: SlackHarness) -> None:
    mcq = await _mcq(slack)

    async def down(actor: Actor, drill_id: int, option: str, delivery: str) -> Message:
        raise StoreUnavailable("database is locked")

    slack.engine.answers.pick = down  # type: ignore[method-assign]
    _, click = await slack.click(ALICE, mcq, label="B")
    [told] = slack.fake.responses_to(click["response_url"].rsplit("/", 1)[-1])
    assert told["response_type"] == "ephemeral" and "nothing was recorded" in told["text"]


async def test_clicks_are_acknowledged_before_they_are_handled(slack: SlackHarness) -> None:
    mcq = await _mcq(slack)
    release = asyncio.Event()
    real = slack.engine.pick

    async def slow(actor: Actor, value: str, delivery: str) -> Message:
        await release.wait()
        return await real(actor, value, delivery)

    slack.engine.pick = slow  # type: ignore[method-assign]
    bodies = [slack.action_body(user, mcq, label="A") for user in (ALICE, BOB, ADMIN)]
    replies = await asyncio.gather(*(slack.send_action(b, settle=False) for b in bodies))
    assert all(r.status == 200 and r.text == "" and r.elapsed < 1.0 for r in replies)
    assert slack.fake.responses == []
    release.set()
    await slack.settle()
    assert len(slack.fake.responses) == 3


async def test_a_forged_click_is_refused_before_anything(slack: SlackHarness) -> None:
    mcq = await _mcq(slack)
    body = urlencode({"payload": json.dumps(slack.action_body(ALICE, mcq, label="B"))})
    assert (await slack.post(body, secret="forged-secret")).status == 401
    assert (await slack.post(body, timestamp=int(time.time()) - 600)).status == 401
    await slack.settle()
    assert slack.fake.responses == []
    async with slack.store.transaction() as tx:
        assert await tx.drill_answers(1) == []
