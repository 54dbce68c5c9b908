"""Benchmark the drill engine on SQLite and PostgreSQL.

1. Answers recorded per second through the full service path (grading, points, streak, the
   live count) next to raw single-row INSERTs (one row, one transaction) on the same database,
   the two loops interleaved in blocks (raw, service, service, raw, ...), so a machine that gets
   busier or quieter during the run moves both alike. 1,000 people in 50 channels answer that
   day's drill (open questions and MCQs), on a fresh database and on one holding a year of
   drills (every weekday, every channel) with everyone's answers and streaks.
   Target: service path / raw INSERTs >= 0.5 on both.
2. The weekly leaderboard with 1,000,000 answers from 10,000 people: median time of the board
   for one channel and for the whole workspace. Target: <= 20 ms median.

Run: .venv/bin/python -m bench.engine_bench [--db sqlite|postgres|both] [--answers 1000000]
     [--no-boards]
PostgreSQL: DRILLBOT_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
the benchmark creates and drops its own database there.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
from contextlib import AbstractAsyncContextManager

from sqlalchemy import insert, text

from bench import databases
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


def database(kind: str) -> AbstractAsyncContextManager[str]:
    return databases.database(kind, "bench")


async def seed_team(store: SqlStore) -> tuple[list[int], list[int]]:
    """The bench team: 50 channels with a schedule and 1,000 people the database knows
    (people answer day after day; they do not sign up per answer). (channel ids, person ids)"""
    async with store.transaction() as tx:
        await tx.ensure_workspace(WORKSPACE, "bench", "Bench")
        channel_ids = []
        for c in range(CHANNELS):
            channel = await tx.ensure_channel(WORKSPACE, f"C{c:03d}", f"team-{c}")
            await tx.save_schedule(channel.id, Schedule(timezone="UTC"))
            channel_ids.append(channel.id)
        person_ids = [
            (await tx.ensure_person(WORKSPACE, f"U{n:05d}", f"person {n}")).id
            for n in range(PEOPLE)
        ]
    return channel_ids, person_ids


def bench_items() -> tuple[str, str]:
    library = load_library()
    open_id = next(q.id for q in library.open_questions() if q.origin == "guide:q1")
    mcq_id = next(q.id for q in library.mcqs() if q.origin == "guide:mcq2")
    return open_id, mcq_id


def kind_of(channel_index: int) -> str:
    return "mcq" if channel_index % 5 == 0 else "open"


async def post_drills(
    store: SqlStore, channel_ids: list[int], day: dt.date, now: dt.datetime
) -> list[tuple[int, str]]:
    """One posted drill per channel (every fifth an MCQ): [(drill id, kind)]."""
    open_id, mcq_id = bench_items()
    drills = []
    async with store.transaction() as tx:
        for c, channel_id in enumerate(channel_ids):
            kind = kind_of(c)
            drill = await tx.claim_drill(
                workspace_id=WORKSPACE,
                channel_id=channel_id,
                slot=Slot.DAILY,
                local_date=day,
                item_id=mcq_id if kind == "mcq" else open_id,
                kind=kind,
                scheduled_at=now,
                reveal_at=now + dt.timedelta(hours=6),
            )
            assert drill is not None
            await tx.set_drill_state(drill.id, DrillState.POSTED, message_ref=f"m{c}")
            drills.append((drill.id, kind))
    return drills


async def seed_year(
    store: SqlStore, channel_ids: list[int], person_ids: list[int], today: dt.date
) -> int:
    """A year of history before ``today``: a posted drill in every channel every weekday,
    answered by everyone in it, and every tenth person away for two weeks in the summer (the
    database counts the streaks as the answers go in). Bulk inserts, one transaction a day.
    Returns the drills inserted."""
    from bot.db.tables import AnswerRow, AwayPeriodRow, DrillRow

    open_id, mcq_id = bench_items()
    days = [
        today - dt.timedelta(days=n)
        for n in range(365, 0, -1)
        if (today - dt.timedelta(days=n)).weekday() < 5
    ]
    rng = random.Random(7)
    for day in days:
        at = dt.datetime.combine(day, dt.time(9, 30), dt.UTC)
        async with store.engine.begin() as conn:
            result = await conn.execute(
                insert(DrillRow).returning(DrillRow.id, DrillRow.channel_id),
                [
                    {
                        "workspace_id": WORKSPACE,
                        "channel_id": cid,
                        "slot": "daily",
                        "local_date": day,
                        "item_id": mcq_id if kind_of(c) == "mcq" else open_id,
                        "kind": kind_of(c),
                        "scheduled_at": at,
                        "reveal_at": at + dt.timedelta(hours=6),
                        "state": "posted",
                        "message_ref": f"m{c}-{day}",
                        "revealed_at": at + dt.timedelta(hours=6),
                    }
                    for c, cid in enumerate(channel_ids)
                ],
            )
            drill_of = {row.channel_id: row.id for row in result}
            rows = []
            for n, pid in enumerate(person_ids):
                cid = channel_ids[n % len(channel_ids)]
                score = rng.random()
                rows.append(
                    {
                        "drill_id": drill_of[cid],
                        "person_id": pid,
                        "workspace_id": WORKSPACE,
                        "channel_id": cid,
                        "local_date": day,
                        "choice": None,
                        "text": ANSWER,
                        "correct": score >= 0.5,
                        "coverage": score,
                        "covered": [],
                        "mistakes": [],
                        "points": 5 + round(10 * score),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            await conn.execute(insert(AnswerRow), rows)
    summer = dt.date(days[-1].year if days[-1].month > 8 else days[-1].year - 1, 7, 14)
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(AwayPeriodRow),
            [
                {"person_id": pid, "start_date": summer, "end_date": summer + dt.timedelta(14)}
                for pid in person_ids[::10]
            ],
        )
    return len(days) * len(channel_ids)


async def create_raw_table(store: SqlStore) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, payload TEXT)"))


async def raw_block(store: SqlStore, first: int, count: int) -> float:
    """``count`` single-row INSERTs, each its own transaction; seconds taken."""
    start = time.perf_counter()
    for n in range(first, first + count):
        async with store.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bench_raw (id, payload) VALUES (:id, :p)"), {"id": n, "p": ANSWER}
            )
    return time.perf_counter() - start


async def service_block(
    answers: Answers, drills: list[tuple[int, str]], people: range, tag: str
) -> float:
    """The people in ``people`` answer their channel's drill; seconds taken."""
    start = time.perf_counter()
    for n in people:
        drill_id, kind = drills[n % CHANNELS]
        actor = Actor(WORKSPACE, f"U{n:05d}", f"person {n}")
        if kind == "mcq":
            await answers.pick(actor, drill_id, "B", f"bench-{tag}-{n}")
        else:
            await answers.answer(actor, drill_id, ANSWER + f" ({n})", f"bench-{tag}-{n}")
    return time.perf_counter() - start


