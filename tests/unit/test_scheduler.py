"""The scheduler loop with a recording engine: one tick at a time, woken at the next due
instant, and a bounded graceful stop."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.scheduling.clock import SystemClock
from bot.scheduling.runner import Scheduler
from bot.testing.memory_store import MemoryStore


class Recorder:
    def __init__(self, tick_seconds: float = 0.0, due_in: float | None = None) -> None:
        self.tick_seconds = tick_seconds
        self.due_in = due_in
        self.ticks: list[dt.datetime] = []
        self.drained = False
        self.cancelled = False

    async def tick(self, now: dt.datetime | None = None) -> None:
        assert now is not None
        self.ticks.append(now)
        try:
            await asyncio.sleep(self.tick_seconds)
        except asyncio.CancelledError:
            self.cancelled = True
            raise

    async def next_due(self, after: dt.datetime) -> dt.datetime | None:
        if self.due_in is None:
            return None
        due = after + dt.timedelta(seconds=self.due_in)
        self.due_in = None  # one wake-up, then nothing more is due
        return due

    def drain(self) -> None:
        self.drained = True


def scheduler(engine: Recorder, grace: float = 20.0) -> Scheduler:
    return Scheduler(engine, MemoryStore(), SystemClock(), sweep_seconds=3600, shutdown_grace=grace)


async def test_jobs_firing_during_a_tick_make_one_more_tick_not_one_each() -> None:
    engine = Recorder(tick_seconds=0.2)
    runner = scheduler(engine)
    await asyncio.gather(*(runner._tick() for _ in range(20)))  # 20 channel jobs at 09:00
    assert len(engine.ticks) == 2


async def test_it_wakes_at_the_next_due_instant_without_a_sweep() -> None:
    engine = Recorder(due_in=0.3)
    runner = scheduler(engine)
    await runner.start()
    try:
        for _ in range(40):
            if len(engine.ticks) >= 2:
                break
            await asyncio.sleep(0.05)
        assert len(engine.ticks) == 2  # the first tick, then the one that was due
        assert engine.ticks[1] - engine.ticks[0] >= dt.timedelta(seconds=0.25)
        assert runner.next_wake() is None  # nothing more is due
    finally:
        await runner.stop()


async def test_stop_lets_the_tick_finish_within_the_grace_then_cancels_it() -> None:
    quick = Recorder(tick_seconds=0.1)
    runner = scheduler(quick, grace=5)
    await runner.start()
    await asyncio.sleep(0.02)
    await runner.stop()
    assert quick.drained and not quick.cancelled  # finished its tick

    stuck = Recorder(tick_seconds=60)
    runner = scheduler(stuck, grace=0.2)
    await runner.start()
    await asyncio.sleep(0.02)
    started = asyncio.get_running_loop().time()
    await runner.stop()
    assert stuck.drained and stuck.cancelled
    assert asyncio.get_running_loop().time() - started < 2
    await runner._tick()  # stopped: no new tick starts
    assert len(stuck.ticks) == 1


async def test_a_tick_run_by_an_apscheduler_job_gets_its_grace_too() -> None:
    engine = Recorder(tick_seconds=0.3)
    runner = scheduler(engine, grace=5)
    await runner.start()
    await asyncio.sleep(0.4)  # the first tick is over
    runner.aps.add_job(runner._tick, id="now")  # a job of APScheduler's own, firing at once
    for _ in range(40):
        if len(engine.ticks) == 2:
            break
        await asyncio.sleep(0.01)
    assert len(engine.ticks) == 2
    await runner.stop()
    assert not engine.cancelled  # the job's tick finished; shutting down did not cancel it


async def test_housekeeping_runs_on_its_own_interval_beside_the_ticks() -> None:
    engine = Recorder()
    runs: list[dt.datetime] = []

    async def housekeeping(now: dt.datetime) -> None:
        runs.append(now)
        raise RuntimeError("a failed run is logged; the next one runs anyway")

    runner = Scheduler(
        engine,
        MemoryStore(),
        SystemClock(),
        sweep_seconds=3600,
        housekeeping=housekeeping,
        housekeeping_seconds=0.1,
    )
    await runner.start()
    try:
        for _ in range(40):
            if len(runs) >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.stop()
    assert len(runs) >= 2
    stopped = len(runs)
    await asyncio.sleep(0.25)
    assert len(runs) == stopped  # none after the stop
