"""Boards as every reader sees them: the channel board, `/drill stats`, the Home tab.

Issue 8, part 5: one current streak whatever clock reads it, incident points on the boards, and
no rank or accuracy for people with no answers in the period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from bot.domain.incident_rules import SessionState
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.boards import Boards
from bot.services.engine import Engine
from bot.services.incident_store import IncidentStore
from bot.services.incidents import Incidents
from bot.testing.harness import WORKSPACE, Harness, text_of
from bot.testing.memory_incident_store import MemoryIncidentStore

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