async def interleaved(
    store: SqlStore, now: dt.datetime, *, history: bool, block: int = 50
) -> list[tuple[str, float, float, int]]:
    """Two drill days for the team in one process started as the bot starts (its people cache
    warmed from the database), each day's 1,000 answers in blocks of ``block`` interleaved with
    as many raw INSERTs. Returns (label, answers/s, raw rows/s, answers recorded) per day."""
    clock = ManualClock(now)
    deps = Deps(
        store=store,
        library=load_library(),
        chat=NullChat(),
        clock=clock,
        settings=EngineSettings(count_update_delay=0),
    )
    answers = Answers(deps)
    channel_ids, person_ids = await seed_team(store)
    if history:
        await seed_year(store, channel_ids, person_ids, now.date())
    await create_raw_table(store)
    await answers.warm()  # what Engine.start does when the bot starts
    results = []
    raw_id = 0
    for day, label in ((0, "first day after a start (cache warmed)"), (1, "every day after")):
        posted = now + dt.timedelta(days=day)
        drills = await post_drills(store, channel_ids, posted.date(), posted)
        clock.set(posted + dt.timedelta(minutes=5))
        service_s = raw_s = 0.0
        for b, first in enumerate(range(0, PEOPLE, block)):
            people = range(first, min(first + block, PEOPLE))
            # ABBA order: neither loop always runs first, after the other has warmed a cache.
            if b % 2 == 0:
                raw_s += await raw_block(store, raw_id, len(people))
                service_s += await service_block(answers, drills, people, f"{day}")
            else:
                service_s += await service_block(answers, drills, people, f"{day}")
                raw_s += await raw_block(store, raw_id, len(people))
            raw_id += len(people)
        await answers.flush()
        async with store.transaction() as tx:
            recorded = sum([await tx.answer_count(d) for d, _ in drills])
        results.append((label, PEOPLE / service_s, PEOPLE / raw_s, recorded))
    return results


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
                insert(DrillRow).returning(DrillRow.id, DrillRow.channel_id), drill_rows
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
            await conn.execute(insert(AnswerRow), rows)
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


async def answer_path(kind: str) -> list[float]:
    """The answers/s ÷ raw INSERTs figures on a fresh database and after a year; the ratios."""
    ratios = []
    now = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)
    for history in (False, True):
        async with database(kind) as url:
            store = await open_store(url)
            try:
                started = time.perf_counter()
                results = await interleaved(store, now, history=history)
                where = "after a year of drills" if history else "fresh database"
                for label, rate, raw, recorded in results:
                    ratios.append(rate / raw)
                    print(
                        f"[{kind}] {where}, {label}: service path {rate:,.0f} answers/s, "
                        f"raw INSERTs {raw:,.0f} rows/s (interleaved); ratio {rate / raw:.2f} "
                        f"(target >= 0.5); {recorded} of {PEOPLE} recorded "
                        f"[{time.perf_counter() - started:.0f} s with seeding]"
                    )
            finally:
                await store.close()
    return ratios


async def run(kind: str, total: int, people: int, boards: bool) -> None:
    await answer_path(kind)
    if not boards:
        return
    async with database(kind) as url:
        store = await open_store(url)
        try:
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
    parser.add_argument("--no-boards", action="store_true", help="answers only, no leaderboard")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        asyncio.run(run(kind, args.answers, args.people, not args.no_boards))


if __name__ == "__main__":
    main()
