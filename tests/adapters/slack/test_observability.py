"""A day of drills over HTTP seen by an operator: `/metrics` counts it, the JSON log tells it
with the request's context, and neither ever shows a token or what someone answered."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.observability import logs
from tests.adapters.slack.conftest import ALICE, BOB
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.harness import CHANNEL, TEAM, TOKEN, SlackHarness

ANSWER = "Keep hot data close to readers and expire entries with a TTL: zebra-quokka-7731."


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logs.dress(logging.StreamHandler(out), "json")
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logs.quiet_libraries()
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def _drill(slack: SlackHarness) -> Call:
    [drill] = [c for c in slack.fake.posts(channel=CHANNEL, thread=False) if "Daily" in c["text"]]
    return drill


def _value(page: str, series: str) -> float:
    for line in page.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not exported")


async def test_metrics_and_json_logs_of_a_day_of_drills(
    json_log: io.StringIO, slack: SlackHarness
) -> None:
    # json_log first: Bolt copies the root logger's level onto "drillbot" when the app is built.
    slack.engine.deps.metrics = slack.runtime.metrics
    await slack.command("UADMIN", "setup 09:30 Europe/Berlin mon-fri mcq-days=tue window=6h")
    await slack.at("2026-11-30T09:30")
    drill = _drill(slack)
    await slack.click(ALICE, drill, label="Answer")
    [opened] = slack.fake.of("views.open")
    await slack.submit(slack.submission_body(ALICE, opened, {"answer": ANSWER}))
    await slack.command(BOB, f"answer {ANSWER} (bob)")
    await slack.at("2026-11-30T15:30")  # the reveal

    reply, _ = await slack.get("/metrics")
    assert reply.status == 200
    page = reply.text
    assert _value(page, 'drillbot_posts_total{kind="drill",outcome="posted",platform="slack"}') == 1
    assert (
        _value(page, 'drillbot_posts_total{kind="reveal",outcome="posted",platform="slack"}') == 1
    )
    assert _value(page, 'drillbot_answers_recorded_total{platform="slack"}') == 2
    assert _value(page, 'drillbot_ack_latency_seconds_count{platform="slack"}') >= 4
    assert _value(page, "drillbot_scheduler_lag_seconds_count") == 2
    # The manual clock fires each post at its due instant: no lag.
    assert _value(page, "drillbot_scheduler_lag_seconds_sum") == 0
    assert _value(page, "drillbot_db_retries_total") == 0
    assert "drillbot_open_incident_sessions" in page
    assert _value(page, "process_resident_memory_bytes") > 0

    text = json_log.getvalue()
    entries = [json.loads(line) for line in text.splitlines()]
    assert entries
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(
        e.get("request_id") and e.get("workspace") == TEAM and e.get("channel") == CHANNEL
        for e in entries
    )
    posted = [e for e in entries if str(e["message"]).startswith("posted ")]
    assert len(posted) == 2  # the drill and its reveal
    assert all(e["workspace"] == TEAM and e["drill"] and e["channel"] for e in posted)
    assert TOKEN not in text and "xoxb-" not in text
    assert "zebra-quokka" not in text  # the answer's text is never logged


async def test_a_token_logged_by_mistake_is_redacted(
    json_log: io.StringIO, slack: SlackHarness
) -> None:
    logging.getLogger("drillbot.slack").warning("calling with %s", TOKEN)
    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert entries[-1]["message"] == "calling with <redacted>"
    assert TOKEN not in json_log.getvalue()
