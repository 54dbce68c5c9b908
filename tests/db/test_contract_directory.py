"""The Store contract, part one: channels, schedules, people, away periods, transactions.

Every test runs on the memory store, on SQLite and on PostgreSQL (see conftest.store). Writes and
checks happen in separate transactions, so what is checked is what was committed.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from bot.db.sql_store import SqlTx
from bot.domain.model import Schedule
from bot.services.store import Store, Tx
from bot.testing.memory_store import MemoryTx
from tests.db.builders import channel, day, person


def _protocol_methods(protocol: type) -> list[str]:
    return sorted(
        name for name, value in vars(protocol).items() if inspect.iscoroutinefunction(value)
    )


@pytest.mark.parametrize("implementation", [SqlTx, MemoryTx])
def test_implements_every_tx_method_with_the_same_signature(implementation: type) -> None:
    # The port evolves; this says which method the SQL store is missing before a service
    # finds out in production.
    for name in _protocol_methods(Tx):
        assert hasattr(implementation, name), f"{implementation.__name__} lacks {name}"
        expected = inspect.signature(getattr(Tx, name))
        actual = inspect.signature(getattr(implementation, name))
        assert list(actual.parameters) == list(expected.parameters), name
        for param in expected.parameters.values():
            assert actual.parameters[param.name].kind == param.kind, (name, param.name)
            assert actual.parameters[param.name].default == param.default, (name, param.name)


# --- channels ------------------------------------------------------------------------------


async def test_ensure_channel_creates_once_without_schedule(store: Store) -> None:
    async with store.transaction() as tx:
        first = await channel(tx)
    async with store.transaction() as tx:
        again = await tx.ensure_channel("W1", "C1", "#c1")
        assert again == first
        assert first.schedule is None
        assert (first.workspace_id, first.external_id, first.name) == ("W1", "C1", "#c1")
        assert await tx.get_channel(first.id) == first
        assert await tx.find_channel("W1", "C1") == first


async def test_ensure_channel_renames_but_keeps_a_name_when_given_none(store: Store) -> None:
    async with store.transaction() as tx:
        created = await channel(tx)
        renamed = await tx.ensure_channel("W1", "C1", "#renamed")
        assert renamed.id == created.id and renamed.name == "#renamed"
    async with store.transaction() as tx:
        assert (await tx.ensure_channel("W1", "C1", "")).name == "#renamed"
        found = await tx.get_channel(created.id)
        assert found is not None and found.name == "#renamed"


async def test_unknown_channels_are_none(store: Store) -> None:
    async with store.transaction() as tx:
        await channel(tx)
        assert await tx.get_channel(987_654) is None
        assert await tx.find_channel("W1", "nope") is None
        assert await tx.find_channel("W2", "C1") is None


async def test_same_external_channel_id_in_two_workspaces_is_two_channels(store: Store) -> None:
    async with store.transaction() as tx:
        one = await channel(tx, "W1", "C1")
        two = await channel(tx, "W2", "C1")
    assert one.id != two.id
    async with store.transaction() as tx:
        assert await tx.find_channel("W1", "C1") == one
        assert await tx.find_channel("W2", "C1") == two


async def test_channel_without_an_ensured_workspace(store: Store) -> None:
    # The port does not require ensure_workspace first; the SQL store must cope.
    async with store.transaction() as tx:
        created = await tx.ensure_channel("W-new", "C1", "#c1")
        person_ = await tx.ensure_person("W-new", "U1", "Ann")
    async with store.transaction() as tx:
        assert await tx.find_channel("W-new", "C1") == created
        assert await tx.find_person("W-new", "U1") == person_
        await tx.ensure_workspace("W-new", "discord", "Late Name")  # and it can be named later
        assert await tx.find_channel("W-new", "C1") == created


async def test_channels_lists_scheduled_channels_by_workspace_in_id_order(store: Store) -> None:
    async with store.transaction() as tx:
        a = await channel(tx, "W1", "A")
        await channel(tx, "W1", "unscheduled")
        b = await channel(tx, "W2", "B")
        c = await channel(tx, "W1", "C")
        for ch in (c, b, a):
            await tx.save_schedule(ch.id, Schedule())
    async with store.transaction() as tx:
        assert [ch.external_id for ch in await tx.channels()] == ["A", "B", "C"]
        assert [ch.external_id for ch in await tx.channels("W1")] == ["A", "C"]
        assert [ch.external_id for ch in await tx.channels("W2")] == ["B"]
        assert await tx.channels("W-none") == []


FULL_SCHEDULE = Schedule(
    post_time=dt.time(8, 15),
    timezone="Europe/Berlin",
    days=("mon", "wed", "fri"),
    packs=("nodejs-backend", "sql"),
    topics=("event-loop", "indexes, joins"),
    levels=("senior",),
    mcq_days=("wed",),
    mcq_time=dt.time(14, 45, 30),
    answer_window=dt.timedelta(minutes=90),
    leaderboard_day="thu",
    leaderboard_time=dt.time(17, 5),
    paused=True,
)


@pytest.mark.parametrize(
    "schedule",
    [
        FULL_SCHEDULE,
        Schedule(),
        Schedule(mcq_time=None, answer_window=dt.timedelta(hours=30), days=()),
    ],
    ids=["every-field", "defaults", "no-mcq-slot"],
)
async def test_schedule_round_trip(store: Store, schedule: Schedule) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        saved = await tx.save_schedule(ch.id, schedule)
        assert saved.schedule == schedule
    async with store.transaction() as tx:
        loaded = await tx.get_channel(ch.id)
        assert loaded is not None and loaded.schedule == schedule
        assert loaded == saved
        assert await tx.find_channel("W1", "C1") == saved
        assert await tx.channels() == [saved]


async def test_save_schedule_replaces_the_previous_one(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        await tx.save_schedule(ch.id, FULL_SCHEDULE)
        await tx.save_schedule(ch.id, Schedule(timezone="Asia/Tokyo"))
    async with store.transaction() as tx:
        loaded = await tx.get_channel(ch.id)
        assert loaded is not None and loaded.schedule == Schedule(timezone="Asia/Tokyo")


# --- people --------------------------------------------------------------------------------


async def test_ensure_person_creates_once_and_updates_the_display_name(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "Acme")
        created = await tx.ensure_person("W1", "U1", "Ann")
        assert (created.workspace_id, created.external_id, created.display_name) == (
            "W1",
            "U1",
            "Ann",
        )
    async with store.transaction() as tx:
        renamed = await tx.ensure_person("W1", "U1", "Ann Smith")
        assert renamed.id == created.id and renamed.display_name == "Ann Smith"
    async with store.transaction() as tx:
        kept = await tx.ensure_person("W1", "U1", "")  # no name given: keep the known one
        assert kept.display_name == "Ann Smith"
        assert await tx.get_person(created.id) == kept
        assert await tx.find_person("W1", "U1") == kept


async def test_a_person_without_a_display_name_is_shown_by_external_id(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "Acme")
        created = await tx.ensure_person("W1", "U42", "")
    assert created.display_name == "U42"


async def test_ensure_people_is_ensure_person_for_many_at_once(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await tx.ensure_person("W1", "U1", "Ann")
        elsewhere = await tx.ensure_person("W2", "U2", "Bob in W2")
    async with store.transaction() as tx:
        assert await tx.ensure_people("W1", []) == []
        got = await tx.ensure_people(
            "W1", [("U2", "Bob"), ("U1", "Ann Smith"), ("U3", ""), ("U4", "Dee"), ("U1", "")]
        )
    assert [(p.external_id, p.display_name) for p in got] == [
        ("U2", "Bob"),
        ("U1", "Ann Smith"),  # renamed; the later empty name keeps it, as one by one
        ("U3", "U3"),
        ("U4", "Dee"),
        ("U1", "Ann Smith"),
    ]
    assert got[1].id == got[4].id == ann.id
    assert len({p.id for p in got}) == 4 and elsewhere.id not in {p.id for p in got}
    async with store.transaction() as tx:
        for p in got:
            assert await tx.find_person("W1", p.external_id) == p
        assert await tx.find_person("W2", "U2") == elsewhere


async def test_people_belong_to_their_workspace(store: Store) -> None:
    async with store.transaction() as tx:
        one = await person(tx, "W1", "U1")
        two = await person(tx, "W2", "U1")
    async with store.transaction() as tx:
        assert one.id != two.id
        assert await tx.find_person("W1", "U1") == one
        assert await tx.find_person("W2", "U1") == two
        assert await tx.find_person("W3", "U1") is None
        assert await tx.get_person(987_654) is None


# --- away periods --------------------------------------------------------------------------


async def test_away_periods_by_person_in_start_order(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx, external="ann")
        bob = await person(tx, external="bob")
        cid = await person(tx, external="cid")
        late = await tx.add_away(ann.id, day(20), day(25))
        early = await tx.add_away(ann.id, day(1), day(3))
        bobs = await tx.add_away(bob.id, day(2), day(2))
        assert (early.person_id, early.start, early.end) == (ann.id, day(1), day(3))
    async with store.transaction() as tx:
        assert await tx.away_periods(ann.id) == [early, late]
        assert await tx.away_periods(bob.id) == [bobs]
        assert await tx.away_periods(cid.id) == []
        many = await tx.away_for([ann.id, bob.id, cid.id])
        assert sorted(many, key=lambda a: (a.person_id, a.start)) == sorted(
            [early, late, bobs], key=lambda a: (a.person_id, a.start)
        )
        assert await tx.away_for([bob.id]) == [bobs]
        assert await tx.away_for([]) == []


# --- transactions --------------------------------------------------------------------------


class Boom(Exception):
    pass


async def test_an_exception_rolls_the_whole_transaction_back(store: Store) -> None:
    async with store.transaction() as tx:
        kept = await channel(tx, external="kept")
    with pytest.raises(Boom):
        async with store.transaction() as tx:
            await channel(tx, external="lost")
            await tx.save_schedule(kept.id, FULL_SCHEDULE)
            await person(tx, external="ghost")
            assert await tx.find_channel("W1", "lost") is not None  # visible inside
            raise Boom
    async with store.transaction() as tx:
        assert await tx.find_channel("W1", "lost") is None
        assert await tx.find_person("W1", "ghost") is None
        assert await tx.get_channel(kept.id) == kept  # schedule change undone too
        # and the store still works after a rollback
        assert (await channel(tx, external="after")).external_id == "after"


async def test_people_lists_the_newest_first_up_to_a_limit(store: Store) -> None:
    async with store.transaction() as tx:
        made = [await person(tx, external=f"U{n}") for n in range(3)]
        await person(tx, workspace="W2", external="U9")
        listed = await tx.people(3)
    assert [p.external_id for p in listed] == ["U9", "U2", "U1"]
    assert listed[1] == made[2]
