"""A small content library for tests: two topics, open questions and MCQs."""

from __future__ import annotations

from bot.content.loader import Library, Pack
from bot.domain.items import AnyItem, Manifest, MultipleChoice, OpenQuestion


def _open(n: int, topic: str) -> OpenQuestion:
    return OpenQuestion.model_validate(
        {
            "kind": "open",
            "id": f"open-{topic}-{n}",
            "topic": topic,
            "level": "mid",
            "title": f"Open question {n} on {topic}",
            "prompt": f"Explain how {topic} works, question {n}.",
            "model_answer": "Caches keep hot data close; invalidation keeps it correct.",
            "key_points": [
                {
                    "id": "hot",
                    "text": "Keep hot data close.",
                    "label": "where hot data lives",
                    "covered_by": ["hot data | frequently read"],
                },
                {
                    "id": "ttl",
                    "text": "Expire entries with a TTL.",
                    "label": "how entries leave the cache",
                    "covered_by": ["ttl | expire | expiry"],
                },
            ],
            "mistakes": [
                {
                    "id": "never-stale",
                    "text": "Claiming caches are never stale.",
                    "signals": ["never stale"],
                }
            ],
            "follow_ups": ["What about thundering herds?"],
        }
    )


def _mcq(n: int, topic: str) -> MultipleChoice:
    return MultipleChoice.model_validate(
        {
            "kind": "mcq",
            "id": f"mcq-{topic}-{n}",
            "topic": topic,
            "level": "junior",
            "stem": f"MCQ {n} on {topic}: which is right?",
            "options": [
                {"key": "A", "text": "Wrong one", "explanation": "A is wrong because of reasons."},
                {"key": "B", "text": "Right one", "correct": True, "explanation": "B is right."},
                {"key": "C", "text": "Also wrong", "explanation": "C is wrong too."},
            ],
        }
    )


def tiny_library(per_topic: int = 3) -> Library:
    manifest = Manifest(
        name="tiny",
        version="1",
        description="test pack",
        license="MIT",
        topics={"caching": "Caching", "queues": "Queues"},
        levels=["junior", "mid"],
    )
    items: list[AnyItem] = []
    for topic in ("caching", "queues"):
        for n in range(1, per_topic + 1):
            items += [_open(n, topic), _mcq(n, topic)]
    from pathlib import Path

    pack = Pack(manifest=manifest, path=Path("tiny"), items=items)
    return Library([pack], {i.id: i for i in items}, {i.id: "tiny" for i in items})
