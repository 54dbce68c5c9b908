"""A simulated month in one process: 200 channels of 20 people answering every drill.

The real engine, scheduler logic (``VirtualTime`` over a manual clock: every due post fires at
its instant, in order), incident sessions and housekeeping run against a SQLite file (or
PostgreSQL with ``--db postgres``) and a chat that drops what it is sent. Each drill day,
everyone in every channel answers the channel's drill (open answers are graded; MCQs picked);
a few people a day start a mock incident in a direct message, answer one stage and leave it
to be closed by the idle sweep. Housekeeping runs once a simulated day.

It prints RSS at the start, after each simulated week and at the end (target: flat within
10 % after the first week), the database size after each week, the slowest tick, and what
housekeeping pruned. Not a timed test: the figures are for a person to read.

    .venv/bin/python -m bench.soak_bench                 # 30 days, 200 x 20, SQLite
    .venv/bin/python -m bench.soak_bench --days 7 --channels 50
    .venv/bin/python -m bench.soak_bench --db postgres
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import random
import sys
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from bench import databases
from bot.bootstrap import make_engine
from bot.config import Settings
from bot.content.loader import Library, load_library
from bot.db.sql_store import SqlStore, open_store
from bot.domain.items import MultipleChoice
from bot.domain.model import Schedule
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.engine import Engine
from bot.testing.null_chat import NullChat

START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)
"""A Monday."""
SCHEDULE = Schedule(
    post_time=dt.time(9, 0),
    timezone="UTC",
    days=("mon", "tue", "wed", "thu", "fri"),
    mcq_days=("tue", "thu"),
    answer_window=dt.timedelta(hours=6),
)
ANSWER = (
    "I would measure first: p99 latency, the error rate and saturation per route. Then I would "
    "cache the hot reads with a TTL, make the slow call asynchronous behind a queue, stream "
    "large responses instead of buffering them, and keep the event loop free of CPU-bound "
    "work by moving it to a worker thread. A rollback comes first if a deploy caused it."
)
INCIDENTS_PER_DAY = 6
CONCURRENT_CHANNELS = 10


def database(kind: str) -> AbstractAsyncContextManager[str]:
    return databases.database(kind, "soak")


def rss_mb() -> float:
    """Resident set size now (Linux), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def db_size_mb(store: SqlStore, url: str) -> float:
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        files = [path, path.with_name(path.name + "-wal")]
        return sum(p.stat().st_size for p in files if p.exists()) / 1e6
    async with store.engine.connect() as conn:
        size = await conn.scalar(text("SELECT pg_database_size(current_database())"))
    return int(size or 0) / 1e6


@dataclass
class TimedTicks:
    """The engine, with every tick timed (what ``VirtualTime`` calls)."""

    engine: Engine
    slowest: float = 0.0
    slowest_at: dt.datetime | None = None
    ticks: int = 0
    times: list[float] = field(default_factory=list)

    async def tick(self, now: dt.datetime | None = None) -> None:
        started = time.perf_counter()
        await self.engine.tick(now)
        took = time.perf_counter() - started
        self.ticks += 1
        self.times.append(took)
        if took > self.slowest:
            self.slowest, self.slowest_at = took, now

    async def next_due(self, after: dt.datetime) -> dt.datetime | None:
        return await self.engine.next_due(after)


def workspace(n: int) -> str:
    return f"T{n:08d}"


async def seed(store: SqlStore, channels: int, workspaces: int) -> list[tuple[str, str]]:
    made: list[tuple[str, str]] = []
    async with store.transaction() as tx:
        for n in range(workspaces):
            await tx.ensure_workspace(workspace(n), "slack", f"Team {n}")
        for n in range(channels):
            ws = workspace(n % workspaces)
            channel = await tx.ensure_channel(ws, f"C{n:06d}", f"drills-{n}")
            await tx.save_schedule(channel.id, SCHEDULE)
            made.append((ws, channel.external_id))
    return made


async def todays_drills(store: SqlStore, day: dt.date) -> list[tuple[int, str, str, str]]:
    """(drill id, workspace, channel external id, item id) of the day's posted drills."""
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT d.id, d.workspace_id, c.external_id, d.item_id FROM drills d "
                "JOIN channels c ON c.id = d.channel_id "
                "WHERE d.local_date = :day AND d.state = 'posted' ORDER BY d.id"
            ),
            {"day": day},
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]


async def everyone_answers(
    engine: Engine,
    library: Library,
    drills: list[tuple[int, str, str, str]],
    people: int,
    rng: random.Random,
) -> int:
    async def channel(drill_id: int, ws: str, external: str, item_id: str) -> int:
        item = library.get(item_id)
        jobs = []
        for p in range(people):
            actor = Actor(ws, f"U{external}{p:03d}", f"Person {p}")
            if isinstance(item, MultipleChoice):
                key = rng.choice([o.key for o in item.options])
                jobs.append(engine.pick(actor, f"{drill_id}:{key}", f"pick:{drill_id}:{p}"))
            else:
                jobs.append(engine.answer(actor, drill_id, ANSWER, f"answer:{drill_id}:{p}"))
        await asyncio.gather(*jobs)
        return len(jobs)

    done = 0
    for start in range(0, len(drills), CONCURRENT_CHANNELS):
        chunk = drills[start : start + CONCURRENT_CHANNELS]
        done += sum(await asyncio.gather(*(channel(*d) for d in chunk)))
    return done


