"""Benchmark team insights on SQLite and PostgreSQL (issue 12): `/drill team` and the HTML
report, on the seeding of ``bench.boards_bench`` (one workspace of 10,000 people in 50
channels, 1,000,000 answers, a drill every weekday for a year).

- ``/drill team`` from a direct message (the whole workspace, the last 4 weeks) and from a
  channel, as an admin asks it through the engine: median (min, p90) of ``--rounds`` calls
  and the cold first call. Target <= 50 ms median.
- ``drillbot report --format html`` for the whole workspace over 8 weeks, every person listed:
  the insights read plus the page rendered (the chart, drawn once and cached by the bot, left
  out: ``--chart`` adds it). Target <= 2 s.

Not a timed test: it prints figures. Run:
.venv/bin/python -m bench.insights_bench [--people N --answers M] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from sqlalchemy import text

from bench import boards_bench as boards
from bot.db.sql_store import open_store
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.engine import Engine
from bot.services.insights import Insights
from bot.services.report import report_html

TEAM_TARGET_MS = 50.0
REPORT_TARGET_S = 2.0


async def run(
    kind: str,
    people: int,
    answers: int,
    participation: float,
    rounds: int,
    chart: bool,
    keep: bool,
) -> None:
    async with boards.database(kind, keep, boards.shape_of(people, answers, participation)) as url:
        store = await open_store(url)
        try:
            started = time.perf_counter()
            last_day = await boards.seed(store, people, answers, participation)
            await boards.refresh_statistics(store, kind)
            async with store.engine.connect() as conn:
                count = (await conn.execute(text("SELECT count(*) FROM answers"))).scalar_one()
            print(
                f"[{kind}] seeded {count:,} answers, {people:,} people in {boards.CHANNELS} "
                f"channels in {time.perf_counter() - started:.1f} s"
            )
        finally:
            await store.close()

        admin = Actor(boards.WORKSPACE, "U00000", "person 0", is_admin=True, platform="bench")
        where = {"workspace (DM)": Where(None), "one channel": Where("C007", "team-7")}

        async def team(engine: Engine, label: str, n: int) -> None:
            replies = await engine.command(admin, where[label], "/drill team", f"t{n}")
            message = replies.items[0].message
            assert message.kind == "team", message.text

        # Reads keep each revealed drill's sums, each settled week's participation and people's
        # sums (migration 0012); in a running bot the reads since kept them. On a fresh seed
        # nobody has read yet: this first read sums the whole period and keeps it.
        store = await open_store(url, upgrade=False)
        try:
            for label in where:
                start = time.perf_counter()
                await team(boards.engine_for(store, last_day), label, 0)
                print(
                    f"[{kind}] /drill team, {label}, first read (keeps what no read kept "
                    f"before): {(time.perf_counter() - start) * 1000:.0f} ms"
                )
        finally:
            await store.close()

        for label in where:
            fresh = await open_store(url, upgrade=False)
            try:
                start = time.perf_counter()
                await team(boards.engine_for(fresh, last_day), label, 0)
                cold = (time.perf_counter() - start) * 1000
            finally:
                await fresh.close()
            store = await open_store(url, upgrade=False)
            try:
                engine = boards.engine_for(store, last_day)
                for n in range(3):
                    await team(engine, label, n)
                times = []
                for n in range(rounds):
                    start = time.perf_counter()
                    await team(engine, label, n)
                    times.append((time.perf_counter() - start) * 1000)
                median = statistics.median(times)
                verdict = "meets" if median <= TEAM_TARGET_MS else "MISSES"
                print(
                    f"[{kind}] /drill team, {label}: median {median:.1f} ms (min "
                    f"{min(times):.1f}, p90 {statistics.quantiles(times, n=10)[-1]:.1f}), cold "
                    f"first call {cold:.1f} ms ({verdict} target <= {TEAM_TARGET_MS:.0f} ms)"
                )
            finally:
                await store.close()

        # The report's older weeks: kept too by a bot whose leads read `/drill team` weekly
        # (each drill is summed by the first read after its reveal). Here the first report
        # read keeps them: shown, then the report as it reads in such a bot.
        store = await open_store(url, upgrade=False)
        try:
            engine = boards.engine_for(store, last_day)
            start = time.perf_counter()
            await Insights(engine.deps).team(boards.WORKSPACE, None, 8, people=None, tags=20)
            print(
                f"[{kind}] HTML report's read, first (keeps what no read kept before): "
                f"{time.perf_counter() - start:.2f} s"
            )
        finally:
            await store.close()
        store = await open_store(url, upgrade=False)
        try:
            engine = boards.engine_for(store, last_day)
            start = time.perf_counter()
            insights = await Insights(engine.deps).team(
                boards.WORKSPACE, None, 8, people=None, tags=20
            )
            read = time.perf_counter() - start
            png = None
            if chart:
                from bot.report_cli import chart_png

                png = chart_png(insights)
            page = report_html(insights, png)
            total = time.perf_counter() - start
            verdict = "meets" if total <= REPORT_TARGET_S else "MISSES"
            print(
                f"[{kind}] HTML report, 8 weeks, {len(insights.people):,} people: {total:.2f} s "
                f"(read {read:.2f} s, {len(page) / 1e6:.1f} MB{', with chart' if chart else ''}) "
                f"({verdict} target <= {REPORT_TARGET_S:.0f} s)"
            )
            print(f"[{kind}] load average while measuring: {os.getloadavg()[0]:.1f}")
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--participation", type=float, default=0.4)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--chart", action="store_true", help="draw the chart into the report")
    boards.add_keep(parser)
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        asyncio.run(
            run(
                kind,
                args.people,
                args.answers,
                args.participation,
                args.rounds,
                args.chart,
                args.keep,
            )
        )


if __name__ == "__main__":
    main()
