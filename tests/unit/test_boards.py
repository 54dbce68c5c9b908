"""Boards as every reader sees them: the channel board, `/drill stats`, the Home tab.

Issue 8, part 5: one current streak whatever clock reads it, incident points on the boards, and
no rank or accuracy for people with no answers in the period.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from bot.domain.incident_rules import SessionState
from bot.domain.model import LeaderboardRow, Slot, Streak
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.answers import Actor
from bot.services.boards import Boards
from bot.services.commands import Where
from bot.services.engine import Engine
from bot.services.incident_store import IncidentStore
from bot.services.incidents import Incidents
from bot.testing.harness import CHANNEL, WORKSPACE, Harness, text_of
from bot.testing.memory_incident_store import MemoryIncidentStore
from bot.testing.memory_store import MemoryTx
from tests.db import builders as b

ANSWER = "/drill answer hot data with a ttl"


def with_incidents(h: Harness) -> MemoryIncidentStore:
    """Give the harness's engine mock incidents, as bootstrap wires them in production."""
    incident_store = MemoryIncidentStore()
    h.engine = Engine(h.deps, incidents=Incidents(h.deps, incident_store))
    h.time = VirtualTime(h.clock, h.engine)
    return incident_store


async def practised(h: Harness, store: IncidentStore, user: str, points: int, day: dt.date) -> None:
    """A finished mock incident worth ``points``, started on ``day``."""
    now = h.clock.now()
    async with h.store.transaction() as tx:
        person = await tx.ensure_person(WORKSPACE, user, user.capitalize())
    async with store.transaction() as itx:
        session = await itx.start(
            workspace_id=WORKSPACE,
            person_id=person.id,
            user_id=user,
            display_name=user.capitalize(),
            scenario_id="incident-catalog-latency",
            now=now,
            local_date=day,
        )
        assert session is not None
        done = replace(session, state=SessionState.FINISHED, points=points, finished_at=now)
        assert await itx.save(done) is not None


def table_lines(text: str) -> list[list[str]]:
    """The numbered rows of a rendered leaderboard table."""
    return [line.split() for line in text.splitlines() if re.match(r"\s*\d+\s{2}", line)]


# --- 1. one current streak --------------------------------------------------------------------