async def some_incidents(
    engine: Engine, channels: list[tuple[str, str]], day: int, rng: random.Random
) -> int:
    started = 0
    for n in range(INCIDENTS_PER_DAY):
        ws, external = rng.choice(channels)
        actor = Actor(ws, f"U{external}{rng.randrange(20):03d}", "Someone")
        dm = Where(None, "")
        await engine.command(actor, dm, "incident", f"incident:{day}:{n}")
        replies = await engine.message(actor, dm, ANSWER, f"incident-answer:{day}:{n}")
        started += replies is not None
    return started


async def soak(kind: str, channels: int, people: int, days: int, workspaces: int) -> None:
    rng = random.Random(14)
    library = load_library()
    async with database(kind) as url:
        store = await open_store(url)
        settings = Settings(database_url=url)
        clock = ManualClock(START)
        engine = make_engine(store, library, NullChat(), clock, settings)
        await engine.start()
        made = await seed(store, channels, workspaces)
        timed = TimedTicks(engine)
        virtual = VirtualTime(clock, timed)
        print(
            f"[{kind}] soak: {channels} channels x {people} people in {workspaces} workspaces, "
            f"{days} simulated days from {START:%Y-%m-%d} (Mon-Fri 09:00 UTC, MCQ Tue/Thu, "
            f"6 h window, board Fri 16:00)"
        )
        gc.collect()
        first = rss_mb()
        print(f"  start: RSS {first:.1f} MB, database {await db_size_mb(store, url):.1f} MB")
        weekly: list[float] = []
        answers = incidents = 0
        pruned: dict[str, int] = {}
        wall = time.perf_counter()
        for day in range(days):
            midnight = START + dt.timedelta(days=day)
            await virtual.advance_to(midnight + dt.timedelta(hours=9))
            if midnight.weekday() < 5:
                drills = await todays_drills(store, midnight.date())
                answers += await everyone_answers(engine, library, drills, people, rng)
            incidents += await some_incidents(engine, made, day, rng)
            # Hour by hour after the answers: the scheduler's safety-net sweep ticks too.
            for hour in range(10, 24):
                await virtual.advance_to(midnight + dt.timedelta(hours=hour))
            await virtual.advance_to(midnight + dt.timedelta(hours=23, minutes=59))
            for result in await engine.housekeep(clock.now()):
                if result.rows:
                    pruned[result.table] = pruned.get(result.table, 0) + result.rows
            if (day + 1) % 7 == 0 or day + 1 == days:
                await engine.answers.flush()
                gc.collect()
                now_rss = rss_mb()
                weekly.append(now_rss)
                label = f"week {(day + 1) // 7}" if (day + 1) % 7 == 0 else f"day {day + 1}"
                print(
                    f"  {label:>7} (day {day + 1:2d}): RSS {now_rss:.1f} MB, database "
                    f"{await db_size_mb(store, url):.1f} MB, {answers} answers, "
                    f"{incidents} incidents, {timed.ticks} ticks, "
                    f"{time.perf_counter() - wall:.0f} s of wall time"
                )
        async with store.engine.connect() as conn:
            counts = {
                table: int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                for table in (
                    "drills",
                    "answers",
                    "deliveries",
                    "submissions",
                    "incident_sessions",
                    "people",
                )
            }
            open_sessions = int(
                await conn.scalar(
                    text("SELECT count(*) FROM incident_sessions WHERE state = 'active'")
                )
                or 0
            )
        await store.close()
    gc.collect()
    end = rss_mb()
    after_first = weekly[0] if weekly else first
    drift = (max(weekly[1:], default=after_first) - after_first) / after_first * 100
    ordered = sorted(timed.times)
    median = ordered[len(ordered) // 2] * 1000 if ordered else 0.0
    print(
        f"  end: RSS {end:.1f} MB (start {first:.1f} MB, first reading {after_first:.1f} MB; "
        f"largest later reading {drift:+.1f} % of it, target within 10 % after week 1)"
    )
    print(
        f"  ticks: {timed.ticks}, median {median:.1f} ms, slowest {timed.slowest * 1000:.0f} ms "
        f"at {timed.slowest_at:%Y-%m-%d %H:%M} UTC"
    )
    print(f"  rows: {', '.join(f'{k} {v}' for k, v in counts.items())}")
    print(f"  incident sessions still active: {open_sessions}")
    print(f"  pruned by housekeeping: {pruned or 'nothing (nothing past its retention yet)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workspaces", type=int, default=20)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.setrecursionlimit(10_000)
    for kind in kinds:
        asyncio.run(soak(kind, args.channels, args.people, args.days, args.workspaces))


if __name__ == "__main__":
    main()
