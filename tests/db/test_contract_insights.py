"""Team insights' sums (issue 12) and leads, the same on every store: the memory store's plain
rules (bot.testing.memory_insights) and the SQL aggregates (bot.db.insights_sql) agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.db.sql_store import SqlStore
from bot.domain.insights import (
    InsightTodo,
    ItemSums,
    PersonSums,
    Roster,
    SilentSums,
    TagCount,
    WeekSums,
)
from bot.domain.model import Drill, DrillState, Person, Slot
from bot.services.store import Store, Tx
from tests.db.builders import HOUR, at, channel, day, drill

MINUTE = dt.timedelta(minutes=1)


async def _answer(
    tx: Tx,
    d: Drill,
    p: Person,
    *,
    correct: bool | None = None,
    coverage: float | None = None,
    covered: Sequence[str] = (),
    mistakes: Sequence[str] = (),
) -> None:
    mcq = coverage is None
    await tx.insert_answer(
        drill=d,
        person_id=p.id,
        choice="A" if mcq else None,
        text=None if mcq else "secret answer text",
        correct=correct,
        coverage=coverage,
        covered=covered,
        mistakes=mistakes,
        points=10,
        now=d.scheduled_at + HOUR,
    )


async def seeded(store: Store) -> dict[str, int]:
    """Three weeks of one channel: open o1 on days 0 and 7, MCQ m1 on days 2 and 15."""
    async with store.transaction() as tx:
        ch = await channel(tx)
        d0 = await drill(tx, ch, local_date=day(0), item="o1", scheduled_at=at(0))
        d1 = await drill(tx, ch, slot=Slot.MCQ, local_date=day(2), item="m1", scheduled_at=at(48))
        d2 = await drill(tx, ch, local_date=day(7), item="o1", scheduled_at=at(24 * 7))
        d3 = await drill(
            tx, ch, slot=Slot.MCQ, local_date=day(15), item="m1", scheduled_at=at(24 * 15)
        )
        await drill(
            tx,
            ch,
            local_date=day(16),
            item="o1",
            scheduled_at=at(24 * 16),
            state=DrillState.CLAIMED,
        )
        a = await tx.ensure_person("W1", "u1", "Ann")
        b = await tx.ensure_person("W1", "u2", "Ben")
        c = await tx.ensure_person("W1", "u3", "Cat")
        await tx.set_opted_out(b.id, True)
        await _answer(tx, d0, a, correct=False, coverage=0.5, covered=["k1"], mistakes=["x1"])
        await _answer(tx, d1, a, correct=True)
        await _answer(tx, d2, a, correct=True, coverage=1.0, covered=["k1", "k2"])
        await _answer(tx, d3, a, correct=True)
        await _answer(tx, d0, b, correct=False, coverage=0.0, mistakes=["x1"])
        await _answer(tx, d1, b, correct=False)
        await _answer(tx, d1, c, correct=True)
        await _answer(tx, d3, c, correct=False)
    return {"a": a.id, "b": b.id, "c": c.id}


async def test_people_sums_ordered_and_cut(store: Store) -> None:
    ids = await seeded(store)
    async with store.transaction(read_only=True) as tx:
        total, rows = await tx.insight_people("W1", None, day(0), day(20), day(7), None)
        cut = await tx.insight_people("W1", None, day(0), day(20), day(7), 1)
    assert total == 3
    assert rows == [
        PersonSums(ids["a"], "u1", "Ann", False, 4, 2, 2, 2, 1.5, 2, 1.5, 2, 2.0, day(15)),
        PersonSums(ids["b"], "u2", "Ben", True, 2, 1, 0, 1, 0.0, 2, 0.0, 0, 0.0, day(2)),
        PersonSums(ids["c"], "u3", "Cat", False, 2, 2, 1, 0, 0.0, 1, 1.0, 1, 0.0, day(15)),
    ]
    assert cut == (3, rows[:1])


async def test_week_sums_with_their_pool(store: Store) -> None:
    await seeded(store)
    async with store.transaction(read_only=True) as tx:
        weeks = await tx.insight_weeks("W1", None, [day(0), day(7), day(14)])
        channel_weeks = await tx.insight_weeks("W1", 1_000_000, [day(0)])
    assert weeks == [
        WeekSums(day(0), 3, 3, 5, 3, 2, 2, 0.5),
        WeekSums(day(7), 1, 3, 1, 0, 0, 1, 1.0),
        WeekSums(day(14), 2, 3, 2, 2, 1, 0, 0.0),
    ]
    assert channel_weeks == [WeekSums(day(0), 0, 0, 0, 0, 0, 0, 0.0)]


async def test_item_and_tag_sums(store: Store) -> None:
    await seeded(store)
    async with store.transaction(read_only=True) as tx:
        items = await tx.insight_items("W1", None, day(0), day(20))
        covered, mistakes = await tx.insight_tags("W1", None, day(0), day(20))
        later = await tx.insight_items("W1", None, day(3), day(20))
    assert items == [ItemSums("m1", 5, 3, 0, 0.0), ItemSums("o1", 0, 0, 3, 1.5)]
    assert later == [ItemSums("m1", 2, 1, 0, 0.0), ItemSums("o1", 0, 0, 1, 1.0)]
    key = lambda t: (t.item_id, t.tag)  # noqa: E731
    assert sorted(covered, key=key) == [TagCount("o1", "k1", 2), TagCount("o1", "k2", 1)]
    assert mistakes == [TagCount("o1", "x1", 2)]


async def test_silent_people_and_posted_days(store: Store) -> None:
    ids = await seeded(store)
    async with store.transaction(read_only=True) as tx:
        assert await tx.insight_silent("W1", None, day(0), day(10), None) == (
            1,
            [SilentSums(ids["b"], "Ben", True, day(2))],
        )
        total, first = await tx.insight_silent("W1", None, day(0), day(20), 2)
        assert total == 3 and [s.person_id for s in first] == [ids["b"], ids["a"]]
        assert await tx.insight_silent("W1", None, day(0), day(2), None) == (0, [])
        assert await tx.posted_days("W1", None, day(0), day(20)) == 4
        assert await tx.posted_days("W1", None, day(3), day(14)) == 1


async def test_leads_are_listed_added_and_removed(store: Store) -> None:
    ids = await seeded(store)
    async with store.transaction() as tx:
        assert await tx.set_lead("W1", ids["c"], True)
        assert not await tx.set_lead("W1", ids["c"], True)
        assert await tx.set_lead("W1", ids["a"], True)
        assert [p.display_name for p in await tx.leads("W1")] == ["Ann", "Cat"]
        assert await tx.is_lead("W1", ids["a"])
        assert not await tx.is_lead("W1", ids["b"])
        assert await tx.set_lead("W1", ids["a"], False)
        assert not await tx.set_lead("W1", ids["a"], False)
        assert [p.external_id for p in await tx.leads("W1")] == ["u3"]
        assert await tx.leads("W2") == []


async def test_roster_is_people_and_silent_in_one_read(store: Store) -> None:
    ids = await seeded(store)
    async with store.transaction(read_only=True) as tx:
        _, people = await tx.insight_people("W1", None, day(0), day(20), day(7), None)
        # Whole ISO weeks of a workspace: the SQL store reads its kept weekly rows.
        roster = await tx.insight_roster("W1", None, day(0), day(20), day(7), day(10), None)
        cut = await tx.insight_roster("W1", None, day(0), day(20), day(7), day(20), 1)
        # A channel's period: summed from its answers, the same rules.
        channel = await tx.find_channel("W1", "C1")
        assert channel is not None
        in_channel = await tx.insight_roster(
            "W1", channel.id, day(0), day(20), day(7), day(10), None
        )
    ben = SilentSums(ids["b"], "Ben", True, day(2))
    assert roster == Roster(3, people, 1, [ben])
    assert cut == Roster(3, people[:1], 3, [ben])
    assert in_channel == roster


async def _reveal_all(store: Store, when: dt.datetime) -> None:
    async with store.transaction() as tx:
        channel = await tx.find_channel("W1", "C1")
        assert channel is not None
        for d in await tx.drills_after({channel.id: day(-1)}, 10):
            if d.state is DrillState.POSTED:
                await tx.mark_revealed(d.id, when)


async def _read(store: Store, settled: dt.date) -> tuple[Any, InsightTodo]:
    async with store.transaction(read_only=True) as tx:
        read = (
            await tx.insight_weeks("W1", None, [day(0), day(7), day(14)], settled),
            await tx.insight_items("W1", None, day(0), day(20)),
            [
                sorted((t.item_id, t.tag, t.count) for t in tags)
                for tags in await tx.insight_tags("W1", None, day(0), day(20))
            ],
            await tx.insight_roster("W1", None, day(0), day(20), day(7), day(10), 2, settled),
            await tx.insight_roster("W1", None, day(7), day(20), day(14), day(20), 1, settled),
        )
        return read, tx.insight_todo()


async def test_sums_kept_once_closed_read_the_same(sql_store: SqlStore) -> None:
    ids = await seeded(sql_store)
    await _reveal_all(sql_store, at(24 * 16))
    first, todo = await _read(sql_store, day(30))
    # Four posted drills, all revealed; three ended weeks' counts; two runs of people's sums.
    assert (len(todo.drills), len(todo.weeks), len(todo.rosters)) == (4, 3, 2)
    async with sql_store.transaction() as tx:
        # Ten minutes after the last reveal an answer sent as it was posted has landed.
        await tx.save_insight_todo(todo, at(24 * 16) + 5 * MINUTE)
    _, early = await _read(sql_store, day(30))
    # The drills revealed five minutes before were not kept yet; the ended weeks' counts were.
    assert (len(early.drills), len(early.weeks)) == (4, 0)
    async with sql_store.transaction() as tx:
        await tx.save_insight_todo(early, at(24 * 16) + HOUR)
    again, nothing = await _read(sql_store, day(30))
    assert again == first and not nothing
    # Forgetting someone drops the sums their answers were in; the next read sums again.
    async with sql_store.transaction() as tx:
        await tx.forget_person(ids["c"])
    (_, items, _, _, _), todo = await _read(sql_store, day(30))
    assert items == [ItemSums("m1", 3, 2, 0, 0.0), ItemSums("o1", 0, 0, 3, 1.5)]
    assert len(todo.drills) == 2 and len(todo.weeks) == 3


async def test_nothing_kept_for_a_week_not_yet_settled(sql_store: SqlStore) -> None:
    await seeded(sql_store)
    first, todo = await _read(sql_store, day(13))
    assert [p.week_start for p in todo.weeks] == [day(0)]
    assert [(r.first_week, r.last_week) for r in todo.rosters] == [(day(0), day(0))]
    async with sql_store.transaction() as tx:
        await tx.save_insight_todo(todo, at(24 * 30))
    # The first week from its kept sums, the two after it from the weekly rows: the same.
    again, _ = await _read(sql_store, day(13))
    assert again == first
