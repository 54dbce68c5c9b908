"""The Node.js pack's factual slips stay fixed (issue 10, "the bank corrected").

Each test pins one slip a reviewer found in the question bank, so that it cannot creep back: the
prose people read (prompts, model answers, explanations, scenes, notes) is checked, not the
grading rules, which may quote a wrong claim on purpose to recognise it in an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

PACK = Path(__file__).resolve().parents[2] / "content" / "nodejs-backend"

# Fields that hold text for people to read; rule fields (covered_by, signals) are left out.
PROSE_KEYS = {
    "title",
    "prompt",
    "model_answer",
    "notes",
    "follow_ups",
    "stem",
    "text",
    "explanation",
    "role",
    "system",
    "alert",
    "opening",
    "strong_answer",
    "hint",
    "reveal",
    "debrief",
}


def load_items() -> list[dict]:
    items: list[dict] = []
    for path in sorted(PACK.rglob("*.yml")):
        if path.name == "pack.yml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items.extend(data if isinstance(data, list) else [data])
    return items


ITEMS = load_items()
BY_ID = {item["id"]: item for item in ITEMS}
INCIDENTS = [item for item in ITEMS if item["kind"] == "incident"]


def prose(node: object, key: str = "") -> Iterator[str]:
    """Every reader-facing string below `node` (rules are skipped)."""
    if isinstance(node, dict):
        for k, value in node.items():
            if k not in ("covered_by", "signals", "references"):
                yield from prose(value, k)
    elif isinstance(node, list):
        for value in node:
            yield from prose(value, key)
    elif isinstance(node, str) and key in PROSE_KEYS:
        yield node


def flat(text: str) -> str:
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.;!?])\s+", flat(text))


def item_prose(item: dict) -> str:
    return flat(" ".join(prose(item)))


def all_sentences() -> Iterator[tuple[str, str]]:
    for item in ITEMS:
        for text in prose(item):
            for sentence in sentences(text):
                yield item["id"], sentence


def test_the_bank_is_loaded() -> None:
    assert len(ITEMS) > 50 and len(INCIDENTS) >= 6


def test_zrevrange_is_never_taught() -> None:
    # Deprecated since Redis 6.2 in favour of ZRANGE ... REV; naming it as deprecated is fine.
    bad = [
        (item_id, s)
        for item_id, s in all_sentences()
        if "zrevrange" in s.lower() and "deprecated" not in s.lower()
    ]
    assert bad == []


# Words that name a scenario's diagnosis rather than its symptoms.
DIAGNOSIS_WORDS = (
    "oom",
    "out of memory",
    "leak",
    "pool",
    "exhaust",
    "migration",
    "index",
    "retry",
    "storm",
    "times out",
    "timeout",
    "sigterm",
    "shutdown",
    "event loop",
    "blocking",
    "cache",
)


@pytest.mark.parametrize("incident", INCIDENTS, ids=lambda item: item["id"])
def test_incident_title_sets_the_scene_without_the_diagnosis(incident: dict) -> None:
    title = incident["title"].lower()
    assert [word for word in DIAGNOSIS_WORDS if word in title] == [], incident["title"]


def mib(amount: str, unit: str) -> float:
    value = float(amount.replace(",", ""))
    return value * 1024 if unit.lower().startswith("g") else value


@pytest.mark.parametrize("incident", INCIDENTS, ids=lambda item: item["id"])
def test_heap_cap_stays_below_the_container_limit(incident: dict) -> None:
    scene = flat(" ".join(prose(incident["setup"])))
    caps = [int(n) for n in re.findall(r"max-old-space-size=(\d+)", scene)]
    if not caps:
        return
    limits = [mib(n, u) for n, u in re.findall(r"(\d[\d,.]*) (GiB|MiB) memory limit", scene)]
    assert limits, "a scene that sets a heap cap must state the container's memory limit"
    assert all(cap < min(limits) for cap in caps), (caps, limits)


def test_pool_exhaustion_failure_rate_follows_from_its_numbers() -> None:
    incident = BY_ID["incident-db-pool-exhaustion"]
    text = item_prose(incident)
    # The scene's own numbers, per pod at the 09:00 peak.
    pool, wait_s = 20, 5
    order_history, others = 30, 90  # requests a second that reach the pool
    slow_s, fast_s = 4.0, 0.003  # how long each kind holds a connection
    for fact in (
        "pool of 20 connections per pod",
        "5-second wait",
        "~30",
        "~120 a second",
        "about 1,200 requests a second",
        "mean time is 3.9 s",
    ):
        assert fact in text, fact
    arriving = order_history + others
    share = order_history / arriving
    served = pool / (share * slow_s + (1 - share) * fast_s)  # FIFO pool: served mix = arrival mix
    expected = 100 * (1 - served / arriving)  # ~83%
    stated = re.search(r"It is (\d+)% now", flat(incident["setup"]["alert"]))
    assert stated, "the alert states the current 5xx rate"
    assert abs(int(stated.group(1)) - expected) <= 3, (stated.group(1), round(expected))
    # Failures return after the pool wait, so P99 cannot be below it.
    p99 = re.search(r"P99\s+latency is (\d+(?:\.\d+)?) s", flat(incident["setup"]["alert"]))
    assert p99 and float(p99.group(1)) > wait_s
    assert "18% of requests fail" not in text and "one request in five" not in text


def test_p99_is_not_reported_beyond_the_timeout_that_cuts_requests_off() -> None:
    incident = BY_ID["incident-catalog-latency"]
    # The scene as people read it; the notes may quote the guide's figure to correct it.
    text = item_prose({k: v for k, v in incident.items() if k != "notes"})
    assert "gives up on a request after 2 seconds" in text  # the ingress timeout
    over = re.findall(r"P99[^.;]{0,40}?(?:over|above|>)\s*(\d[\d,]*)\s*ms", text)
    assert [n for n in over if int(n.replace(",", "")) >= 2000] == []
    assert not re.search(r"P99[^.;]{0,40}?(?:over|above)\s*(?:2 s|two seconds)", text)


def test_express_error_middleware_and_rejected_promises_name_the_version() -> None:
    bad = [
        (item_id, s)
        for item_id, s in all_sentences()
        if "rejected promise" in s.lower()
        and "middleware" in s.lower()
        and "express 5" not in s.lower()
    ]
    assert bad == []


def test_exit_code_143_on_sigterm_comes_with_the_pid_1_caveat() -> None:
    for item in ITEMS:
        text = item_prose(item)
        if re.search(r"\b143\b", text) and "SIGTERM" in text:
            assert "PID 1" in text, item["id"]


def test_timers_are_not_called_the_first_phase() -> None:
    pattern = re.compile(
        r"first phase|starts? with timers|timers (?:do )?come first in an iteration|"
        r"each iteration starts with",
        re.IGNORECASE,
    )
    found = [
        (item_id, s)
        for item_id, s in all_sentences()
        if pattern.search(s) and not re.search(r"\bnot call|rather than calling", s)
    ]
    assert found == []


def test_readfile_order_is_not_stated_as_fixed() -> None:
    bad = [
        (item_id, s)
        for item_id, s in all_sentences()
        if re.search(r"readfile callback (?:comes|runs|prints) (?:later|last)", s, re.IGNORECASE)
    ]
    assert bad == []
    answer = flat(BY_ID["event-loop-non-blocking-io"]["model_answer"])
    assert "readFile callback usually prints last" in answer
    assert "not promised" in answer


def test_nexttick_before_promises_is_qualified_for_commonjs() -> None:
    answer = flat(BY_ID["event-loop-non-blocking-io"]["model_answer"])
    assert "nextTick" in answer and "CommonJS" in answer and "ES module" in answer


def test_sticky_sessions_are_not_only_for_a_polling_fallback() -> None:
    pattern = re.compile(
        r"sticky(?:[^.;]|\.(?=\S))*fall(?:s|ing)? back to (?:long[- ]?)?polling", re.IGNORECASE
    )
    assert [(item_id, s) for item_id, s in all_sentences() if pattern.search(s)] == []


def test_kafka_fan_out_respects_consumer_groups() -> None:
    # Consumers of one group split the partitions; "every server gets every message" needs a
    # group per server (the pack's own Kafka teaching).
    explanation = flat(
        next(o for o in BY_ID["mcq-broker-decoupling"]["options"] if o.get("correct"))[
            "explanation"
        ]
    )
    assert "consumer group" in explanation
    claim = re.compile(
        r"every (?:server|consumer) (?:subscribes|gets|receives|sees)", re.IGNORECASE
    )
    bad = [
        (item_id, s)
        for item_id, s in all_sentences()
        if claim.search(s) and "group" not in s.lower() and "pub/sub" not in s.lower()
    ]
    assert bad == []


def test_monolith_notes_report_the_guides_follow_ups() -> None:
    item = BY_ID["monolith-vs-microservices-tradeoffs"]
    assert "only two follow-up" not in item["notes"]
    assert "five follow-up questions" in flat(item["notes"])
    follow_ups = " ".join(item["follow_ups"]).lower()
    for topic in ("api gateway", "saga", "kubernetes", "service mesh"):
        assert topic in follow_ups, topic
