"""Which question a channel gets next: every eligible question once before any repeats, and
topics in turn."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from bot.domain.items import MultipleChoice, OpenQuestion

Question = OpenQuestion | MultipleChoice


def eligible(
    items: Sequence[Question],
    packs_of: dict[str, str],
    packs: Sequence[str],
    topics: Sequence[str],
    levels: Sequence[str],
) -> list[Question]:
    return [
        i
        for i in items
        # A second guard behind Library.open_questions()/mcqs(): a draft is never scheduled.
        if not i.draft
        and (not packs or packs_of.get(i.id) in packs)
        and (not topics or i.topic in topics)
        and (not levels or i.level in levels)
    ]


def choose(candidates: Sequence[Question], history: Sequence[str], seed: str) -> Question | None:
    """Pick from the least-used candidates, preferring the topic used least recently.

    ``history`` is the channel's item ids, oldest first. The choice is deterministic for a
    given seed, so two processes racing for the same slot agree on the question.
    """
    if not candidates:
        return None
    uses = Counter(item_id for item_id in history)
    fewest = min(uses.get(c.id, 0) for c in candidates)
    fresh = [c for c in candidates if uses.get(c.id, 0) == fewest]
    topic_of = {c.id: c.topic for c in candidates}
    last_seen: dict[str, int] = {}
    for n, item_id in enumerate(history):
        if item_id in topic_of:
            last_seen[topic_of[item_id]] = n
    topic = min({c.topic for c in fresh}, key=lambda t: (last_seen.get(t, -1), t))
    pool = sorted((c for c in fresh if c.topic == topic), key=lambda c: c.id)
    digest = hashlib.sha256(seed.encode()).digest()
    return pool[int.from_bytes(digest[:4], "big") % len(pool)]
