"""The SQL store's part of fair scoring: an answer's first score, kept across edits, and away
periods cancelled (removed, or cut short).

A mixin of ``bot.db.sql_store.SqlTx``, kept apart so those rules live in one place and the
store's module does not grow; every statement runs through the transaction's ``_execute``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CursorResult, Executable, delete, func, select, update

from bot.db.tables import AnswerRow, AwayPeriodRow


class FairScoringTx:
    async def _execute(self, statement: Executable) -> CursorResult[Any]:
        raise NotImplementedError  # SqlTx's

    async def keep_first_score(self, answer_id: int) -> float | None:
        # One statement, so two edits racing cannot both take their own version for the
        # first: the row's lock orders them, and the second finds the first's value. Only
        # first_score is set, so the week_totals triggers (UPDATE OF points, ...) stay quiet.
        result = await self._execute(
            update(AnswerRow)
            .where(AnswerRow.id == answer_id, AnswerRow.coverage.is_not(None))
            .values(first_score=func.coalesce(AnswerRow.first_score, AnswerRow.coverage))
            .returning(AnswerRow.first_score)
        )
        value = result.scalar_one_or_none()
        return None if value is None else float(value)

    async def first_score(self, answer_id: int) -> float | None:
        result = await self._execute(select(AnswerRow.first_score).where(AnswerRow.id == answer_id))
        value = result.scalar_one_or_none()
        return None if value is None else float(value)

    @staticmethod
    def _one_away(person_id: int, start: dt.date, end: dt.date) -> Any:
        # One row even when the person marked the same days twice: cancelling removes one.
        return (
            select(AwayPeriodRow.id)
            .where(
                AwayPeriodRow.person_id == person_id,
                AwayPeriodRow.start_date == start,
                AwayPeriodRow.end_date == end,
            )
            .order_by(AwayPeriodRow.id)
            .limit(1)
            .scalar_subquery()
        )

    async def remove_away(self, person_id: int, start: dt.date, end: dt.date) -> bool:
        result = await self._execute(
            delete(AwayPeriodRow)
            .where(AwayPeriodRow.id == self._one_away(person_id, start, end))
            .returning(AwayPeriodRow.id)
        )
        return result.first() is not None

    async def shorten_away(
        self, person_id: int, start: dt.date, end: dt.date, last_day: dt.date
    ) -> bool:
        result = await self._execute(
            update(AwayPeriodRow)
            .where(AwayPeriodRow.id == self._one_away(person_id, start, end))
            .values(end_date=last_day)
            .returning(AwayPeriodRow.id)
        )
        return result.first() is not None
