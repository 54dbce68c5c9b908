"""Schedule sequence numbers: a scheduler reads only the channels whose schedule changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.domain.model import Schedule
from bot.services.store import Store
from tests.db.builders import channel


async def test_each_save_is_stamped_and_read_back_from_its_number(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.channels_changed_since(0) == (0, [])
        one = await channel(tx, external="C1")
        two = await channel(tx, external="C2")
        await channel(tx, external="C3")  # never scheduled: never listed
        await tx.save_schedule(one.id, Schedule())
        await tx.save_schedule(two.id, Schedule(post_time=dt.time(8, 0)))
        top, everyone = await tx.channels_changed_since(0)
        assert top == 2 and [c.id for c in everyone] == [one.id, two.id]
        # the last number comes again (a concurrent save may share it), nothing older does
        top, changed = await tx.channels_changed_since(top)
        assert (top, [c.id for c in changed]) == (2, [two.id])
        await tx.save_schedule(one.id, replace(Schedule(), paused=True))
        top, changed = await tx.channels_changed_since(2)
        assert top == 3 and [c.id for c in changed] == [one.id, two.id]
        [first, _] = changed
        assert first.schedule is not None and first.schedule.paused
