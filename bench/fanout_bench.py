"""Benchmark the scheduler's fan-out and its idle tick, on SQLite and PostgreSQL.

1. Fan-out: 2,000 channels in 300 workspaces, all due in the same minute, against a local fake
   Slack that answers in 150 ms, allows one message per second per channel (429 otherwise) and
   answers a few calls 429 or 503 at random. The bot runs as real worker processes (its
   scheduler, engine and SlackChat, with the system clock): one process, then two sharing one
   PostgreSQL. Printed: time from the due minute to the first and the last post (targets: 1 s
   and 10 s), channels with no drill (lost, target 0) and with two (doubled, target 0), and a
   histogram of how late the posts went out.
2. The idle tick: 2,000 scheduled channels with a year of drill history, nothing due: median
   and worst tick time over 50 ticks (target 50 ms).

Run: .venv/bin/python -m bench.fanout_bench [--db sqlite|postgres|both] [--channels 2000]
     [--workspaces 300] [--skip-fanout] [--skip-idle]
DRILLBOT_BENCH_SETTINGS='{"max_concurrent_posts": 200}' passes engine settings to the workers;
DRILLBOT_BENCH_PROFILE=/tmp/prof writes each worker's cProfile to /tmp/prof.<pid>.
PostgreSQL: DRILLBOT_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
the benchmark creates and drops its own databases there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import multiprocessing as mp
import os
import signal
import statistics
import sys
import time
from collections import Counter
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import text

from bench import databases, profiling
from bot.db.sql_store import SqlStore, open_store
from bot.domain.model import DrillState, Schedule, Slot

PG_URL = os.environ.get("DRILLBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def token(n: int) -> str:
    return f"xoxb-bench-{n:04d}"


def team(n: int) -> str:
    return f"T{n:04d}"


# --- databases --------------------------------------------------------------------------------
def database(kind: str) -> AbstractAsyncContextManager[str]:
    return databases.database(kind, "fanout")


async def seed_channels(
    store: SqlStore, channels: int, workspaces: int, post_time: dt.time
) -> list[tuple[str, str]]:
    """Channels spread over workspaces, each due daily at ``post_time`` UTC."""
    schedule = Schedule(post_time=post_time, timezone="UTC", days=DAYS)
    made: list[tuple[str, str]] = []
    async with store.transaction() as tx:
        for n in range(workspaces):
            await tx.ensure_workspace(team(n), "slack", f"Team {n}")
        for n in range(channels):
            workspace = team(n % workspaces)
            channel = await tx.ensure_channel(workspace, f"C{n:05d}", f"drills-{n}")
            await tx.save_schedule(channel.id, schedule)
            made.append((workspace, channel.external_id))
    return made


async def seed_history(store: SqlStore, due: dt.datetime, days: int) -> None:
    """``days`` of posted, revealed drills before ``due``'s day in every channel, in bulk."""
    from bot.content.loader import load_library

    items = [q.id for q in load_library().open_questions()]
    async with store.engine.begin() as connection:
        ids = (await connection.execute(text("SELECT id, workspace_id FROM channels"))).all()
        rows: list[dict[str, Any]] = []
        for back in range(days, 0, -1):
            at = due - dt.timedelta(days=back)
            for n, (cid, ws) in enumerate(ids):
                rows.append(
                    {
                        "workspace_id": ws,
                        "channel_id": cid,
                        "slot": Slot.DAILY.value,
                        "local_date": at.date(),
                        "item_id": items[(n + back) % len(items)],
                        "kind": "open",
                        "scheduled_at": at,
                        "reveal_at": at + dt.timedelta(hours=6),
                        "revealed_at": at + dt.timedelta(hours=6),
                        "state": DrillState.POSTED.value,
                    }
                )
            if len(rows) >= 50_000:
                await _insert_drills(connection, rows)
                rows = []
        await _insert_drills(connection, rows)
    async with store.engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE")


# --- the bot in worker processes --------------------------------------------------------------
def worker(url: str, api_url: str, workspaces: int, stop_at: float) -> None:
    logging.basicConfig(level=logging.WARNING)
    # Until the worker's loop runs, SIGTERM exits at once; then it stops the bot (below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiling.run(lambda: _worker(url, api_url, workspaces, stop_at))


async def _worker(url: str, api_url: str, workspaces: int, stop_at: float) -> None:
    from bot.adapters.slack.chat import SlackChat, SlackClients
    from bot.content.loader import load_library
    from bot.scheduling.clock import SystemClock
    from bot.scheduling.runner import Scheduler
    from bot.services.deps import Deps, EngineSettings
    from bot.services.engine import Engine

    class Tokens:
        def __init__(self) -> None:
            self.by_team = {team(n): token(n) for n in range(workspaces)}

        async def bot_token(self, team_id: str) -> str:
            return self.by_team[team_id]

        def forget(self, team_id: str) -> None:
            pass

    store = await open_store(url, pool_size=20, max_overflow=40)
    clients = SlackClients(api_url)
    chat = SlackChat(clients, Tokens())
    clock = SystemClock()
    settings = EngineSettings(**json.loads(os.environ.get("DRILLBOT_BENCH_SETTINGS", "{}")))
    engine = Engine(Deps(store, load_library(), chat, clock, settings))
    scheduler = Scheduler(engine, store, clock)
    await scheduler.start()
    # The bench stops its workers with SIGTERM: the bot stops as `drillbot run` does, closing
    # its HTTP session, and a profile gets written.
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopped.wait(), max(0.0, stop_at - time.time()))
    await scheduler.stop()
    await clients.close()
    await store.close()