async def test_the_streak_does_not_depend_on_the_readers_clock() -> None:
    """`drillbot leaderboard` reads with the system clock, the console with its own: a board
    read from an earlier clock must not bring back a streak that missed days broke."""
    h = Harness()
    await h.setup()
    for day in ("2026-11-30", "2026-12-01", "2026-12-02"):  # Mon-Wed answered
        await h.at(f"{day}T09:30")
        await h.say("alice", ANSWER)
    await h.at("2026-12-04T18:00")  # Thursday's and Friday's drills closed unanswered
    board = {r.user: r for r in await h.engine.boards.rows(WORKSPACE, None, "all")}
    assert (board["alice"].current_streak, board["alice"].best_streak) == (0, 3)
    assert "0 days (best 3)" in await h.say("alice", "/drill stats")

    earlier = replace(h.deps, clock=ManualClock(dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    read_elsewhere = await Boards(earlier).rows(WORKSPACE, None, "all")
    assert [(r.user, r.current_streak, r.best_streak) for r in read_elsewhere] == [("alice", 0, 3)]


async def test_a_missed_day_breaks_the_streak_once_its_window_closed_even_before_the_reveal() -> (
    None
):
    """The rule answers use: a drill takes answers until its reveal time. A board read while
    the bot is down (no reveal posted yet) must not count that day as still open."""
    h = Harness()
    await h.setup()
    for day in ("2026-11-30", "2026-12-01"):
        await h.at(f"{day}T09:30")
        await h.say("alice", ANSWER)
    await h.at("2026-12-02T09:30")  # Wednesday's drill is posted...
    h.clock.set(dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC))  # ...and closes, nobody ticking
    rows = await h.engine.boards.rows(WORKSPACE, None, "all")
    assert [(r.user, r.current_streak) for r in rows] == [("alice", 0)]


# --- 2. incident points -------------------------------------------------------------------------


async def test_incident_points_reach_the_boards_and_stats_apart_from_drill_points() -> None:
    h = Harness()
    incidents = with_incidents(h)
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("alice", ANSWER)
    await h.say("bob", ANSWER)
    await practised(h, incidents, "alice", 12, dt.date(2026, 11, 30))
    await practised(h, incidents, "dave", 30, dt.date(2026, 11, 30))

    rows = {r.user: r for r in await h.engine.boards.rows(WORKSPACE, None, "this-week")}
    assert {u: r.incident_points for u, r in rows.items()} == {"alice": 12, "bob": 0, "dave": 30}
    assert rows["alice"].points == rows["bob"].points  # kept apart, as the debrief says

    channel_board = await h.say("carol", "/drill leaderboard")
    assert "Incident practice (kept apart): Dave 30, Alice 12" in channel_board
    stats = await h.say("alice", "/drill stats")
    assert "Incident practice" in stats and "12 points" in stats
    home = text_of(await h.engine.home(h.actor("alice")))
    assert "Incident practice (kept apart): Dave 30, Alice 12" in home


# --- 4. no answers, no rank ---------------------------------------------------------------------


async def test_people_with_no_answers_get_no_rank_and_no_accuracy() -> None:
    h = Harness()
    incidents = with_incidents(h)
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("alice", ANSWER)
    await practised(h, incidents, "dave", 30, dt.date(2026, 11, 30))  # no drill answer

    board = await h.say("carol", "/drill leaderboard")
    assert [row[1] for row in table_lines(board)] == ["Alice"]  # dave is not ranked
    assert "Dave 30" in board  # but his practice still shows, apart

    stats = await h.say("dave", "/drill stats")
    assert "0%" not in stats and "rank" not in stats
    assert "no answers" in stats
    home = text_of(await h.engine.home(h.actor("dave")))
    assert re.search(r"^Accuracy\s+—$", home, re.M) and "rank" not in home
    standing = await h.engine.boards.standing(WORKSPACE, "dave")
    assert standing.rank is None

    alice = await h.say("alice", "/drill stats")
    assert "100% accuracy · rank 1" in alice


async def test_an_empty_period_still_shows_incident_practice() -> None:
    h = Harness()
    incidents = with_incidents(h)
    await h.setup()
    await h.at("2026-11-30T09:00")
    await practised(h, incidents, "dave", 30, dt.date(2026, 11, 30))
    board = await h.say("carol", "/drill leaderboard")
    assert "No answers yet in this period." in board
    assert "Incident practice (kept apart): Dave 30" in board


# --- issue 9, part 3: boards read only the rows they show --------------------------------------


class Reads:
    """What the boards asked the store for: whose streaks, and whether a whole board."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.streaks_of: list[int] = []
        self.limits: list[int | None] = []
        streaks, board = MemoryTx.streaks, MemoryTx.board

        async def spy_streaks(tx: MemoryTx, person_ids: Sequence[int]) -> list[Streak]:
            self.streaks_of += person_ids
            return await streaks(tx, person_ids)

        async def spy_board(tx: MemoryTx, *args: Any) -> list[LeaderboardRow]:
            self.limits.append(args[-1])
            return await board(tx, *args)

        async def refuse(tx: MemoryTx, *args: Any) -> list[LeaderboardRow]:
            raise AssertionError("a board read every person's row")

        monkeypatch.setattr(MemoryTx, "streaks", spy_streaks)
        monkeypatch.setattr(MemoryTx, "board", spy_board)
        monkeypatch.setattr(MemoryTx, "leaderboard", refuse)


async def fifteen_answered(h: Harness) -> list[str]:
    """p01..p15 answer Monday's drill; p01-p03 Tuesday's too (more points, longer streaks)."""
    await h.setup()
    users = [f"p{n:02d}" for n in range(1, 16)]
    await h.at("2026-11-30T09:30")
    for user in users:
        await h.say(user, ANSWER)
    await h.at("2026-12-01T09:30")
    for user in users[:3]:
        await h.say(user, ANSWER)
    await h.at("2026-12-01T12:00")
    return users


async def test_a_board_reads_the_streaks_of_the_people_it_shows_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    users = await fifteen_answered(h)
    everyone = await h.engine.boards.rows(WORKSPACE, None, "this-week", limit=None)
    assert [r.user for r in everyone] == users  # 3 with two answers, then by name
    reads = Reads(monkeypatch)

    board = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    assert board == everyone[:10]
    assert sorted(set(reads.streaks_of)) == sorted(r.person_id for r in board)
    assert [(r.current_streak, r.best_streak) for r in board[:4]] == [(2, 2)] * 3 + [(1, 1)]

    text = await h.say("p15", "/drill leaderboard")
    assert [row[1] for row in table_lines(text)] == [u.capitalize() for u in users[:10]]
    assert reads.limits == [10, 10]


async def test_stats_and_home_place_a_person_outside_the_top_ten_without_the_board(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    await fifteen_answered(h)
    reads = Reads(monkeypatch)
    p13 = (await h.engine.boards.standing(WORKSPACE, "p13")).week
    assert p13 is not None

    stats = await h.say("p13", "/drill stats")
    assert "rank 13" in stats and "1 day (best 1)" in stats
    assert reads.limits == [] and set(reads.streaks_of) == {p13.person_id}

    home = text_of(await h.engine.home(h.actor("p13")))
    assert "rank 13" in home and "Leaderboard — This week" in home
    assert reads.limits == [10]
    assert len(set(reads.streaks_of)) == 11  # the ten shown, and p13

    top = text_of(await h.engine.home(h.actor("p02")))
    assert "rank 2" in top


async def away_then(
    h: Harness, away_to: int, daily_to: int, last: list[tuple[int, Slot, int]], clock: int
) -> Boards:
    """ann answers day 1's drill and is away days 2..``away_to``; the channel drills daily on
    days 1..``daily_to``, then posts the drills in ``last`` as (day, slot, hours after day 0's
    post). Returns boards whose clock stands ``clock`` hours after day 0's post."""
    async with h.store.transaction() as tx:
        ch = await b.channel(tx)
        ann = await b.person(tx, external="ann")
        first = await b.drill(tx, ch, local_date=b.day(1), scheduled_at=b.at(24))
        await b.answer(tx, first, ann)
        await tx.save_streak(Streak(ann.id, ch.id, 1, 1, b.day(1)))
        for n in range(2, daily_to + 1):
            await b.drill(tx, ch, local_date=b.day(n), scheduled_at=b.at(24 * n))
        for n, slot, hours in last:
            await b.drill(tx, ch, slot=slot, local_date=b.day(n), scheduled_at=b.at(hours))
        await tx.add_away(ann.id, b.day(2), b.day(away_to))
    return Boards(replace(h.deps, clock=ManualClock(b.at(clock))))


async def test_a_streak_is_broken_by_a_missed_day_after_many_away_days() -> None:
    """The first drills after the last answer are away days: the day that breaks the streak
    comes later than the first few drills the board reads at once."""
    missed = [(13, Slot.DAILY, 24 * 13)]
    boards = await away_then(Harness(), 12, 12, missed, 24 * 13 + 7)
    [ann] = await boards.rows("W1", None, "all", limit=None)
    assert (ann.current_streak, ann.best_streak) == (0, 1)

    boards = await away_then(Harness(), 13, 12, missed, 24 * 13 + 7)  # away that day too
    [ann] = await boards.rows("W1", None, "all", limit=None)
    assert ann.current_streak == 1


async def test_a_day_whose_second_drill_still_takes_answers_does_not_break_it() -> None:
    """Day 9's daily drill has closed; its MCQ slot, posted later, still takes answers. It is
    the ninth drill after the last answer: past the first few the board reads at once."""
    last = [(9, Slot.DAILY, 24 * 9 - 5), (9, Slot.MCQ, 24 * 9)]
    boards = await away_then(Harness(), 8, 8, last, 24 * 9 + 2)
    [ann] = await boards.rows("W1", None, "all", limit=None)
    assert ann.current_streak == 1


async def test_stats_reads_who_is_asking_once_and_a_renamed_person_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("alice", "/drill answer hot data close to the app with a ttl")
    calls: list[str] = []
    find_person, ensure_person = MemoryTx.find_person, MemoryTx.ensure_person

    async def finding(self: MemoryTx, *args: Any) -> Any:
        calls.append("find")
        return await find_person(self, *args)

    async def ensuring(self: MemoryTx, *args: Any) -> Any:
        calls.append("ensure")
        return await ensure_person(self, *args)

    monkeypatch.setattr(MemoryTx, "find_person", finding)
    monkeypatch.setattr(MemoryTx, "ensure_person", ensuring)
    assert "Your drill stats" in await h.say("alice", "/drill stats")
    assert calls == ["find"]
    # Renamed since: the name is stored anew, and the standing reads the person after that.
    calls.clear()
    renamed = Actor(WORKSPACE, "alice", "Alice B.")
    replies = await h.engine.command(renamed, Where(CHANNEL, "team"), "/drill stats", "d-r")
    assert "Your drill stats" in text_of(replies.items[0].message)
    assert calls[0] == "find" and "ensure" in calls and calls[-1] == "find"
