"""Spaced-repetition cards and reminders (migration 0013): the same contract on memory,
SQLite and PostgreSQL; and a reminder is sent once however many processes tick together, and
not again after a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.db.sql_store import SqlStore, open_store
from bot.domain import reviews as r
from bot.domain.reviews import FsrsParams, Grade, Reminder, Review
from bot.scheduling.clock import ManualClock
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.store import Store
from bot.testing.fake_chat import FakeChat
from bot.testing.library import tiny_library
from tests.db.builders import at, channel, person

BERLIN = ZoneInfo("Europe/Berlin")


async def test_a_card_round_trips_with_the_card_before_its_last_review(store: Store) -> None:
    scheduler = FsrsParams().scheduler()
    first = r.review(scheduler, None, Grade.GOOD, at(9))
    second = r.review(scheduler, first, Grade.AGAIN, at(9) + dt.timedelta(days=3))
    async with store.transaction() as tx:
        ann = await person(tx)
        bob = await person(tx, external="U2")
        assert await tx.get_review(ann.id, "q-1") is None
        await tx.save_review(Review(ann.id, "q-1", "caching", first, Grade.GOOD, None, 1))
        await tx.save_review(Review(bob.id, "q-1", "caching", first, Grade.GOOD, None))
    async with store.transaction() as tx:
        stored = await tx.get_review(ann.id, "q-1")
        assert stored == Review(ann.id, "q-1", "caching", first, Grade.GOOD, None, 1)
        # Saved again: replaced, not added.
        await tx.save_review(Review(ann.id, "q-1", "caching", second, Grade.AGAIN, first, 2))
        later = r.new_card(at(9) + dt.timedelta(days=30))
        await tx.save_review(Review(ann.id, "q-0", "queues", later, Grade.GOOD, None))
    async with store.transaction() as tx:
        mine = await tx.reviews(ann.id)
        assert [x.item_id for x in mine] == ["q-1", "q-0"]  # soonest due first
        assert mine[0] == Review(ann.id, "q-1", "caching", second, Grade.AGAIN, first, 2)
        assert mine[0].card.lapses == 1 and mine[0].card.reps == 2
        assert [x.item_id for x in await tx.reviews(bob.id)] == ["q-1"]


async def test_one_items_cards_are_read_and_saved_together(store: Store) -> None:
    """A revealed drill's answers become reviews in one read and one write."""
    scheduler = FsrsParams().scheduler()
    first = r.review(scheduler, None, Grade.GOOD, at(9))
    again = r.review(scheduler, first, Grade.AGAIN, at(9) + dt.timedelta(days=3))
    async with store.transaction() as tx:
        ann = await person(tx)
        bob = await person(tx, external="U2")
        cat = await person(tx, external="U3")
        await tx.save_review(Review(ann.id, "q-1", "caching", first, Grade.GOOD, None, 1))
        await tx.save_review(Review(bob.id, "q-2", "queues", first, Grade.GOOD, None))
        assert await tx.item_reviews("q-1", []) == {}
        found = await tx.item_reviews("q-1", [ann.id, bob.id, cat.id])
        assert found == {ann.id: Review(ann.id, "q-1", "caching", first, Grade.GOOD, None, 1)}
        await tx.save_reviews([])
        await tx.save_reviews(
            [
                Review(ann.id, "q-1", "caching", again, Grade.AGAIN, first, 1),
                Review(cat.id, "q-1", "caching", first, Grade.GOOD, None),
            ]
        )
    async with store.transaction() as tx:
        found = await tx.item_reviews("q-1", [ann.id, bob.id, cat.id])
        assert found == {
            ann.id: Review(ann.id, "q-1", "caching", again, Grade.AGAIN, first, 1),
            cat.id: Review(cat.id, "q-1", "caching", first, Grade.GOOD, None),
        }
        assert await tx.get_review(bob.id, "q-2") is not None  # other items untouched


async def test_reminders_are_set_changed_listed_and_dropped(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx)
        bob = await person(tx, external="U2")
        assert await tx.get_reminder(ann.id) is None
        assert not await tx.drop_reminder(ann.id)
        await tx.set_reminder(Reminder(ann.id, ch.id, dt.time(9, 0)))
        await tx.set_reminder(Reminder(bob.id, ch.id, dt.time(8, 0)))
        await tx.set_reminder(Reminder(ann.id, ch.id, dt.time(7, 45)))
    async with store.transaction() as tx:
        assert await tx.get_reminder(ann.id) == Reminder(ann.id, ch.id, dt.time(7, 45))
        assert await tx.all_reminders() == [
            Reminder(ann.id, ch.id, dt.time(7, 45)),
            Reminder(bob.id, ch.id, dt.time(8, 0)),
        ]
        assert await tx.drop_reminder(ann.id)
        assert await tx.all_reminders() == [Reminder(bob.id, ch.id, dt.time(8, 0))]


def _engine(store: Store, chat: FakeChat, clock: ManualClock) -> Engine:
    return Engine(Deps(store, tiny_library(), chat, clock, EngineSettings(count_update_delay=0)))


async def _prepare(engine: Engine) -> None:
    """A Mon-Fri channel; alice asks for reminders at 08:45 and misses a practice MCQ, so
    something is due the next day."""
    lead = Actor("T1", "lead", "Lead", is_admin=True)
    alice = Actor("T1", "alice", "Alice")
    await engine.command(lead, Where("C1", "team"), "/drill setup 09:30 Europe/Berlin", "d1")
    await engine.command(alice, Where("C1", "team"), "/drill remind on 08:45", "d2")
    await engine.command(alice, Where(None), "/drill mcq caching", "d3")
    await engine.command(alice, Where(None), "/drill pick A", "d4")


def _nudges(chat: FakeChat) -> list[str | None]:
    return [s.user for s in chat.sent if s.method == "direct" and "due" in s.message.text]


async def _race(url: str, first_store: SqlStore) -> None:
    other = await open_store(url, upgrade=False)  # a second process: its own pool
    chat = FakeChat()  # both processes send to the same platform
    clock = ManualClock(dt.datetime(2026, 12, 3, 8, 0, tzinfo=BERLIN))  # a Thursday
    first, second = _engine(first_store, chat, clock), _engine(other, chat, clock)
    try:
        await _prepare(first)
        now = dt.datetime(2026, 12, 4, 8, 50, tzinfo=BERLIN)
        clock.set(now)
        await asyncio.gather(*(e.tick(now) for e in (first, second) * 4))
        assert _nudges(chat) == ["alice"]
    finally:
        await other.close()
    # A restart (a new process on the same database) later that day sends nothing more.
    restarted_store = await open_store(url, upgrade=False)
    try:
        restarted = _engine(restarted_store, chat, clock)
        later = dt.datetime(2026, 12, 4, 11, 0, tzinfo=BERLIN)
        clock.set(later)
        await restarted.tick(later)
        assert _nudges(chat) == ["alice"]
    finally:
        await restarted_store.close()


async def test_two_processes_on_sqlite_send_one_reminder(
    sqlite_store: SqlStore, sqlite_url: str
) -> None:
    await _race(sqlite_url, sqlite_store)


@pytest.mark.postgres
async def test_two_processes_on_postgres_send_one_reminder(
    pg_store: SqlStore, pg_database: str
) -> None:
    await _race(pg_database, pg_store)