async def fanout(kind: str, channels: int, workspaces: int, processes: int) -> None:
    from tests.adapters.slack.fake_slack import FakeSlack, message_key

    fake = await FakeSlack(latency=0.15, per_channel_interval=1.0, chaos=0.005).start()
    for n in range(workspaces):
        fake.add_workspace(team(n), token(n))
    async with database(kind) as url:
        store = await open_store(url)
        now = dt.datetime.now(dt.UTC)
        due = (now + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
        if (due - now).total_seconds() < 15:  # time for the workers to start first
            due += dt.timedelta(minutes=1)
        await seed_channels(store, channels, workspaces, due.time())
        await seed_history(store, due, days=1)  # yesterday's drills were posted, as every day
        await store.close()
        stop_at = due.timestamp() + 120
        context = mp.get_context("spawn")
        procs = [
            context.Process(target=worker, args=(url, fake.api_url, workspaces, stop_at))
            for _ in range(processes)
        ]
        for proc in procs:
            proc.start()
        posted_at: dict[str, list[float]] = {}
        seen = 0
        while time.time() < stop_at:
            await asyncio.sleep(0.05)
            kept = [m for ms in fake.messages.values() for m in ms]
            if len(kept) != seen:
                seen = len(kept)
            for channel, messages in fake.messages.items():
                stamps = [
                    float(m["ts"]) for m in messages if (message_key(m) or "").startswith("drill:")
                ]
                posted_at[channel] = stamps
            if len(posted_at) >= channels and time.time() > due.timestamp() + 5:
                break
        await asyncio.sleep(3)  # anything doubled would come now
        for channel, messages in fake.messages.items():
            posted_at[channel] = [
                float(m["ts"]) for m in messages if (message_key(m) or "").startswith("drill:")
            ]
        for proc in procs:
            proc.terminate()
            proc.join(15)
    await fake.stop()
    # The fake's ts is the arrival time (whole seconds) plus a counter: use the call log.
    arrivals = sorted(
        c.at for c in fake.calls if c.method == "chat.postMessage" and c.status == 200
    )
    delays = [a - due.timestamp() for a in arrivals]
    lost = channels - sum(1 for stamps in posted_at.values() if stamps)
    doubled = sum(1 for stamps in posted_at.values() if len(stamps) > 1)
    limited = Counter(c.status for c in fake.calls if c.method == "chat.postMessage")
    print(
        f"[{kind}] fan-out, {processes} process(es): {channels} channels in {workspaces} "
        f"workspaces due at {due:%H:%M:%S}"
    )
    if delays:
        print(
            f"  first post +{delays[0]:.2f} s (target <= 1 s), last post +{delays[-1]:.2f} s "
            f"(target <= 10 s), median +{statistics.median(delays):.2f} s"
        )
    print(f"  lost {lost} (target 0), doubled {doubled} (target 0), answers {dict(limited)}")
    edges = [0.5, 1, 2, 4, 6, 8, 10, 15, 30, 60]
    counts = Counter(next((e for e in edges if d <= e), float("inf")) for d in delays)
    print("  lateness: " + ", ".join(f"<= {e} s: {counts.get(e, 0)}" for e in edges))


# --- the idle tick ----------------------------------------------------------------------------
async def idle_tick(kind: str, channels: int, workspaces: int) -> None:
    from bot.content.loader import load_library
    from bot.scheduling.clock import ManualClock
    from bot.services.deps import Deps, EngineSettings
    from bot.services.engine import Engine
    from bot.testing.null_chat import NullChat

    async with database(kind) as url:
        store = await open_store(url)
        await seed_channels(store, channels, workspaces, dt.time(9, 0))
        today = dt.date(2026, 12, 1)
        library = load_library()
        await seed_history(store, dt.datetime.combine(today, dt.time(9, 0), dt.UTC), days=365)
        clock = ManualClock(dt.datetime.combine(today, dt.time(8, 0), dt.UTC))
        engine = Engine(Deps(store, library, NullChat(), clock, EngineSettings()))
        times: list[float] = []
        for n in range(51):
            clock.set(clock.now() + dt.timedelta(seconds=10))
            started = time.perf_counter()
            await engine.tick()
            if n:  # the first tick after a start reads what the planner then remembers
                times.append((time.perf_counter() - started) * 1000)
            else:
                first = (time.perf_counter() - started) * 1000
        await store.close()
    print(
        f"[{kind}] idle tick, {channels} channels with a year of history: median "
        f"{statistics.median(times):.1f} ms, worst {max(times):.1f} ms (target <= 50 ms), "
        f"first after a start {first:.1f} ms"
    )


async def _insert_drills(connection: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    from sqlalchemy import insert

    from bot.db.tables import DrillRow

    await connection.execute(insert(DrillRow), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--workspaces", type=int, default=300)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    sys.setrecursionlimit(10_000)
    for kind in kinds:
        if not args.skip_idle:
            asyncio.run(idle_tick(kind, args.channels, args.workspaces))
        if not args.skip_fanout:
            asyncio.run(fanout(kind, args.channels, args.workspaces, processes=1))
            if kind == "postgres":
                asyncio.run(fanout(kind, args.channels, args.workspaces, processes=2))


if __name__ == "__main__":
    main()
