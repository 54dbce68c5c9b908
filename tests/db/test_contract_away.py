"""The Store contract for fair scoring and away periods: the first answer's score kept across
edits, away periods removed or shortened; and the answer path's fairness on every store.

Runs on the memory store, SQLite and PostgreSQL (see conftest.store); the SQL schemas are built
by the migrations, 0008 included.
"""

from __future__ import annotations

from bot.domain.model import AwayPeriod, Slot
from bot.domain.scoring import counted_score, open_points
from bot.services.store import Store
from bot.testing.harness import WORKSPACE, Harness
from tests.db.builders import answer, at, channel, day, drill, person

# --- the first answer's score ----------------------------------------------------------------


async def test_the_first_score_is_kept_at_the_first_edit_only(store: Store) -> None:
    async with store.transaction() as tx:
        d = await drill(tx, await channel(tx))
        ann = await person(tx)
        created = await answer(tx, d, ann, now=at(1))  # coverage 0.5
        assert created is not None
        assert await tx.first_score(created.id) is None  # never edited
    async with store.transaction() as tx:
        assert await tx.keep_first_score(created.id) == 0.5
        await tx.update_answer(
            created.id,
            text="better",
            coverage=1.0,
            covered=["k1", "k2"],
            mistakes=[],
            points=8,
            correct=True,
            now=at(2),
        )
    async with store.transaction() as tx:
        # A second edit finds the first score stored and leaves it.
        assert await tx.keep_first_score(created.id) == 0.5
        assert await tx.first_score(created.id) == 0.5
        loaded = await tx.get_answer(d.id, ann.id)
        assert loaded is not None and loaded.coverage == 1.0 and loaded.points == 8


async def test_keeping_the_first_score_leaves_the_board_alone(store: Store) -> None:
    async with store.transaction() as tx:
        d = await drill(tx, await channel(tx))
        ann = await person(tx)
        created = await answer(tx, d, ann, points=10)
        assert created is not None
    async with store.transaction() as tx:
        await tx.keep_first_score(created.id)
        rows = await tx.board("W1", None, None, None, None)
        assert [(r.points, r.answers) for r in rows] == [(10, 1)]


async def test_an_mcq_pick_has_no_first_score(store: Store) -> None:
    async with store.transaction() as tx:
        d = await drill(tx, await channel(tx), slot=Slot.MCQ)
        ann = await person(tx)
        picked = await tx.insert_answer(
            drill=d,
            person_id=ann.id,
            choice="B",
            text=None,
            correct=True,
            coverage=None,
            covered=(),
            mistakes=(),
            points=15,
            now=at(1),
        )
        assert picked is not None
        assert await tx.keep_first_score(picked.id) is None
        assert await tx.first_score(picked.id) is None


# --- away periods ----------------------------------------------------------------------------


async def test_remove_away_deletes_one_period_of_that_person(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx, external="ann")
        bob = await person(tx, external="bob")
        await tx.add_away(ann.id, day(1), day(3))
        await tx.add_away(ann.id, day(10), day(12))
        await tx.add_away(bob.id, day(1), day(3))
    async with store.transaction() as tx:
        assert await tx.remove_away(ann.id, day(1), day(3)) is True
        assert await tx.remove_away(ann.id, day(1), day(3)) is False  # gone already
        assert await tx.remove_away(ann.id, day(10), day(11)) is False  # not those days
    async with store.transaction() as tx:
        assert await tx.away_periods(ann.id) == [AwayPeriod(ann.id, day(10), day(12))]
        assert await tx.away_periods(bob.id) == [AwayPeriod(bob.id, day(1), day(3))]


async def test_shorten_away_keeps_the_days_already_past(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx, external="ann")
        await tx.add_away(ann.id, day(1), day(9))
    async with store.transaction() as tx:
        assert await tx.shorten_away(ann.id, day(1), day(9), day(4)) is True
        assert await tx.shorten_away(ann.id, day(1), day(9), day(2)) is False  # changed
    async with store.transaction() as tx:
        assert await tx.away_periods(ann.id) == [AwayPeriod(ann.id, day(1), day(4))]


# --- the answer path on every store ---------------------------------------------------------


async def test_a_rubric_paste_does_not_top_the_board_on_any_store(store: Store) -> None:
    h = Harness(store=store)
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say(
        "alice", "/drill answer Keep hot data close to the app and expire each entry with a TTL."
    )
    await h.say("mallory", "/drill answer I think it is mostly about memory somehow.")
    pasted = await h.say("mallory", "/drill answer Keep hot data close. Expire entries with a TTL.")
    assert "Your first answer scored 0% and this version 100%" in pasted
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    assert [(r.user, r.points) for r in rows] == [
        ("alice", 15),
        ("mallory", open_points(counted_score(0.0, 1.0))),
    ]
    # The weekly totals the board reads (triggers on PostgreSQL and SQLite) agree.
    async with store.transaction() as tx:
        ws = await tx.board(WORKSPACE, None, None, None, None)
        assert [(r.user, r.points) for r in ws] == [(r.user, r.points) for r in rows]
