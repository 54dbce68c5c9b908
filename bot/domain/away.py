"""Away periods: how long one may be, which ones a person can still change.

Days marked away do not break a streak, so an unbounded `away` would keep one alive for ever.
A period is capped (``DEFAULT_MAX_DAYS``, configurable), and periods that overlap or touch
count as one run for the cap: otherwise two 30-day periods back to back would make 60.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.domain.model import AwayPeriod

DEFAULT_MAX_DAYS = 30
_DAY = dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> int:
    """How many days from ``start`` to ``end``, both included."""
    return (end - start).days + 1


def run_length(start: dt.date, end: dt.date, existing: Sequence[AwayPeriod]) -> int:
    """The days of the run of away days the new period would make with the periods it
    overlaps or touches (and those they overlap or touch, and so on)."""
    first, last = start, end
    pending = sorted(existing, key=lambda p: p.start)
    joined = True
    while joined:  # a period may bridge to one that only the growing run reaches
        joined = False
        for period in pending:
            if period.start <= last + _DAY and period.end >= first - _DAY:
                first, last = min(first, period.start), max(last, period.end)
                pending.remove(period)
                joined = True
                break
    return days(first, last)


def changeable(periods: Sequence[AwayPeriod], today: dt.date) -> list[AwayPeriod]:
    """The periods not over yet, in order: the ones `away list` numbers and `away cancel`
    takes. A period that is over already kept (or did not keep) a streak: that stays."""
    return sorted((p for p in periods if p.end >= today), key=lambda p: (p.start, p.end))


def after_cancel(period: AwayPeriod, today: dt.date) -> dt.date | None:
    """The last away day left when ``period`` is cancelled today: the days already past stay
    (a streak may rest on them); None when nothing stays and the period goes."""
    return today - _DAY if period.start < today else None
