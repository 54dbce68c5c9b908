"""The memory store's spaced-repetition cards and reminders (``bot.db.reviews_sql`` on SQL).
A mixin of ``bot.testing.memory_store.MemoryTx``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.reviews import Reminder, Review

if TYPE_CHECKING:
    from bot.testing.memory_store import _State


class MemoryReviewsTx:
    s: _State

    async def get_review(self, person_id: int, item_id: str) -> Review | None:
        return self.s.reviews.get((person_id, item_id))

    async def save_review(self, review: Review) -> None:
        if review.person_id not in self.s.people:
            raise ValueError(f"no person {review.person_id}")
        self.s.reviews[(review.person_id, review.item_id)] = review

    async def item_reviews(self, item_id: str, person_ids: Sequence[int]) -> dict[int, Review]:
        found = (self.s.reviews.get((p, item_id)) for p in person_ids)
        return {r.person_id: r for r in found if r is not None}

    async def save_reviews(self, reviews: Sequence[Review]) -> None:
        for review in reviews:
            await self.save_review(review)

    async def reviews(self, person_id: int) -> list[Review]:
        mine = [r for (p, _), r in self.s.reviews.items() if p == person_id]
        return sorted(mine, key=lambda r: (r.card.due, r.item_id))

    async def set_reminder(self, reminder: Reminder) -> None:
        if reminder.person_id not in self.s.people or reminder.channel_id not in self.s.channels:
            raise ValueError("no such person or channel")
        self.s.reminders[reminder.person_id] = reminder

    async def drop_reminder(self, person_id: int) -> bool:
        return self.s.reminders.pop(person_id, None) is not None

    async def get_reminder(self, person_id: int) -> Reminder | None:
        return self.s.reminders.get(person_id)

    async def all_reminders(self) -> list[Reminder]:
        return [self.s.reminders[p] for p in sorted(self.s.reminders)]
