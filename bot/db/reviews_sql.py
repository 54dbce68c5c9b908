"""The SQL store's spaced-repetition cards and reminders (migration 0013). A mixin of
``bot.db.sql_store.SqlTx``; ``bot.testing.memory_reviews`` holds the same rules in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import CursorResult, Executable, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.tables import ReminderRow, ReviewRow
from bot.domain.reviews import CardState, Grade, Reminder, Review

R = ReviewRow


def _card_json(card: CardState | None) -> dict[str, object] | None:
    if card is None:
        return None
    out: dict[str, object] = asdict(card)
    out["due"] = card.due.isoformat()
    out["last_review"] = card.last_review.isoformat() if card.last_review else None
    return out


def _card_of(data: dict[str, Any] | None) -> CardState | None:
    if data is None:
        return None
    last = data.get("last_review")
    return CardState(
        state=int(data["state"]),
        step=data.get("step"),
        stability=data.get("stability"),
        difficulty=data.get("difficulty"),
        due=dt.datetime.fromisoformat(data["due"]),
        last_review=dt.datetime.fromisoformat(last) if last else None,
        reps=int(data["reps"]),
        lapses=int(data["lapses"]),
    )


def _review(row: Any) -> Review:
    return Review(
        person_id=row.person_id,
        item_id=row.item_id,
        topic=row.topic,
        card=CardState(
            row.state,
            row.step,
            row.stability,
            row.difficulty,
            row.due,
            row.last_review,
            row.reps,
            row.lapses,
        ),
        grade=Grade(row.grade),
        before=_card_of(row.before),
        practice_reviews=row.practice_reviews,
    )


def _values(review: Review) -> dict[str, Any]:
    card = review.card
    return {
        "topic": review.topic,
        "state": card.state,
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due,
        "last_review": card.last_review,
        "reps": card.reps,
        "lapses": card.lapses,
        "grade": int(review.grade),
        "before": _card_json(review.before),
        "practice_reviews": review.practice_reviews,
    }


class ReviewsTx:
    async def _execute(self, statement: Executable) -> CursorResult[Any]:
        raise NotImplementedError

    def _insert(self, table: Any) -> postgresql.Insert | sqlite.Insert:
        raise NotImplementedError

    async def get_review(self, person_id: int, item_id: str) -> Review | None:
        result = await self._execute(
            select(R).where(R.person_id == person_id, R.item_id == item_id)
        )
        row = result.first()
        return _review(row) if row is not None else None

    async def item_reviews(self, item_id: str, person_ids: Sequence[int]) -> dict[int, Review]:
        if not person_ids:
            return {}
        result = await self._execute(
            select(R).where(R.item_id == item_id, R.person_id.in_(sorted(set(person_ids))))
        )
        return {row.person_id: _review(row) for row in result.all()}

    async def save_reviews(self, reviews: Sequence[Review]) -> None:
        if not reviews:
            return
        rows = [{"person_id": r.person_id, "item_id": r.item_id, **_values(r)} for r in reviews]
        stmt = self._insert(R).values(rows)
        await self._execute(
            stmt.on_conflict_do_update(
                index_elements=[R.person_id, R.item_id],
                set_={name: stmt.excluded[name] for name in _values(reviews[0])},
            )
        )

    async def save_review(self, review: Review) -> None:
        values = _values(review)
        stmt = self._insert(R).values(person_id=review.person_id, item_id=review.item_id, **values)
        await self._execute(
            stmt.on_conflict_do_update(index_elements=[R.person_id, R.item_id], set_=values)
        )

    async def reviews(self, person_id: int) -> list[Review]:
        result = await self._execute(
            select(R).where(R.person_id == person_id).order_by(R.due, R.item_id)
        )
        return [_review(row) for row in result]

    async def set_reminder(self, reminder: Reminder) -> None:
        values = {"channel_id": reminder.channel_id, "at_time": reminder.at}
        stmt = self._insert(ReminderRow).values(person_id=reminder.person_id, **values)
        await self._execute(
            stmt.on_conflict_do_update(index_elements=[ReminderRow.person_id], set_=values)
        )

    async def drop_reminder(self, person_id: int) -> bool:
        result = await self._execute(delete(ReminderRow).where(ReminderRow.person_id == person_id))
        return bool(result.rowcount)

    async def get_reminder(self, person_id: int) -> Reminder | None:
        result = await self._execute(select(ReminderRow).where(ReminderRow.person_id == person_id))
        row = result.first()
        return Reminder(row.person_id, row.channel_id, row.at_time) if row else None

    async def all_reminders(self) -> list[Reminder]:
        result = await self._execute(select(ReminderRow).order_by(ReminderRow.person_id))
        return [Reminder(row.person_id, row.channel_id, row.at_time) for row in result]
