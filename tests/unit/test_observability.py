"""Log lines: JSON with the request's context, and never a token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.observability import context as log_context
from bot.observability import logs
from bot.observability.prometheus import PrometheusMetrics

SLACK_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logs.dress(logging.StreamHandler(out), "json")
    logger = logging.getLogger("drillbot.test-observability")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_json_line_carries_the_context_it_was_logged_in(captured: io.StringIO) -> None:
    log = logging.getLogger("drillbot.test-observability")
    with log_context.bound(workspace="T1", channel="C1", request_id="r-1"):
        with log_context.bound(drill=42):
            log.info("posted %s", "it")
        log.warning("after")
    log.info("outside")
    inner, after, outside = lines(captured)
    assert inner["message"] == "posted it" and inner["level"] == "INFO"
    assert inner["logger"] == "drillbot.test-observability"
    assert str(inner["time"]).endswith("+00:00")
    assert (inner["workspace"], inner["channel"], inner["drill"], inner["request_id"]) == (
        "T1",
        "C1",
        "42",
        "r-1",
    )
    assert "drill" not in after and after["request_id"] == "r-1"
    assert not {"workspace", "channel", "drill", "request_id"} & set(outside)


def test_tokens_are_redacted_from_messages_and_tracebacks(captured: io.StringIO) -> None:
    log = logging.getLogger("drillbot.test-observability")
    log.info("token %s and %s and %s", SLACK_TOKEN, APP_TOKEN, DISCORD_TOKEN)
    try:
        raise RuntimeError(f"refused {SLACK_TOKEN}")
    except RuntimeError:
        log.exception("failed with xoxp-11111111-22222222-abcdefabcdef")
    text = captured.getvalue()
    for secret in (SLACK_TOKEN, APP_TOKEN, DISCORD_TOKEN, "xoxp-11111111"):
        assert secret not in text
    first, second = lines(captured)
    assert first["message"] == "token <redacted> and <redacted> and <redacted>"
    assert "RuntimeError: refused <redacted>" in str(second["exception"])


def test_plain_text_is_the_default_format() -> None:
    record = logging.LogRecord("drillbot", logging.INFO, __file__, 1, "hello", None, None)
    assert logs.formatter("text").format(record).endswith("INFO drillbot: hello")


def test_debug_lines_of_libraries_that_log_bodies_are_dropped(captured: io.StringIO) -> None:
    """Their DEBUG lines carry request bodies and SQL parameters: what people wrote."""
    handler = logging.getLogger("drillbot.test-observability").handlers[0]
    for name in ("drillbot.slack.web", "aiosqlite", "discord.http", "sqlalchemy.engine.Engine"):
        logger = logging.getLogger(name)
        before = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            logger.debug("body: my secret answer")
            logger.info("a call failed")
        finally:
            logger.removeHandler(handler)
            logger.setLevel(before)
    assert [e["message"] for e in lines(captured)] == ["a call failed"] * 4


def test_prometheus_metrics_export_every_series() -> None:
    metrics = PrometheusMetrics()
    metrics.post("drill", "slack", ok=True)
    metrics.post("reveal", "discord", ok=False)
    metrics.post("something-new", "slack", ok=True)
    metrics.answers_recorded("slack", 3)
    metrics.ack_latency("slack", 0.02)
    metrics.scheduler_lag(1.5)
    metrics.db_retry()
    metrics.open_incidents(2)
    metrics.pruned("submissions", 500)
    page = metrics.render().decode()
    for series in (
        'drillbot_posts_total{kind="drill",outcome="posted",platform="slack"} 1.0',
        'drillbot_posts_total{kind="reveal",outcome="failed",platform="discord"} 1.0',
        'drillbot_posts_total{kind="other",outcome="posted",platform="slack"} 1.0',
        'drillbot_answers_recorded_total{platform="slack"} 3.0',
        'drillbot_ack_latency_seconds_bucket{le="0.025",platform="slack"} 1.0',
        "drillbot_scheduler_lag_seconds_count 1.0",
        "drillbot_db_retries_total 1.0",
        "drillbot_open_incident_sessions 2.0",
        'drillbot_pruned_rows_total{table="submissions"} 500.0',
        "process_resident_memory_bytes",
    ):
        assert series in page, series
