"""The shipped rules, checked for the failure modes of issue 10 that live in the content.

- a single word never earns a key point that bundles several facts (mode 5);
- a rule never rewards the misconception its question flags (mode 7);
- a short, plain answer stating one key fact earns credit (mode 8);
- every key point has a short area label (feedback shows it for a missed point);
- `drillbot grade --json` never prints a lowered score without saying why (mode 9).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.content.loader import load_library
from bot.domain.grading import grade
from bot.domain.items import KeyPoint, OpenQuestion

LIBRARY = load_library()


def question(qid: str) -> OpenQuestion:
    item = LIBRARY.get(qid)
    assert isinstance(item, OpenQuestion)
    return item


@pytest.mark.parametrize(
    ("qid", "answer", "point"),
    [
        ("rest-registration-login-api", "Return 401.", "login-401-generic"),
        (
            "rest-registration-login-api",
            "Return 401 with 'wrong password', or 404 when there is no such user.",
            "login-401-generic",
        ),
        ("blocking-the-event-loop", "Use a stream.", "async-chunk-stream"),
        ("event-loop-non-blocking-io", "A promise callback is a microtask.", "microtasks-drain"),
        ("event-loop-non-blocking-io", "Node uses libuv.", "io-handed-to-libuv"),
        ("monolith-vs-microservices-tradeoffs", "We run on Kubernetes.", "microservices-costs"),
        (
            "nexttick-promise-setimmediate-order",
            "It returns an empty object.",
            "queues-drained-fully",
        ),
        (
            "password-hashing-access-refresh-tokens",
            "Move one bounded context at a time.",
            "refresh-rotation-reuse",
        ),
        (
            "realtime-notification-service-design",
            "pipeline() handles backpressure for file streams.",
            "connection-scale-ops",
        ),
    ],
)
def test_one_word_does_not_earn_a_bundled_point(qid: str, answer: str, point: str) -> None:
    assert point not in grade(question(qid), answer).covered


@pytest.mark.parametrize(
    ("qid", "answer", "points"),
    [
        (
            "password-hashing-access-refresh-tokens",
            "I hash the passwords with SHA-256 instead of storing plain text.",
            ("no-plaintext-or-fast-hash", "slow-salted-hash"),
        ),
        (
            "rest-registration-login-api",
            "Hash the password with SHA-256 and a salt before storing it.",
            ("password-hashing",),
        ),
        ("commonjs-vs-esm-interop", "CommonJS copies the values you require.", ("live-bindings",)),
        (
            "redis-pubsub-vs-kafka-fanout",
            "Redis Pub/Sub stores the messages for offline users until they reconnect.",
            ("persist-for-offline",),
        ),
        (
            "nexttick-promise-setimmediate-order",
            "Recursive setImmediate can starve the event loop too.",
            ("nexttick-starvation",),
        ),
        (
            "realtime-notification-service-design",
            "Redis pub/sub keeps messages for offline users, so there is no need for a database.",
            ("durable-inbox-replay",),
        ),
    ],
)
def test_a_misconception_earns_no_key_point(qid: str, answer: str, points: tuple[str, ...]) -> None:
    result = grade(question(qid), answer)
    assert not set(points) & set(result.covered), result


BLIND = yaml.safe_load(
    (Path(__file__).parent / "grading" / "blind.yml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    "entry", [e for e in BLIND if e["label"] == "partial"], ids=lambda e: e["question"]
)
def test_a_plain_one_fact_answer_earns_credit(entry: dict[str, str]) -> None:
    result = grade(question(entry["question"]), entry["answer"])
    assert result.score > 0, result


def _all_key_points() -> list[tuple[str, KeyPoint]]:
    found = [(q.id, p) for q in LIBRARY.open_questions() for p in q.key_points]
    for incident in LIBRARY.incidents():
        for stage in incident.stages:
            found += [(f"{incident.id}/{stage.id}", p) for p in stage.rubric]
    return found


def test_every_key_point_has_a_short_lowercase_label() -> None:
    bad = [
        f"{where}/{p.id}: {p.label!r}"
        for where, p in _all_key_points()
        if not (2 <= len(p.label.split()) <= 6)
        or p.label != p.label.lower()
        or p.label.rstrip(".") == p.text.lower().rstrip(".")
    ]
    assert not bad, "\n".join(bad)


def test_grade_json_says_why_a_score_is_lowered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    q = question("rest-registration-login-api")
    answer = (
        q.model_answer + "\n\nFor a wrong password we return the stack trace in the response body."
    )
    path = tmp_path / "answer.txt"
    path.write_text(answer, encoding="utf-8")
    assert main(["grade", q.id, "--answer-file", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missed"] == []
    assert out["mistakes"] == ["leaks-internal-errors"]
    assert out["score"] < 1.0
    assert out["reason"] and "mistake" in out["reason"]
