"""The Store contract, part two: drills, answers, streaks, leaderboards, posts, practice.

Runs on the memory store, SQLite and PostgreSQL (see conftest.store).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.model import Drill, DrillState, Person, Slot, Streak
from bot.services.store import NewPick, Store
from tests.db.builders import HOUR, MONDAY, T0, answer, at, channel, claim, day, drill, person

# --- claiming drills -----------------------------------------------------------------------


async def test_claim_drill_returns_the_drill_once_per_channel_slot_and_date(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        first = await claim(tx, ch, state=DrillState.CLAIMED, item="q-1")
        assert first is not None
        assert (first.workspace_id, first.channel_id, first.slot, first.local_date) == (
            "W1",
            ch.id,
            Slot.DAILY,
            MONDAY,
        )
        assert (first.item_id, first.kind, first.state) == ("q-1", "open", DrillState.CLAIMED)
        assert (first.scheduled_at, first.reveal_at) == (T0, T0 + 6 * HOUR)
        assert first.message_ref is None and first.revealed_at is None
    async with store.transaction() as tx:
        assert await claim(tx, ch, item="q-2") is None  # same key, even with another item
        assert await tx.get_drill(first.id) == first


async def test_claim_drill_keys_are_independent(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        elsewhere = await channel(tx, "W2", "C1")
        assert await claim(tx, ch) is not None
    async with store.transaction() as tx:
        assert await claim(tx, ch, slot=Slot.MCQ) is not None
        assert await claim(tx, ch, local_date=day(1)) is not None
        assert await claim(tx, other) is not None
        assert await claim(tx, elsewhere) is not None
        assert await claim(tx, ch, slot=Slot.MCQ) is None
        assert await claim(tx, ch, local_date=day(1)) is None


async def test_claim_drill_defaults_to_claimed(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        d = await tx.claim_drill(
            workspace_id="W1",
            channel_id=ch.id,
            slot=Slot.MCQ,
            local_date=MONDAY,
            item_id="m-1",
            kind="mcq",
            scheduled_at=T0,
            reveal_at=at(2),
        )
        assert d is not None and d.state is DrillState.CLAIMED and d.slot is Slot.MCQ


async def test_timestamps_come_back_equal_and_aware(store: Store) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    scheduled = dt.datetime(2025, 3, 3, 10, 30, 15, 123456, tzinfo=berlin)
    async with store.transaction() as tx:
        ch = await channel(tx)
        d = await drill(tx, ch, scheduled_at=scheduled, reveal_at=scheduled + HOUR)
    async with store.transaction() as tx:
        loaded = await tx.get_drill(d.id)
        assert loaded is not None
        assert loaded.scheduled_at == scheduled and loaded.reveal_at == scheduled + HOUR
        assert loaded.scheduled_at.utcoffset() is not None


async def test_set_drill_state_keeps_the_message_ref_unless_given(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        d = await drill(tx, ch, state=DrillState.CLAIMED)
        await tx.set_drill_state(d.id, DrillState.POSTED, "C1:1700000000.0001")
    async with store.transaction() as tx:
        await tx.set_drill_state(d.id, DrillState.FAILED)
    async with store.transaction() as tx:
        loaded = await tx.get_drill(d.id)
        assert loaded is not None
        assert (loaded.state, loaded.message_ref) == (DrillState.FAILED, "C1:1700000000.0001")
        assert await tx.get_drill(987_654) is None


async def test_drills_to_retry_are_failed_and_not_too_old(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        too_old = await drill(tx, ch, local_date=day(0), scheduled_at=at(0))
        boundary = await drill(tx, ch, local_date=day(2), scheduled_at=at(48))
        recent = await drill(tx, ch, local_date=day(1), scheduled_at=at(24))
        posted = await drill(tx, ch, local_date=day(3), scheduled_at=at(72))
        for d in (too_old, boundary, recent):
            await tx.set_drill_state(d.id, DrillState.FAILED)
        other = await drill(tx, await channel(tx, "W2", "C9"), scheduled_at=at(30))
        await tx.set_drill_state(other.id, DrillState.FAILED)
    async with store.transaction() as tx:
        retry = await tx.drills_to_retry(at(24))
        assert [d.id for d in retry] == [recent.id, other.id, boundary.id]
        assert all(d.state is DrillState.FAILED for d in retry)
        assert posted.id not in {d.id for d in retry}
        assert await tx.drills_to_retry(at(100)) == []


async def test_open_drills_are_posted_unrevealed_newest_first(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        older = await drill(tx, ch, local_date=day(0), scheduled_at=at(0))
        newer = await drill(tx, ch, local_date=day(1), scheduled_at=at(24))
        mcq = await drill(tx, ch, slot=Slot.MCQ, local_date=day(1), scheduled_at=at(29))
        await drill(tx, ch, local_date=day(2), scheduled_at=at(48), state=DrillState.CLAIMED)
        revealed = await drill(tx, ch, local_date=day(3), scheduled_at=at(72))
        await tx.mark_revealed(revealed.id, at(80))
        await drill(tx, await channel(tx, external="C2"), scheduled_at=at(90))
    async with store.transaction() as tx:
        found = await tx.open_drills(ch.id, at(200))
        assert [d.id for d in found] == [mcq.id, newer.id, older.id]


async def test_due_reveals_and_mark_revealed_once(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        due = await drill(tx, ch, local_date=day(0), reveal_at=at(6))
        exactly_now = await drill(tx, ch, local_date=day(1), reveal_at=at(7))
        later = await drill(tx, ch, local_date=day(2), reveal_at=at(8))
        await drill(tx, ch, local_date=day(3), reveal_at=at(1), state=DrillState.FAILED)
        elsewhere = await drill(tx, await channel(tx, "W2", "C1"), reveal_at=at(5))
    async with store.transaction() as tx:
        reveals = await tx.due_reveals(at(7))
        assert [d.id for d in reveals] == [elsewhere.id, due.id, exactly_now.id]
        assert later.id not in {d.id for d in reveals}
    async with store.transaction() as tx:
        assert await tx.mark_revealed(due.id, at(7)) is True
    async with store.transaction() as tx:
        assert await tx.mark_revealed(due.id, at(9)) is False
        loaded = await tx.get_drill(due.id)
        assert loaded is not None and loaded.revealed_at == at(7)
        assert [d.id for d in await tx.due_reveals(at(7))] == [elsewhere.id, exactly_now.id]


async def test_unmark_revealed_lets_a_later_tick_reveal_again(store: Store) -> None:
    async with store.transaction() as tx:
        d = await drill(tx, await channel(tx), reveal_at=at(6))
        assert await tx.mark_revealed(d.id, at(6))
    async with store.transaction() as tx:
        await tx.unmark_revealed(d.id)
    async with store.transaction() as tx:
        loaded = await tx.get_drill(d.id)
        assert loaded is not None and loaded.revealed_at is None
        assert [x.id for x in await tx.due_reveals(at(6))] == [d.id]
        assert await tx.mark_revealed(d.id, at(7)) is True


async def test_channel_items_and_drill_dates(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        await drill(tx, ch, item="q-3", local_date=day(2), scheduled_at=at(48))
        await drill(tx, ch, item="q-1", local_date=day(0), scheduled_at=at(0))
        await drill(tx, ch, item="m-1", slot=Slot.MCQ, local_date=day(0), scheduled_at=at(5))
        await drill(tx, ch, item="q-2", local_date=day(1), scheduled_at=at(24))
        failed = await drill(tx, ch, item="q-4", local_date=day(3), scheduled_at=at(72))
        await tx.set_drill_state(failed.id, DrillState.FAILED)
        await drill(tx, ch, item="q-5", local_date=day(4), scheduled_at=at(96))
        await drill(tx, await channel(tx, external="C2"), item="x", local_date=day(1))
    async with store.transaction() as tx:
        assert await tx.channel_items(ch.id) == [
            ("q-1", day(0)),
            ("m-1", day(0)),
            ("q-2", day(1)),
            ("q-3", day(2)),
            ("q-4", day(3)),
            ("q-5", day(4)),
        ]
        # Distinct, posted only (day 3 failed), strictly before, newest first, limited.
        assert await tx.drill_dates(ch.id, day(4), 10) == [day(2), day(1), day(0)]
        assert await tx.drill_dates(ch.id, day(5), 2) == [day(4), day(2)]
        assert await tx.drill_dates(ch.id, day(0), 10) == []
        assert await tx.channel_items(987_654) == []


# --- submissions and answers ---------------------------------------------------------------


async def test_claim_submission_once_per_workspace_and_key(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.ensure_workspace("W1", "slack", "Acme")
        await tx.ensure_workspace("W2", "discord", "Guild")
        assert await tx.claim_submission("W1", "evt-1") is True
    async with store.transaction() as tx:
        assert await tx.claim_submission("W1", "evt-1") is False
        assert await tx.claim_submission("W2", "evt-1") is True
        assert await tx.claim_submission("W1", "evt-2") is True
        assert await tx.claim_submission("W1", "evt-2") is False


async def test_insert_answer_once_per_drill_and_person(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx, external="ann")
        d = await drill(tx, ch, local_date=day(1), scheduled_at=at(24))
        first = await tx.insert_answer(
            drill=d,
            person_id=ann.id,
            choice=None,
            text="the event loop runs callbacks",
            correct=True,
            coverage=0.75,
            covered=["loop", "callbacks"],
            mistakes=["blocking"],
            points=15,
            now=at(25),
        )
        assert first is not None
        assert (first.drill_id, first.person_id) == (d.id, ann.id)
        assert (first.workspace_id, first.channel_id, first.local_date) == ("W1", ch.id, day(1))
        assert (first.text, first.correct, first.coverage, first.points) == (
            "the event loop runs callbacks",
            True,
            0.75,
            15,
        )
        assert first.covered == ("loop", "callbacks") and first.mistakes == ("blocking",)
        assert first.created_at == first.updated_at == at(25)
    async with store.transaction() as tx:
        assert await answer(tx, d, ann, points=99) is None
        assert await tx.get_answer(d.id, ann.id) == first
        assert await tx.drill_answers(d.id) == [first]


async def test_picks_go_in_together_first_choice_first(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann, bob, cat = [await person(tx, external=name) for name in ("ann", "bob", "cat")]
        d = await drill(tx, ch, slot=Slot.MCQ, local_date=day(1), scheduled_at=at(24))
        other = await drill(tx, ch, local_date=day(1), scheduled_at=at(24))
        assert await answer(tx, d, cat, choice="C", text=None) is not None

    def pick(p: Person, choice: str, on: Drill = d) -> NewPick:
        return NewPick(on, p.id, choice, correct=choice == "B", points=10, now=at(25))

    async with store.transaction() as tx:
        went_in = await tx.insert_picks(
            [pick(ann, "B"), pick(bob, "A"), pick(ann, "A"), pick(cat, "B"), pick(ann, "D", other)]
        )
        assert await tx.insert_picks([]) == []
        assert await tx.insert_picks([pick(bob, "C")]) == [False]  # alone, and not his first
    # Ann's double click: her first choice stands; Cat had answered; Ann's other drill is new.
    assert went_in == [True, True, False, False, True]
    async with store.transaction() as tx:
        choices = {a.person_id: a.choice for a in await tx.drill_answers(d.id)}
        assert choices == {ann.id: "B", bob.id: "A", cat.id: "C"}
        first = await tx.get_answer(d.id, ann.id)
        assert first is not None
        assert (first.correct, first.points, first.text, first.coverage) == (True, 10, None, None)
        assert first.created_at == at(25) and first.local_date == day(1)
        # Each pick counted its day for the streak, once.
        streak = await tx.get_streak(bob.id, ch.id)
        assert streak is not None and (streak.current, streak.last_date) == (1, day(1))


async def test_mcq_answer_round_trip(store: Store) -> None:
    async with store.transaction() as tx:
        d = await drill(tx, await channel(tx), slot=Slot.MCQ)
        ann = await person(tx)
        created = await tx.insert_answer(
            drill=d,
            person_id=ann.id,
            choice="b",
            text=None,
            correct=False,
            coverage=None,
            covered=(),
            mistakes=(),
            points=0,
            now=at(1),
        )
    async with store.transaction() as tx:
        loaded = await tx.get_answer(d.id, ann.id)
        assert loaded == created
        assert loaded is not None and loaded.choice == "b" and loaded.coverage is None
        assert loaded.covered == () and loaded.text is None and loaded.correct is False


async def test_update_answer_rewrites_the_grade_and_keeps_created_at(store: Store) -> None:
    async with store.transaction() as tx:
        d = await drill(tx, await channel(tx))
        ann = await person(tx)
        created = await answer(tx, d, ann, now=at(1), correct=False)
        assert created is not None
    async with store.transaction() as tx:
        updated = await tx.update_answer(
            created.id,
            text="better answer",
            coverage=1.0,
            covered=["k1", "k2"],
            mistakes=[],
            points=20,
            correct=True,
            now=at(2),
        )
        assert updated.id == created.id
        assert (updated.text, updated.coverage, updated.points, updated.correct) == (
            "better answer",
            1.0,
            20,
            True,
        )
        assert updated.covered == ("k1", "k2") and updated.mistakes == ()
        assert (updated.created_at, updated.updated_at) == (at(1), at(2))
    async with store.transaction() as tx:
        assert await tx.get_answer(d.id, ann.id) == updated


async def test_drill_answers_and_recent_answers(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx, external="ann")
        bob = await person(tx, external="bob")
        d0 = await drill(tx, ch, local_date=day(0), scheduled_at=at(0))
        d1 = await drill(tx, ch, local_date=day(1), scheduled_at=at(24))
        d2 = await drill(tx, ch, local_date=day(2), scheduled_at=at(48))
        a0 = await answer(tx, d0, ann, now=at(1))
        b0 = await answer(tx, d0, bob, now=at(2))
        a2 = await answer(tx, d2, ann, now=at(49))
        a1 = await answer(tx, d1, ann, now=at(25))
    async with store.transaction() as tx:
        assert await tx.drill_answers(d0.id) == [a0, b0]
        assert await tx.drill_answers(d1.id) == [a1]
        assert await tx.recent_answers(ann.id, 10) == [a2, a1, a0]
        assert await tx.recent_answers(ann.id, 2) == [a2, a1]
        assert await tx.recent_answers(bob.id, 10) == [b0]
        assert await tx.get_answer(d1.id, bob.id) is None


async def test_answer_count_counts_one_drill_s_answers(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        people = [await person(tx, external=f"U{n}") for n in range(3)]
        d0 = await drill(tx, ch, local_date=day(0), scheduled_at=at(0))
        d1 = await drill(tx, ch, local_date=day(1), scheduled_at=at(24))
        d2 = await drill(tx, ch, local_date=day(2), scheduled_at=at(48))
        for p in people:
            await answer(tx, d0, p)
        await answer(tx, d1, people[0])
        await answer(tx, d0, people[0])  # a second answer of the same person is not one more
    async with store.transaction(read_only=True) as tx:
        assert [await tx.answer_count(d.id) for d in (d0, d1, d2)] == [3, 1, 0]
        assert await tx.answer_count(987_654) == 0


# --- streaks and leaderboards --------------------------------------------------------------


async def test_streaks_are_saved_per_person_and_channel(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        ann = await person(tx, external="ann")
        bob = await person(tx, external="bob")
        assert await tx.get_streak(ann.id, ch.id) is None
        await tx.save_streak(Streak(ann.id, ch.id, 1, 1, day(0)))
        await tx.save_streak(Streak(ann.id, other.id, 0, 4, None))
        await tx.save_streak(Streak(bob.id, ch.id, 2, 2, day(0)))
    async with store.transaction() as tx:
        await tx.save_streak(Streak(ann.id, ch.id, 2, 3, day(1)))  # overwrite
    async with store.transaction() as tx:
        assert await tx.get_streak(ann.id, ch.id) == Streak(ann.id, ch.id, 2, 3, day(1))
        assert await tx.get_streak(ann.id, other.id) == Streak(ann.id, other.id, 0, 4, None)
        mine = await tx.streaks([ann.id])
        assert sorted(mine, key=lambda s: s.channel_id) == [
            Streak(ann.id, ch.id, 2, 3, day(1)),
            Streak(ann.id, other.id, 0, 4, None),
        ]
        assert len(await tx.streaks([ann.id, bob.id])) == 3
        assert await tx.streaks([]) == []


async def test_leaderboard_sums_points_answers_and_correct(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        ann = await person(tx, external="ann")
        bob = await person(tx, external="bob")
        days = [await drill(tx, ch, local_date=day(n), scheduled_at=at(24 * n)) for n in range(4)]
        side = await drill(tx, other, local_date=day(1), scheduled_at=at(24))
        await answer(tx, days[0], ann, points=10, correct=True)
        await answer(tx, days[1], ann, points=5, correct=False)
        await answer(tx, days[2], ann, points=7, correct=None)  # ungraded is not correct
        await answer(tx, days[3], ann, points=20, correct=True)
        await answer(tx, days[1], bob, points=3, correct=True)
        await answer(tx, side, ann, points=100, correct=True)
        # Another workspace with the same people ids and channel ids must never leak in.
        foreign = await channel(tx, "W2", "C1")
        stranger = await person(tx, "W2", "ann")
        await answer(tx, await drill(tx, foreign, local_date=day(1)), stranger, points=1000)

    def table(rows: list) -> dict[str, tuple[int, int, int]]:  # type: ignore[type-arg]
        return {r.user: (r.points, r.answers, r.correct) for r in rows}

    async with store.transaction() as tx:
        everything = await tx.leaderboard("W1", None, None, None)
        assert table(everything) == {"ann": (142, 5, 3), "bob": (3, 1, 1)}
        row = next(r for r in everything if r.user == "ann")
        assert (row.person_id, row.display_name) == (ann.id, "name-ann")
        assert (row.current_streak, row.best_streak, row.incident_points) == (0, 0, 0)

        assert table(await tx.leaderboard("W1", ch.id, None, None)) == {
            "ann": (42, 4, 2),
            "bob": (3, 1, 1),
        }
        # Inclusive bounds, and each one alone.
        assert table(await tx.leaderboard("W1", ch.id, day(1), day(2))) == {
            "ann": (12, 2, 0),
            "bob": (3, 1, 1),
        }
        assert table(await tx.leaderboard("W1", ch.id, day(2), None)) == {"ann": (27, 2, 1)}
        assert table(await tx.leaderboard("W1", ch.id, None, day(0))) == {"ann": (10, 1, 1)}
        assert table(await tx.leaderboard("W1", other.id, None, None)) == {"ann": (100, 1, 1)}
        assert await tx.leaderboard("W1", ch.id, day(10), None) == []
        assert table(await tx.leaderboard("W2", None, None, None)) == {"ann": (1000, 1, 1)}
        # A channel of another workspace gives nothing through this workspace.
        assert await tx.leaderboard("W1", foreign.id, None, None) == []
        assert await tx.leaderboard("W-none", None, None, None) == []


async def test_leaderboard_shows_the_current_display_name(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx, external="ann")
        await answer(tx, await drill(tx, await channel(tx)), ann)
        await tx.ensure_person("W1", "ann", "Ann Renamed")
    async with store.transaction() as tx:
        [row] = await tx.leaderboard("W1", None, None, None)
        assert row.display_name == "Ann Renamed"


# --- one-off posts and practice ------------------------------------------------------------


async def test_claim_post_once_and_release(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        assert await tx.claim_post(ch.id, "leaderboard", "2025-W10") is True
    async with store.transaction() as tx:
        assert await tx.claim_post(ch.id, "leaderboard", "2025-W10") is False
        assert await tx.claim_post(ch.id, "leaderboard", "2025-W11") is True
        assert await tx.claim_post(ch.id, "digest", "2025-W10") is True
        assert await tx.claim_post(other.id, "leaderboard", "2025-W10") is True
    async with store.transaction() as tx:
        await tx.release_post(ch.id, "leaderboard", "2025-W10")
        await tx.release_post(ch.id, "leaderboard", "never-claimed")  # harmless
    async with store.transaction() as tx:
        assert await tx.claim_post(ch.id, "leaderboard", "2025-W10") is True
        assert await tx.claim_post(ch.id, "digest", "2025-W10") is False


async def test_practice_is_remembered_replaced_and_forgotten(store: Store) -> None:
    async with store.transaction() as tx:
        ann = await person(tx, external="ann")
        bob = await person(tx, external="bob")
        assert await tx.get_practice(ann.id) is None
        await tx.set_practice(ann.id, "q-1", at(0))
        await tx.set_practice(bob.id, "q-9", at(0))
    async with store.transaction() as tx:
        assert await tx.get_practice(ann.id) == "q-1"
        await tx.set_practice(ann.id, "q-2", at(1))
    async with store.transaction() as tx:
        assert await tx.get_practice(ann.id) == "q-2"
        await tx.set_practice(ann.id, None, at(2))
        await tx.set_practice(ann.id, None, at(2))  # forgetting twice is fine
    async with store.transaction() as tx:
        assert await tx.get_practice(ann.id) is None
        assert await tx.get_practice(bob.id) == "q-9"


@pytest.mark.parametrize("failure", ["claim", "answer"])
async def test_rollback_undoes_claims_and_answers(store: Store, failure: str) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx)
        d = await drill(tx, ch)
    with pytest.raises(RuntimeError, match="post failed"):
        async with store.transaction() as tx:
            if failure == "claim":
                assert await claim(tx, ch, local_date=day(1)) is not None
                assert await tx.claim_post(ch.id, "leaderboard", "w") is True
            else:
                assert await answer(tx, d, ann) is not None
                assert await tx.claim_submission("W1", "evt") is True
            raise RuntimeError("post failed")
    async with store.transaction() as tx:
        # Nothing was kept, so the retry can claim the same keys again.
        assert await claim(tx, ch, local_date=day(1)) is not None
        assert await tx.claim_post(ch.id, "leaderboard", "w") is True
        assert await answer(tx, d, ann) is not None
        assert await tx.claim_submission("W1", "evt") is True


# --- the streak, counted as the answer is recorded -----------------------------------------


async def answered(store: Store, d: Drill, p: Person) -> Streak:
    """The person answers the drill (again, when they already did); their streak after it."""
    async with store.transaction() as tx:
        await answer(tx, d, p)
        streak = await tx.get_streak(p.id, d.channel_id)
    assert streak is not None
    return streak


async def test_an_answer_advances_the_streak_by_the_domain_rule(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        p = await person(tx)
        drills = {
            n: await drill(tx, ch, local_date=day(n), scheduled_at=at(24 * n))
            for n in (0, 1, 2, 3, 7)  # Mon..Thu, then next Mon (a weekend without drills)
        }
        await tx.add_away(p.id, day(2), day(2))  # away on Wednesday
    steps = []
    for n in (0, 1, 1, 3, 7):  # Tue answered twice; Wed skipped while away; then Thu and Mon
        s = await answered(store, drills[n], p)
        steps.append((s.current, s.best, s.last_date))
    assert steps == [
        (1, 1, day(0)),
        (2, 2, day(1)),
        (2, 2, day(1)),
        (3, 3, day(3)),
        (4, 4, day(7)),
    ]
    async with store.transaction() as tx:
        assert await tx.get_streak(p.id, ch.id) == Streak(p.id, ch.id, 4, 4, day(7))


async def test_the_streak_restarts_after_a_missed_drill_day(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        p = await person(tx)
        drills = [
            await drill(tx, ch, local_date=day(n), scheduled_at=at(24 * n)) for n in (0, 1, 2)
        ]
        # Tuesday missed; a failed (never posted) drill day does not count either.
        await drill(tx, ch, local_date=day(3), scheduled_at=at(72), state=DrillState.FAILED)
    await answered(store, drills[0], p)
    after_gap = await answered(store, drills[2], p)
    assert (after_gap.current, after_gap.best, after_gap.last_date) == (1, 1, day(2))


async def test_the_streak_looks_back_past_away_and_unposted_days_only(store: Store) -> None:
    # A long history with two drills a day: the previous day is found however far back the
    # person's away days push it, and only among this channel's posted drills.
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        p = await person(tx)
        daily: dict[int, Drill] = {}
        mcqs: dict[int, Drill] = {}
        for n in range(24):
            state = DrillState.FAILED if n in (16, 20) else DrillState.POSTED
            mcq = DrillState.FAILED if n == 20 else DrillState.POSTED
            daily[n] = await drill(tx, ch, local_date=day(n), scheduled_at=at(24 * n), state=state)
            mcqs[n] = await drill(
                tx, ch, slot=Slot.MCQ, local_date=day(n), scheduled_at=at(24 * n + 1), state=mcq
            )
        for n in range(24, 30):  # another channel's later days never count here
            await drill(tx, other, local_date=day(n), scheduled_at=at(24 * n))
        daily[29] = await drill(tx, ch, local_date=day(29), scheduled_at=at(24 * 29))
        await tx.add_away(p.id, day(18), day(19))
    # 15; 17 after missing 16 (its MCQ was posted: a drill day); 21 skips the away days and
    # the day nothing was posted; 22's daily and then its MCQ (one day, counted once); 29 after
    # missing 23.
    answers = (daily[15], daily[17], daily[21], daily[22], mcqs[22], daily[29])
    steps = []
    for d in answers:
        s = await answered(store, d, p)
        steps.append((s.current, s.best, s.last_date))
    assert steps == [
        (1, 1, day(15)),
        (1, 1, day(17)),
        (2, 2, day(21)),
        (3, 3, day(22)),
        (3, 3, day(22)),
        (1, 3, day(29)),
    ]
