"""``Metrics`` for Prometheus: the series ``/metrics`` exports.

Each instance has its own registry (a test's numbers never leak into another's); the process
collector adds ``process_resident_memory_bytes`` and friends on Linux.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from bot.services.metrics import POST_KINDS

CONTENT_TYPE = CONTENT_TYPE_LATEST

_ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Slack and Discord give 3 s to acknowledge: the buckets crowd below that."""
_LAG_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 7200.0)


class PrometheusMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        self.posts = Counter(
            "drillbot_posts",
            "Messages the bot posted on its own, by kind, platform and outcome.",
            ("kind", "platform", "outcome"),
            registry=r,
        )
        self.answers = Counter(
            "drillbot_answers_recorded",
            "Answers recorded (MCQ and open).",
            ("platform",),
            registry=r,
        )
        self.ack = Histogram(
            "drillbot_ack_latency_seconds",
            "From a request's arrival to its acknowledgement.",
            ("platform",),
            buckets=_ACK_BUCKETS,
            registry=r,
        )
        self.lag = Histogram(
            "drillbot_scheduler_lag_seconds",
            "From a post's due time to the moment it was posted.",
            buckets=_LAG_BUCKETS,
            registry=r,
        )
        self.retries = Counter(
            "drillbot_db_retries",
            "Store operations retried: the database was unreachable.",
            registry=r,
        )
        self.incidents = Gauge(
            "drillbot_open_incident_sessions", "Mock incident sessions in progress.", registry=r
        )
        self.prunes = Counter(
            "drillbot_pruned_rows",
            "Rows removed by housekeeping, by table.",
            ("table",),
            registry=r,
        )
        # Present from the start, so a dashboard shows 0 rather than no data.
        for platform in ("slack", "discord", "console"):
            self.answers.labels(platform)
            self.ack.labels(platform)
            for kind in ("drill", "reveal", "leaderboard"):
                for outcome in ("posted", "failed"):
                    self.posts.labels(kind, platform, outcome)

    def post(self, kind: str, platform: str, ok: bool) -> None:
        label = kind if kind in POST_KINDS else "other"
        self.posts.labels(label, platform, "posted" if ok else "failed").inc()

    def answers_recorded(self, platform: str, count: int = 1) -> None:
        self.answers.labels(platform).inc(count)

    def ack_latency(self, platform: str, seconds: float) -> None:
        self.ack.labels(platform).observe(seconds)

    def scheduler_lag(self, seconds: float) -> None:
        self.lag.observe(max(seconds, 0.0))

    def db_retry(self) -> None:
        self.retries.inc()

    def open_incidents(self, count: int) -> None:
        self.incidents.set(count)

    def pruned(self, table: str, count: int) -> None:
        self.prunes.labels(table).inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
