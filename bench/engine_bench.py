"""Benchmark the drill engine on SQLite and PostgreSQL.

1. Answers recorded per second through the full service path (grading, points, streak):
   1,000 people in 50 channels answer that day's drill (open questions and MCQs), next to a raw
   single-row INSERT loop (one row, one transaction) on the same database in the same run.
   Target: the service path at >= 50 % of the raw rate.
2. The weekly leaderboard with 1,000,000 answers from 10,000 people: median time of the board
   for one channel and for the whole workspace. Target: <= 20 ms median.

Run: .venv/bin/python -m bench.engine_bench [--db sqlite|postgres|both] [--answers 1000000]
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
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from bot.content.loader import load_library
from bot.db.sql_store import SqlStore, open_store
from bot.domain.model import DrillState, Schedule, Slot
from bot.scheduling.clock import ManualClock
from bot.services.answers import Actor, Answers
from bot.services.boards import Boards
from bot.services.deps import Deps, EngineSettings
from bot.testing.null_chat import NullChat

PEOPLE = 1_000
CHANNELS = 50
WORKSPACE = "Tbench"
ANSWER = (
    "The event loop runs JavaScript on one main thread while libuv hands slow I/O to the "
    "operating system or its thread pool; callbacks come back in phases (timers, poll, check) "
    "and promise microtasks run after each callback. Blocking it with CPU work stalls everyone."
)


@asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    import asyncpg

    base = os.environ.get(
        "DRILLBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    name = f"drillbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def seed_channels(
    store: SqlStore, day: dt.date, now: dt.datetime
) -> list[tuple[int, int, str]]:
    """One posted drill per channel (every fifth an MCQ): [(channel id, drill id, kind)]."""
    library = load_library()
    open_id = next(q.id for q in library.open_questions() if q.origin == "guide:q1")
    mcq_id = next(q.id for q in library.mcqs() if q.origin == "guide:mcq2")
    drills = []
    async with store.transaction() as tx:
        await tx.ensure_workspace(WORKSPACE, "bench", "Bench")
        for c in range(CHANNELS):
            channel = await tx.ensure_channel(WORKSPACE, f"C{c:03d}", f"team-{c}")
            await tx.save_schedule(channel.id, Schedule(timezone="UTC"))
            kind = "mcq" if c % 5 == 0 else "open"
            drill = await tx.claim_drill(
                workspace_id=WORKSPACE,
                channel_id=channel.id,
                slot=Slot.DAILY,
                local_date=day,
                item_id=mcq_id if kind == "mcq" else open_id,
                kind=kind,
                scheduled_at=now,
                reveal_at=now + dt.timedelta(hours=6),
            )
            assert drill is not None
            await tx.set_drill_state(drill.id, DrillState.POSTED, message_ref=f"m{c}")
            drills.append((channel.id, drill.id, kind))
        # The team exists already: people answer day after day, they do not sign up per answer.
        for n in range(PEOPLE):
            await tx.ensure_person(WORKSPACE, f"U{n:05d}", f"person {n}")
    return drills


async def service_path(store: SqlStore, now: dt.datetime) -> list[tuple[str, float, int]]:
    """Two drill days for the same team in one process, started as the bot starts (its people
    cache warmed from the database): the first day after that start, then the steady state.
    Returns (label, answers per second, answers recorded) for each day."""
    clock = ManualClock(now)
    deps = Deps(
        store=store,
        library=load_library(),
        chat=NullChat(),
        clock=clock,
        settings=EngineSettings(count_update_delay=0),
    )
    answers = Answers(deps)
    await seed_channels(store, now.date() - dt.timedelta(days=1), now - dt.timedelta(days=1))
    await answers.warm()  # what Engine.start does when the bot starts
    results = []
    for day, label in ((0, "first day after a start (cache warmed)"), (1, "every day after")):
        posted = now + dt.timedelta(days=day)
        drills = await seed_channels(store, posted.date(), posted)
        clock.set(posted + dt.timedelta(minutes=5))
        start = time.perf_counter()
        for n in range(PEOPLE):
            _, drill_id, kind = drills[n % CHANNELS]
            actor = Actor(WORKSPACE, f"U{n:05d}", f"person {n}")
            if kind == "mcq":
                await answers.pick(actor, drill_id, "B", f"bench-{day}-{n}")
            else:
                await answers.answer(actor, drill_id, ANSWER + f" ({n})", f"bench-{day}-{n}")
        elapsed = time.perf_counter() - start
        async with store.transaction() as tx:
            recorded = sum([len(await tx.drill_answers(d)) for _, d, _ in drills])
        results.append((label, PEOPLE / elapsed, recorded))
    return results


async def raw_inserts(store: SqlStore) -> float:
    async with store.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, payload TEXT)"))
    start = time.perf_counter()
    for n in range(PEOPLE):
        async with store.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bench_raw (id, payload) VALUES (:id, :p)"), {"id": n, "p": ANSWER}
            )
    elapsed = time.perf_counter() - start
    async with store.engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_raw"))
    return PEOPLE / elapsed


async def seed_history(store: SqlStore, total: int, people: int) -> tuple[dt.date, int]:
    """``total`` answers from ``people`` people in 50 channels over consecutive weekdays."""
    per_day = people  # everyone answers every drill day
    days = max(1, total // per_day)
    first = dt.date(2024, 1, 1)
    dates: list[dt.date] = []
    d = first
    while len(dates) < days:
        if d.weekday() < 5:
            dates.append(d)
        d += dt.timedelta(days=1)
    rng = random.Random(7)
    async with store.transaction() as tx:
        await tx.ensure_workspace(WORKSPACE + "H", "bench", "History")
        channel_ids = []
        for c in range(CHANNELS):
            ch = await tx.ensure_channel(WORKSPACE + "H", f"H{c:03d}", f"hist-{c}")
            await tx.save_schedule(ch.id, Schedule(timezone="UTC"))
            channel_ids.append(ch.id)
        person_ids = [
            (await tx.ensure_person(WORKSPACE + "H", f"P{p:05d}", f"person {p}")).id
            for p in range(people)
        ]
    return await _bulk_history(store, dates, channel_ids, person_ids, rng)


async def _bulk_history(
    store: SqlStore,
    dates: list[dt.date],
    channel_ids: list[int],
    person_ids: list[int],
    rng: random.Random,
) -> tuple[dt.date, int]:
    from bot.db.tables import AnswerRow, DrillRow

    ws = WORKSPACE + "H"
    count = 0
    for day in dates:
        at = dt.datetime.combine(day, dt.time(9, 30), dt.UTC)
        drill_rows = [
            {
                "workspace_id": ws,
                "channel_id": cid,
                "slot": "daily",
                "local_date": day,
                "item_id": "event-loop-non-blocking-io",
                "kind": "open",
                "scheduled_at": at,
                "reveal_at": at + dt.timedelta(hours=6),
                "state": "posted",
                "revealed_at": at + dt.timedelta(hours=6),
            }
            for cid in channel_ids
        ]
        async with store.engine.begin() as conn:
            result = await conn.execute(
                DrillRow.__table__.insert().returning(DrillRow.id, DrillRow.channel_id), drill_rows
            )
            drill_of = {row.channel_id: row.id for row in result}
            rows = []
            for i, pid in enumerate(person_ids):
                cid = channel_ids[i % len(channel_ids)]
                score = rng.random()
                rows.append(
                    {
                        "drill_id": drill_of[cid],
                        "person_id": pid,
                        "workspace_id": ws,
                        "channel_id": cid,
                        "local_date": day,
                        "choice": None,
                        "text": "bench",
                        "correct": score >= 0.5,
                        "coverage": score,
                        "covered": [],
                        "mistakes": [],
                        "points": 5 + round(10 * score),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            await conn.execute(AnswerRow.__table__.insert(), rows)
            count += len(rows)
    return dates[-1], count


async def refresh_statistics(store: SqlStore, kind: str) -> None:
    """What a running database does by itself after a bulk load (autovacuum on PostgreSQL,
    the recommended periodic ANALYZE on SQLite), so the planner sees the table as it is."""
    if kind == "postgres":
        async with store.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE answers"))
            await conn.execute(text("ANALYZE people"))
    else:
        async with store.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))


async def leaderboard_times(
    store: SqlStore, last_day: dt.date, rounds: int = 30
) -> dict[str, float]:
    deps = Deps(
        store=store,
        library=load_library(),
        chat=NullChat(),
        clock=ManualClock(dt.datetime.combine(last_day, dt.time(18), dt.UTC)),
    )
    boards = Boards(deps)
    async with store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE + "H", "H000")
    assert channel is not None
    out: dict[str, float] = {}
    for label, channel_id in (
        ("one channel (200 people)", channel.id),
        ("whole workspace (10,000 people)", None),
    ):
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            rows = await boards.rows(WORKSPACE + "H", channel_id, "this-week", last_day)
            times.append((time.perf_counter() - start) * 1000)
            assert rows
        out[label] = statistics.median(times)
        store_times = []
        for _ in range(rounds):
            start = time.perf_counter()
            async with store.transaction() as tx:
                await tx.leaderboard(
                    WORKSPACE + "H",
                    channel_id,
                    last_day - dt.timedelta(days=last_day.weekday()),
                    last_day,
                )
            store_times.append((time.perf_counter() - start) * 1000)
        out[label + ", SQL aggregate only"] = statistics.median(store_times)
    return out


async def run(kind: str, total: int, people: int) -> None:
    async with database(kind) as url:
        store = await open_store(url)
        try:
            now = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)
            raw = await raw_inserts(store)
            print(f"[{kind}] raw single-row INSERT loop: {raw:,.0f} rows/s")
            for label, rate, recorded in await service_path(store, now):
                print(
                    f"[{kind}] service path, {label}: {rate:,.0f} answers/s "
                    f"({recorded} recorded of {PEOPLE}); "
                    f"ratio to raw {rate / raw:.0%} (target >= 50%)"
                )
            start = time.perf_counter()
            last_day, count = await seed_history(store, total, people)
            await refresh_statistics(store, kind)
            print(
                f"[{kind}] seeded {count:,} answers from {people:,} people in "
                f"{time.perf_counter() - start:.1f} s"
            )
            for label, ms in (await leaderboard_times(store, last_day)).items():
                print(f"[{kind}] weekly leaderboard, {label}: median {ms:.1f} ms (target <= 20 ms)")
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        asyncio.run(run(kind, args.answers, args.people))


if __name__ == "__main__":
    main()
