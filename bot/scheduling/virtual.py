"""Moving a manual clock forward and firing everything that comes due on the way, in order."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.scheduling.clock import ManualClock


class Ticking(Protocol):
    async def tick(self, now: dt.datetime | None = None) -> None: ...

    async def next_due(self, after: dt.datetime) -> dt.datetime | None: ...


class VirtualTime:
    """The console's scheduler: time moves only when told, and nothing due is skipped."""

    def __init__(self, clock: ManualClock, engine: Ticking) -> None:
        self.clock = clock
        self.engine = engine

    async def advance_to(self, target: dt.datetime) -> None:
        if target < self.clock.now():
            raise ValueError(
                f"{target:%Y-%m-%d %H:%M} UTC is in the past; the clock only moves forward"
            )
        while True:
            due = await self.engine.next_due(self.clock.now())
            if due is None or due > target:
                break
            self.clock.set(due)
            await self.engine.tick(due)
        self.clock.set(target)
        await self.engine.tick(target)

    async def advance(self, delta: dt.timedelta) -> None:
        await self.advance_to(self.clock.now() + delta)
