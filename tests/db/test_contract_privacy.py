"""The Store contract for privacy (issue 12): opting out, sharing answers, and forgetting a
person for a deletion request.

Runs on the memory store, SQLite and PostgreSQL (see conftest.store); the SQL schemas are built
by the migrations, 0011 included. On SQL, deleting answers takes them off ``week_totals``
through the answers trigger (0007/0010): the board must not keep a forgotten person's points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.db.incident_store import SqlIncidentStore
from bot.db.sql_store import SqlStore
from bot.domain import reviews
from bot.domain.incident_rules import SessionState
from bot.domain.model import Schedule, Slot
from bot.services.store import FORGET_TABLES, ItemResults, Store
from tests.db.builders import answer, channel, day, drill, person


async def test_opting_out_and_in_is_stored_and_reports_a_change(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx)
        assert ann.opted_out is False
        assert await tx.set_opted_out(ann.id, True) is True
        assert await tx.set_opted_out(ann.id, True) is False
    async with store.transaction() as tx:
        found = await tx.find_person("W1", "U1")
        assert found is not None and found.opted_out is True
        # A changed display name keeps the choice.
        renamed = await tx.ensure_person("W1", "U1", "Ann B.")
        assert renamed.opted_out is True
        assert await tx.set_opted_out(ann.id, False) is True
    async with store.transaction() as tx:
        found = await tx.get_person(ann.id)
        assert found is not None and found.opted_out is False
        bob = await person(tx, external="U2")
        await person(tx, workspace="W2", external="U3")
        assert await tx.opted_out_people("W1") == set()
        await tx.set_opted_out(bob.id, True)
        assert await tx.opted_out_people("W1") == {bob.id}
        assert await tx.opted_out_people("W2") == set()


async def test_sharing_answers_is_off_until_set_and_survives_a_schedule_save(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        assert ch.share_answers is False
        assert await tx.set_share_answers(ch.id, True) is True
        assert await tx.set_share_answers(ch.id, True) is False
    async with store.transaction() as tx:
        found = await tx.get_channel(ch.id)
        assert found is not None and found.share_answers is True
        saved = await tx.save_schedule(ch.id, Schedule())
        assert saved.share_answers is True
        assert await tx.set_share_answers(ch.id, False) is True
    async with store.transaction() as tx:
        found = await tx.find_channel("W1", "C1")
        assert found is not None and found.share_answers is False


async def test_forget_deletes_the_person_and_everything_of_theirs_and_counts_it(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx, external="U1")
        bob = await person(tx, external="U2")
        # Two weeks of answers for Ann (three answers), one for Bob.
        days = [day(0), day(1), day(7)]
        drills = [await drill(tx, ch, local_date=d, scheduled_at=_at(d)) for d in days]
        for d in drills:
            assert await answer(tx, d, ann, points=10) is not None
        assert await answer(tx, drills[0], bob, points=7) is not None
        await tx.add_away(ann.id, day(20), day(22))
        await tx.set_practice(ann.id, "q-1", _at(day(0)))
        for who, item in ((ann, "q-1"), (ann, "q-2"), (bob, "q-1")):
            card = reviews.new_card(_at(day(0)))
            await tx.save_review(reviews.Review(who.id, item, "t", card, reviews.Grade.GOOD, None))
        await tx.set_reminder(reviews.Reminder(ann.id, ch.id, dt.time(9)))
        await tx.set_listed_admin("W1", "U1", True)
        await tx.set_listed_admin("W1", "U2", True)
    async with store.transaction() as tx:
        removed = await tx.forget_person(ann.id)
    assert list(removed) == list(FORGET_TABLES)
    assert removed == {
        "answers": 3,
        "week_totals": 2,
        "streaks": 1,
        "away_periods": 1,
        "practice": 1,
        "reviews": 2,
        "reminders": 1,
        "incident_sessions": 0,
        "leads": 0,
        "listed_admins": 1,
        "people": 1,
    }
    async with store.transaction() as tx:
        assert await tx.find_person("W1", "U1") is None
        assert await tx.recent_answers(ann.id, 10) == []
        assert await tx.streaks([ann.id]) == []
        assert await tx.away_periods(ann.id) == []
        assert await tx.reviews(ann.id) == [] and await tx.get_reminder(ann.id) is None
        assert [r.item_id for r in await tx.reviews(bob.id)] == ["q-1"]
        assert await tx.get_practice(ann.id) is None
        assert await tx.listed_admins("W1") == ["U2"]
        # Bob is untouched, and the boards (weekly totals included) know only him.
        assert [a.points for a in await tx.recent_answers(bob.id, 10)] == [7]
        for start in (None, day(0)):
            rows = await tx.board("W1", None, start, None, None)
            assert [(r.user, r.points) for r in rows] == [("U2", 7)]
        board = await tx.board("W1", ch.id, None, None, None)
        assert [(r.user, r.points) for r in board] == [("U2", 7)]


async def test_forgetting_nobody_removes_nothing(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx)
        removed = await tx.forget_person(ann.id + 1000)
    assert removed == dict.fromkeys(FORGET_TABLES, 0)
    async with store.transaction() as tx:
        assert await tx.get_person(ann.id) is not None


def _at(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(9, 30), tzinfo=dt.UTC)


async def test_forget_deletes_incident_sessions_on_sql(sql_store: SqlStore) -> None:
    """Incident sessions live in their own table beside the core's (the memory store keeps
    them in a store of its own): on SQL, forgetting a person takes theirs too, and a finished
    one counted on the incident board leaves it."""
    incidents = SqlIncidentStore.over(sql_store)
    async with sql_store.transaction() as tx:
        ann = await person(tx)
        bob = await person(tx, external="U2")
    for who in (ann, bob):
        async with incidents.transaction() as itx:
            session = await itx.start(
                workspace_id="W1",
                person_id=who.id,
                user_id=who.external_id,
                display_name=who.display_name,
                scenario_id="incident-catalog-latency",
                now=_at(day(0)),
                local_date=day(0),
            )
            assert session is not None
            done = replace(session, state=SessionState.FINISHED, points=20)
            assert await itx.save(done) is not None
    async with sql_store.transaction() as tx:
        removed = await tx.forget_person(ann.id)
    assert removed["incident_sessions"] == 1 and removed["people"] == 1
    async with incidents.transaction() as itx:
        assert await itx.points("W1", None, None) == {bob.id: 20}
        assert await itx.history(ann.id, 10) == []


async def test_item_results_sum_a_persons_answers_per_item(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx, external="U1")
        bob = await person(tx, external="U2")
        d0 = await drill(tx, ch, local_date=day(0), item="q-1", scheduled_at=_at(day(0)))
        d1 = await drill(tx, ch, local_date=day(1), item="q-1", scheduled_at=_at(day(1)))
        m2 = await drill(
            tx, ch, local_date=day(2), item="m-1", slot=Slot.MCQ, scheduled_at=_at(day(2))
        )
        m3 = await drill(
            tx, ch, local_date=day(3), item="m-1", slot=Slot.MCQ, scheduled_at=_at(day(3))
        )
        await answer(tx, d0, ann)  # coverage 0.5
        await answer(tx, d1, ann)
        await answer(tx, m2, ann, choice="B", text=None, correct=True)
        await answer(tx, m3, ann, choice="A", text=None, correct=False)
        await answer(tx, d0, bob)
    async with store.transaction() as tx:
        results = await tx.item_results(ann.id)
        assert await tx.item_results(ann.id + 1000) == []
    # The builder gives every answer a coverage: a pick's is not an open answer's score.
    assert results == [ItemResults("m-1", 2, 1, 0, 0.0), ItemResults("q-1", 0, 0, 2, 1.0)]
