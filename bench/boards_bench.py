"""Benchmark the read paths of boards and standings on SQLite and PostgreSQL (issue 9, part 3).

One workspace of ``--people`` people in 50 channels with ``--answers`` answers: a drill every
weekday in every channel, each person answering ``--participation`` of their channel's drills
(so 1,000,000 answers from 10,000 people at 0.4 are a year of drills) and some away periods,
inserted in bulk into the migrated schema (so the database's triggers build the weekly totals
and the streaks as they do for every answer). Measured through
the engine as the chat calls it, for people picked at random (most outside the top ten, so
their rank is counted):

- ``/drill stats`` (a direct message: the person's week, all time, weekly rank, streak, recent);
- the Home tab (the same, plus the workspace's weekly board);
- ``/drill leaderboard`` from a direct message (the workspace's weekly board).

Each prints the median (and minimum, p90) of ``--rounds`` calls and the cold first call (a
freshly opened store: empty connection pool and statement caches; the operating system's file
cache stays warm), then the load average, since other work on the machine inflates them all.
Target: <= 20 ms median each. The clock stands on the last drill day (a Friday), after its
answer window closed, so the week holds five days of answers.

Run: .venv/bin/python -m bench.boards_bench [--people N --answers M] [--db sqlite|postgres|both]
PostgreSQL: DRILLBOT_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
the benchmark creates and drops its own database there.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import func, select, text

from bench import databases
from bot import memory
from bot.bootstrap import make_engine
from bot.config import Settings
from bot.content.loader import load_library
from bot.db.sql_store import SqlStore, open_store
from bot.db.tables import (
    AnswerRow,
    AwayPeriodRow,
    ChannelRow,
    DrillRow,
    PersonRow,
    StreakRow,
    WeekTotalRow,
    WorkspaceRow,
)
from bot.domain.items import OpenQuestion
from bot.domain.model import Schedule
from bot.messaging.message import Message
from bot.scheduling.clock import ManualClock
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.engine import Engine
from bot.testing.null_chat import NullChat

WORKSPACE = "Tboards"
CHANNELS = 50
CHUNK = 20_000
"""Rows per multi-row INSERT batch while seeding."""
TARGET_MS = 20.0
ITEM = "event-loop-non-blocking-io"
"""The open question every seeded drill asks."""


def database(kind: str, keep: bool = False, shape: str = "") -> AbstractAsyncContextManager[str]:
    """The benchmark's database; with ``keep``, the one an earlier run of the same ``shape``
    (people, answers, participation) seeded, kept for the next (insights_bench shares it)."""
    return databases.database(kind, f"boards{shape}", keep)


def add_keep(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the seeded database for the next run, and reuse one kept by an earlier run "
        "of the same shape (boards_bench and insights_bench share it)",
    )


def shape_of(people: int, answers: int, participation: float) -> str:
    return f"_{people}_{answers}_{round(participation * 100)}"


def weekdays_ending_friday(count: int) -> list[dt.date]:
    """``count`` consecutive weekdays, oldest first, the last a Friday."""
    days: list[dt.date] = []
    d = dt.date(2026, 11, 27)  # a Friday
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d)
        d -= dt.timedelta(days=1)
    return days[::-1]


async def insert(store: SqlStore, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert in batches: SQLAlchemy sends each batch as multi-row INSERTs."""
    for at in range(0, len(rows), CHUNK):
        async with store.engine.begin() as conn:
            await conn.execute(table.__table__.insert(), rows[at : at + CHUNK])


