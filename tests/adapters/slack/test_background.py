"""Work after the acknowledgement (``Background``): work nobody waits for (learning the names
of people who clicked) goes after everything else, and hundreds of such tasks wait for that
moment without taking the event loop from the work in front of them."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.adapters.slack.app import Background


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that counts the timers set on it: each is a wake-up of the loop."""

    timers = 0

    def call_at(self, when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        CountingLoop.timers += 1
        return super().call_at(when, callback, *args, context=context)


async def _until(done: asyncio.Event, log: list[str], name: str) -> None:
    await done.wait()
    log.append(name)


async def _note(log: list[str], name: str) -> None:
    log.append(name)


def test_idle_work_waiting_behind_a_burst_shares_one_watcher() -> None:
    waiting = 300
    hold = 0.5

    async def main() -> tuple[int, list[str]]:
        background = Background(idle_quiet=0.05, idle_max=30)
        log: list[str] = []
        released = asyncio.Event()
        background.spawn(_until(released, log, "feedback"), urgent=True)
        for n in range(waiting):
            background.spawn(_note(log, f"name {n}"), idle=True)
        await asyncio.sleep(0.05)
        before = CountingLoop.timers
        await asyncio.sleep(hold)
        during = CountingLoop.timers - before
        assert log == [], "no name is learnt while feedback is still pending"
        released.set()
        await background.drain(10)
        return during, log

    CountingLoop.timers = 0
    with asyncio.Runner(loop_factory=CountingLoop) as runner:
        during, log = runner.run(main())
    assert log[0] == "feedback" and len(log) == waiting + 1
    # Each waiting task polling the clock every idle_quiet / 5 would set 300 * 0.5 / 0.01 =
    # 15,000 timers in the half second; one shared watcher sets about 50, plus the sleep above.
    assert during < 200, f"{during} timers set while {waiting} idle tasks waited {hold} s"


async def test_idle_work_waits_for_quiet_after_the_last_request() -> None:
    background = Background(idle_quiet=0.2, idle_max=30)
    log: list[str] = []
    background.request_arrived()
    background.spawn(_note(log, "name"), idle=True)
    await asyncio.sleep(0.1)
    assert log == [], "requests arrived less than idle_quiet ago"
    await background.drain(5)
    assert log == ["name"]


async def test_idle_work_starts_after_idle_max_whatever_the_traffic() -> None:
    background = Background(idle_quiet=0.2, idle_max=0.3)
    log: list[str] = []
    released = asyncio.Event()
    background.spawn(_until(released, log, "stuck"), urgent=True)
    background.spawn(_note(log, "name"), idle=True)
    await asyncio.wait_for(_wait_for(log, "name"), 5)
    assert log == ["name"], "the busy task never finished, and the idle one still ran"
    released.set()
    await background.drain(5)


async def test_cancel_stops_idle_work_still_waiting() -> None:
    background = Background(idle_quiet=0.05, idle_max=30)
    log: list[str] = []
    released = asyncio.Event()
    background.spawn(_until(released, log, "stuck"), urgent=True)
    for n in range(5):
        background.spawn(_note(log, f"name {n}"), idle=True)
    await asyncio.sleep(0.1)
    await background.cancel()
    assert background.pending == 0 and log == []


async def _wait_for(log: list[str], entry: str) -> None:
    while entry not in log:
        await asyncio.sleep(0.01)
