"""Boards read in the database (issue 9, part 3): the top places, one person's row and place,
and the drill days a current streak is checked against, the same on every store.

The memory store applies ``bot.domain.standings`` directly; the SQL store spells the same
order in SQL, so these tests hold the two to the same results.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.db.sql_store import SqlStore
from bot.db.tables import AnswerRow, WeekTotalRow
from bot.domain.model import DrillState, LeaderboardRow, Schedule, Slot, Streak
from bot.domain.standings import ranked
from bot.services.store import Store
from tests.db.builders import answer, at, channel, claim, day, drill, person

# (external id, display name, [(day, points, correct)], stored best streak)
PEOPLE: list[tuple[str, str, list[tuple[int, int, bool | None]], int]] = [
    ("u1", "Zed", [(0, 15, True), (1, 15, True)], 0),
    ("u2", "amy", [(0, 20, True), (1, 10, False)], 1),  # 30 points, as Zed, but fewer correct
    ("u3", "Bob", [(0, 15, True), (2, 5, True)], 4),  # 20 points, 2 correct
    ("u4", "bob", [(1, 10, True), (2, 10, True)], 4),  # tied with Bob but for the user id
    ("u5", "Cy", [(1, 12, True), (2, 8, True)], 6),  # 20 points, 2 correct, a longer best
    ("u6", "a-c", [(2, 7, False)], 0),  # names by code point: "a-c" before "ab"
    ("u7", "ab", [(3, 7, False)], 0),
    ("u8", "Dee", [(3, 1, None)], 2),
]


async def seeded(store: Store) -> dict[str, int]:
    """The people above on one channel, with their stored streaks; returns their ids."""
    ids: dict[str, int] = {}
    async with store.transaction() as tx:
        ch = await channel(tx)
        days = [await drill(tx, ch, local_date=day(n), scheduled_at=at(24 * n)) for n in range(4)]
        for user, name, answers, best in PEOPLE:
            await person(tx, external=user)
            p = await tx.ensure_person("W1", user, name)
            ids[user] = p.id
            for n, points, correct in answers:
                await answer(tx, days[n], p, points=points, correct=correct)
            if best:
                await tx.save_streak(Streak(p.id, ch.id, 1, best, day(answers[-1][0])))
    return ids


def users(rows: list[LeaderboardRow]) -> list[str]:
    return [r.user for r in rows]


ORDER = ["u1", "u2", "u5", "u3", "u4", "u6", "u7", "u8"]


async def test_the_board_is_in_the_boards_order_and_cut_at_the_limit(store: Store) -> None:
    await seeded(store)
    async with store.transaction(read_only=True) as tx:
        every = await tx.board("W1", None, None, None, None)
        assert users(every) == ORDER
        assert users(ranked(every)) == ORDER  # the domain's rule agrees with the store's
        assert users(await tx.board("W1", None, None, None, 3)) == ORDER[:3]
        assert await tx.board("W1", None, None, None, 0) == []
        bob = next(r for r in every if r.user == "u3")
        assert (bob.display_name, bob.points, bob.answers, bob.correct) == ("Bob", 20, 2, 2)
        assert (bob.best_streak, bob.current_streak, bob.incident_points) == (4, 0, 0)
        # A period, days 2 and 3: the two 7-point answers tie, and names decide by code point.
        in_period = await tx.board("W1", None, day(2), day(3), None)
        assert users(in_period) == ["u4", "u5", "u6", "u7", "u3", "u8"]


async def test_a_persons_row_and_place_agree_with_the_board(store: Store) -> None:
    ids = await seeded(store)
    async with store.transaction(read_only=True) as tx:
        for start, end in ((None, None), (day(1), day(2)), (day(3), None)):
            board = await tx.board("W1", None, start, end, None)
            for place, row in enumerate(board, start=1):
                assert await tx.board_row("W1", None, start, end, row.person_id) == row
                assert await tx.place_on_board("W1", None, start, end, row) == place
                assert await tx.board_and_place("W1", None, start, end, 3, row) == (
                    board[:3],
                    place,
                )
        # No answer in the period: no row (and so no place).
        assert await tx.board_row("W1", None, day(3), None, ids["u1"]) is None
        assert await tx.board_row("W2", None, None, None, ids["u1"]) is None


async def test_the_best_streak_is_the_channels_or_the_best_channels(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        ann = await person(tx, external="ann")
        ben = await person(tx, external="ben")
        d1 = await drill(tx, ch)
        d2 = await drill(tx, other)
        for p in (ann, ben):
            await answer(tx, d1, p, points=10)
            await answer(tx, d2, p, points=10)
        await tx.save_streak(Streak(ann.id, ch.id, 1, 2, day(0)))
        await tx.save_streak(Streak(ann.id, other.id, 1, 5, day(0)))
        await tx.save_streak(Streak(ben.id, ch.id, 1, 3, day(0)))
        # A foreign workspace's stranger outscores everyone and never shows.
        foreign = await channel(tx, "W2", "C1")
        stranger = await person(tx, "W2", "ann")
        await answer(tx, await drill(tx, foreign), stranger, points=1000)
    async with store.transaction(read_only=True) as tx:
        workspace = await tx.board("W1", None, None, None, None)
        assert [(r.user, r.best_streak) for r in workspace] == [("ann", 5), ("ben", 3)]
        on_ch = await tx.board("W1", ch.id, None, None, None)
        assert [(r.user, r.points, r.best_streak) for r in on_ch] == [
            ("ben", 10, 3),
            ("ann", 10, 2),
        ]
        row = await tx.board_row("W1", ch.id, None, None, ann.id)
        assert row is not None and (row.points, row.best_streak) == (10, 2)
        assert await tx.place_on_board("W1", ch.id, None, None, row) == 2
        # A channel of another workspace gives nothing through this one.
        assert await tx.board("W1", foreign.id, None, None, None) == []


async def test_drills_after_gives_each_channels_posted_drills_after_its_day(store: Store) -> None:
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        for n in range(4):
            await drill(tx, ch, local_date=day(n), scheduled_at=at(24 * n))
            await drill(tx, other, local_date=day(n), scheduled_at=at(24 * n))
        await drill(tx, ch, slot=Slot.MCQ, local_date=day(3), scheduled_at=at(24 * 3 + 4))
        await claim(tx, ch, local_date=day(5), scheduled_at=at(24 * 5), state=DrillState.CLAIMED)
    async with store.transaction(read_only=True) as tx:
        got = await tx.drills_after({ch.id: day(1), other.id: day(2)})
        assert sorted((d.channel_id, d.local_date, d.slot) for d in got) == [
            (ch.id, day(2), Slot.DAILY),
            (ch.id, day(3), Slot.DAILY),
            (ch.id, day(3), Slot.MCQ),
            (other.id, day(3), Slot.DAILY),
        ]
        assert await tx.drills_after({}) == []
        first = await tx.drills_after({ch.id: day(1), other.id: day(2)}, 2)
        assert [(d.channel_id, d.local_date, d.slot) for d in first] == [
            (ch.id, day(2), Slot.DAILY),
            (ch.id, day(3), Slot.DAILY),
            (other.id, day(3), Slot.DAILY),
        ]
        assert await tx.drills_after({ch.id: day(3)}) == []  # the claimed one was never posted
        wanted = [d.id for d in got[:2]]
        assert sorted(d.id for d in await tx.get_drills([*wanted, wanted[0], 10**6])) == wanted
        assert await tx.get_drills([]) == []


async def test_first_zone_is_the_first_scheduled_channels(store: Store) -> None:
    async with store.transaction() as tx:
        unscheduled = await channel(tx, external="C0")
        first = await channel(tx, external="C1")
        second = await channel(tx, external="C2")
        await tx.save_schedule(second.id, Schedule(timezone="Asia/Tokyo"))
        assert await tx.first_zone("W1") == "Asia/Tokyo"
        await tx.save_schedule(first.id, Schedule(timezone="Europe/Berlin"))
        assert await tx.first_zone("W1") == "Europe/Berlin"
        assert unscheduled.id < first.id
        assert await tx.first_zone("W2") is None


async def test_a_weeks_board_follows_answers_as_they_are_added_edited_and_removed(
    store: Store,
) -> None:
    """On the SQL stores a workspace's week comes from totals the database keeps (migration
    0007); it must say what the answers say, across weeks and after an edit."""
    week, next_week = (day(0), day(6)), (day(7), day(13))
    async with store.transaction() as tx:
        ch = await channel(tx)
        other = await channel(tx, external="C2")
        ann = await person(tx, external="ann")
        ben = await person(tx, external="ben")
        mon = await drill(tx, ch)
        sun = await drill(tx, other, local_date=day(6), scheduled_at=at(24 * 6))
        later = await drill(tx, ch, local_date=day(7), scheduled_at=at(24 * 7))
        first = await answer(tx, mon, ann, points=10, correct=True)
        await answer(tx, sun, ann, points=5, correct=False)  # Sunday: still that week
        await answer(tx, mon, ben, points=12, correct=True)
        await answer(tx, later, ben, points=20, correct=True)
        assert first is not None

    def table(rows: list[LeaderboardRow]) -> list[tuple[str, int, int, int]]:
        return [(r.user, r.points, r.answers, r.correct) for r in rows]

    async with store.transaction(read_only=True) as tx:
        assert table(await tx.board("W1", None, *week, None)) == [
            ("ann", 15, 2, 1),
            ("ben", 12, 1, 1),
        ]
        assert table(await tx.board("W1", None, *next_week, None)) == [("ben", 20, 1, 1)]
        assert await tx.board("W2", None, *week, None) == []
    async with store.transaction() as tx:
        await tx.update_answer(
            first.id,
            text="better",
            coverage=0.2,
            covered=(),
            mistakes=(),
            points=1,
            correct=False,
            now=at(2),
        )
    async with store.transaction(read_only=True) as tx:
        board = await tx.board("W1", None, *week, None)
        assert table(board) == [("ben", 12, 1, 1), ("ann", 6, 2, 0)]
        ann_row = await tx.board_row("W1", None, *week, ann.id)
        assert ann_row == board[1]
        assert await tx.place_on_board("W1", None, *week, board[1]) == 2
        assert await tx.board_row("W1", None, *next_week, ann.id) is None
        # The same days as a period that is not one week (summed from the answers) agree.
        assert table(await tx.board("W1", None, day(-1), day(6), None)) == table(board)


async def test_removed_answers_leave_the_weeks_totals(sql_store: SqlStore) -> None:
    async with sql_store.transaction() as tx:
        ch = await channel(tx)
        ann = await person(tx, external="ann")
        ben = await person(tx, external="ben")
        d = await drill(tx, ch)
        await answer(tx, d, ann, points=10)
        await answer(tx, d, ben, points=7)
    async with sql_store.engine.begin() as conn:
        await conn.execute(delete(AnswerRow).where(AnswerRow.person_id == ann.id))
    async with sql_store.transaction(read_only=True) as tx:
        assert [r.user for r in await tx.board("W1", None, day(0), day(6), None)] == ["ben"]
        assert await tx.board_row("W1", None, day(0), day(6), ann.id) is None
    async with sql_store.engine.connect() as conn:
        kept = (await conn.execute(select(WeekTotalRow.person_id, WeekTotalRow.points))).all()
        assert [tuple(r) for r in kept] == [(ben.id, 7)]  # a week with no answer left has no row