async def seed(store: SqlStore, people: int, answers: int, participation: float) -> dt.date:
    """The workspace, its channels, people, drills, answers, streaks and away periods; their
    last drill day. A database seeded before (a kept one) is left as it is."""
    async with store.engine.connect() as conn:
        seeded = (await conn.execute(select(func.max(DrillRow.local_date)))).scalar_one()
    if seeded is not None:
        return seeded if isinstance(seeded, dt.date) else dt.date.fromisoformat(seeded)
    rng = random.Random(9)
    days = weekdays_ending_friday(max(1, round(answers / (people * participation))))
    async with store.transaction() as tx:
        await tx.ensure_workspace(WORKSPACE, "bench", "Boards bench")
        channel_ids = []
        for c in range(CHANNELS):
            channel = await tx.ensure_channel(WORKSPACE, f"C{c:03d}", f"team-{c}")
            await tx.save_schedule(channel.id, Schedule(timezone="UTC"))
            channel_ids.append(channel.id)
    await insert(
        store,
        PersonRow,
        [
            {"workspace_id": WORKSPACE, "external_id": f"U{p:05d}", "display_name": f"person {p}"}
            for p in range(people)
        ],
    )
    async with store.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT id FROM people WHERE workspace_id = :w ORDER BY id"), {"w": WORKSPACE}
        )
        person_ids = [row.id for row in result]

    drill_rows = []
    for day in days:
        at = dt.datetime.combine(day, dt.time(9, 30), dt.UTC)
        for cid in channel_ids:
            drill_rows.append(
                {
                    "workspace_id": WORKSPACE,
                    "channel_id": cid,
                    "slot": "daily",
                    "local_date": day,
                    "item_id": ITEM,
                    "kind": "open",
                    "scheduled_at": at,
                    "reveal_at": at + dt.timedelta(hours=6),
                    "state": "posted",
                    "message_ref": None,
                    "revealed_at": at + dt.timedelta(hours=6),
                }
            )
    await insert(store, DrillRow, drill_rows)
    async with store.engine.connect() as conn:
        result = await conn.execute(select(DrillRow.id, DrillRow.channel_id, DrillRow.local_date))
        drill_of = {(row.channel_id, row.local_date): row.id for row in result}

    question = load_library().get(ITEM)
    assert isinstance(question, OpenQuestion)
    points = [k.id for k in question.key_points]
    mistakes = [m.id for m in question.mistakes]
    # Each person keeps to one channel; a per-person habit spreads points and streaks out.
    habit = [min(0.98, max(0.02, rng.gauss(participation, 0.2))) for _ in person_ids]
    batch: list[dict[str, Any]] = []
    for day in days:
        at = dt.datetime.combine(day, dt.time(10), dt.UTC)
        for i, pid in enumerate(person_ids):
            if rng.random() >= habit[i]:
                continue
            cid = channel_ids[i % CHANNELS]
            score = rng.random()
            batch.append(
                {
                    "drill_id": drill_of[(cid, day)],
                    "person_id": pid,
                    "workspace_id": WORKSPACE,
                    "channel_id": cid,
                    "local_date": day,
                    "choice": None,
                    "text": "bench",
                    "correct": score >= 0.5,
                    "coverage": score,
                    # What the grader would have found: more key points the better the answer.
                    "covered": points[: round(score * len(points))],
                    "mistakes": mistakes[:1] if score < 0.3 else [],
                    "points": 5 + round(10 * score),
                    "delivery": None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        if len(batch) >= CHUNK:
            await insert(store, AnswerRow, batch)
            batch = []
    await insert(store, AnswerRow, batch)
    away = []
    for pid in rng.sample(person_ids, len(person_ids) // 10):
        start = rng.choice(days)
        away.append(
            {"person_id": pid, "start_date": start, "end_date": start + dt.timedelta(days=4)}
        )
    await insert(store, AwayPeriodRow, away)
    return days[-1]


async def refresh_statistics(store: SqlStore, kind: str) -> None:
    """What a running database does by itself after a bulk load (autovacuum on PostgreSQL,
    the recommended periodic ANALYZE on SQLite), so the planner sees the tables as they are."""
    if kind == "postgres":
        async with store.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            tables = (AnswerRow, WeekTotalRow, PersonRow, StreakRow, DrillRow, AwayPeriodRow)
            for table in (*tables, ChannelRow):
                await conn.execute(text(f"VACUUM ANALYZE {table.__tablename__}"))
            await conn.execute(text(f"ANALYZE {WorkspaceRow.__tablename__}"))
    else:
        async with store.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))


def engine_for(store: SqlStore, last_day: dt.date) -> Engine:
    """The bot's own wiring (incident points included), its clock after the last reveal."""
    clock = ManualClock(dt.datetime.combine(last_day, dt.time(18), dt.UTC))
    return make_engine(store, load_library(), NullChat(), clock, Settings())


def calls(engine: Engine) -> dict[str, Callable[[int], Awaitable[Message]]]:
    """The three read paths, each a call for person number ``p``."""

    def actor(p: int) -> Actor:
        return Actor(WORKSPACE, f"U{p:05d}", f"person {p}", platform="bench")

    async def stats(p: int) -> Message:
        replies = await engine.command(actor(p), Where(None), "/drill stats", f"s{p}")
        return replies.items[0].message

    async def home(p: int) -> Message:
        return await engine.home(actor(p))

    async def board(p: int) -> Message:
        replies = await engine.command(actor(p), Where(None), "/drill leaderboard", f"b{p}")
        return replies.items[0].message

    return {"/drill stats": stats, "Home tab": home, "weekly board (workspace)": board}


async def run(
    kind: str, people: int, answers: int, participation: float, rounds: int, keep: bool
) -> None:
    async with database(kind, keep, shape_of(people, answers, participation)) as url:
        store = await open_store(url)  # Alembic upgrades the fresh database
        try:
            started = time.perf_counter()
            last_day = await seed(store, people, answers, participation)
            await refresh_statistics(store, kind)
            async with store.engine.connect() as conn:
                count = (await conn.execute(text("SELECT count(*) FROM answers"))).scalar_one()
                streaks = (await conn.execute(text("SELECT count(*) FROM streaks"))).scalar_one()
            print(
                f"[{kind}] seeded {count:,} answers, {streaks:,} streak rows, {people:,} people "
                f"in {CHANNELS} channels in {time.perf_counter() - started:.1f} s"
            )
        finally:
            await store.close()

        rng = random.Random(3)
        cold: dict[str, float] = {}
        for label in calls(engine_for(store, last_day)):
            # Each path's first call on a store of its own, opened just before.
            fresh = await open_store(url, upgrade=False)
            try:
                call = calls(engine_for(fresh, last_day))[label]
                start = time.perf_counter()
                await call(rng.randrange(people))
                cold[label] = (time.perf_counter() - start) * 1000
            finally:
                await fresh.close()

        store = await open_store(url, upgrade=False)
        try:
            paths = calls(engine_for(store, last_day))
            for call in paths.values():  # warm the pool and statement caches, as a running bot is
                for _ in range(5):
                    await call(rng.randrange(people))
            memory.settle_heap()  # as `drillbot run` does once it has started
            for label, call in paths.items():
                times = []
                for _ in range(rounds):
                    person = rng.randrange(people)
                    start = time.perf_counter()
                    message = await call(person)
                    times.append((time.perf_counter() - start) * 1000)
                    assert message.blocks, label
                median = statistics.median(times)
                verdict = "meets" if median <= TARGET_MS else "MISSES"
                print(
                    f"[{kind}] {label}: median {median:.1f} ms (min {min(times):.1f}, p90 "
                    f"{statistics.quantiles(times, n=10)[-1]:.1f}), cold first call "
                    f"{cold[label]:.1f} ms ({verdict} target <= {TARGET_MS:.0f} ms median)"
                )
            # Other work on the machine inflates every figure: say how much there was.
            print(f"[{kind}] load average while measuring: {os.getloadavg()[0]:.1f}")
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument(
        "--participation",
        type=float,
        default=0.4,
        help="share of their channel's drills a person answers, on average (1 = every one)",
    )
    parser.add_argument("--rounds", type=int, default=100)
    add_keep(parser)
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        asyncio.run(
            run(kind, args.people, args.answers, args.participation, args.rounds, args.keep)
        )


if __name__ == "__main__":
    main()
