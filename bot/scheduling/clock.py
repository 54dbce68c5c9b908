"""Clocks. Every rule that depends on "now" asks one, so tests and the console can move time."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock that only moves when told (tests, the console's `:advance`)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware instant")
        instant = instant.astimezone(dt.UTC)
        if instant < self._now:
            raise ValueError("the clock only moves forward")
        self._now = instant

    def advance(self, delta: dt.timedelta) -> None:
        self.set(self._now + delta)
