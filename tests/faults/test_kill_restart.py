"""Drills, reveals and weekly boards survive crashes and deploys: real ``drillbot run``
processes, killed (SIGKILL) or stopped (SIGTERM) at each moment of a post, then restarted.

The moments, for each kind of message:

- ``before_post``: the request reached Slack, which has not kept the message yet;
- ``rate_limited``: Slack answered 429 with Retry-After 30 and the process is waiting;
- ``accepted``: Slack kept the message; its answer has not reached the process;
- ``before_mark``: the process has Slack's answer, but the database is locked by another
  writer, so it cannot record that the message is posted.

Whatever the moment, Slack ends up with exactly one message per drill, reveal and board; the
drill takes answers, and its reveal comes in its thread. On PostgreSQL two processes share the
database: the one holding the post is killed, the other takes over, and the killed one comes
back (a rolling deploy).
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.adapters.slack.fake_slack import FakeSlack, Hold, message_key
from tests.faults.harness import (
    LEASE_SECONDS,
    SHUTDOWN_GRACE,
    SWEEP_SECONDS,
    Bot,
    Fleet,
    drills,
    keyed,
    lease_holder,
    locked,
    prepare_channel,
    reveal_now,
)

POINTS = ("before_post", "rate_limited", "accepted", "before_mark")
QUIET = LEASE_SECONDS + 2 * SWEEP_SECONDS + 1
"""Seconds to watch for a second copy after the first: past a lease and a few sweeps."""


@dataclass(frozen=True)
class Case:
    kind: str
    """drill, reveal or board: the message the fault hits."""
    point: str
    sig: signal.Signals

    @property
    def prefix(self) -> str:
        return f"{self.kind}:"

    def __str__(self) -> str:
        return f"{self.kind}-{self.point}-{self.sig.name}"


SQLITE_CASES = [
    *(Case("drill", p, s) for p in POINTS for s in (signal.SIGKILL, signal.SIGTERM)),
    *(Case(k, p, signal.SIGKILL) for k in ("reveal", "board") for p in POINTS),
    *(Case(k, p, signal.SIGTERM) for k in ("reveal", "board") for p in ("before_post", "accepted")),
]
POSTGRES_CASES = [
    *(Case("drill", p, signal.SIGKILL) for p in POINTS),
    *(Case(k, p, signal.SIGKILL) for k in ("reveal", "board") for p in ("accepted", "before_mark")),
    Case("drill", "rate_limited", signal.SIGTERM),
]


def trap(fake: FakeSlack, case: Case) -> Hold:
    if case.point == "rate_limited":
        return fake.hold("chat.postMessage", landed=False, match=keyed(case.prefix), rate_limit=30)
    landed = case.point in ("accepted", "before_mark")
    return fake.hold("chat.postMessage", landed=landed, match=keyed(case.prefix))


async def strike(fleet: Fleet, bot: Bot, case: Case, hold: Hold) -> int:
    """Wait for ``bot`` to walk into the trap, then stop it there; its exit code."""
    await fleet.until(hold.reached.is_set, f"{case}: the process reaching the fault")
    if case.point == "before_mark":
        async with locked(fleet.database_url):
            hold.released.set()  # Slack answers; recording it now waits for the lock
            await asyncio.sleep(1.0)
            code = await bot.stop(case.sig)
    else:
        code = await bot.stop(case.sig)
    hold.released.set()
    return code


def check_exit(case: Case, code: int) -> None:
    if case.sig is signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 0, f"{case}: a graceful stop exits 0, not {code}"


async def exactly_one(fleet: Fleet, prefix: str) -> dict[str, object]:
    fake = fleet.fake
    await fleet.until(lambda: len(fake.keyed_prefix(prefix)) >= 1, f"a message keyed {prefix}")
    await asyncio.sleep(QUIET)
    found = fake.keyed_prefix(prefix)
    assert len(found) == 1, f"{len(found)} messages keyed {prefix}: {found}"
    return found[0]


async def answers_and_reveal(fleet: Fleet, bot: Bot) -> None:
    """The drill takes answers, and its reveal comes once, in its thread."""
    [drill] = await drills(fleet.database_url)
    said = await fleet.command(bot, "U0ALICE", "answer Keep hot data close and expire it, TTL.")
    assert "never posted" not in said
    assert "Answer recorded" in said, said
    [posted] = fleet.fake.keyed(f"drill:{drill.id}")
    await reveal_now(fleet.database_url, drill.id)
    reveal = await exactly_one(fleet, "reveal:")
    assert reveal.get("thread_ts") == posted["ts"]


async def run_case(fleet: Fleet, case: Case, processes: int) -> None:
    await prepare_channel(
        fleet.database_url, reveal_now=case.kind == "reveal", board_now=case.kind == "board"
    )
    hold = trap(fleet.fake, case)
    first = await fleet.start()
    others = [await fleet.start() for _ in range(processes - 1)]
    victim = first
    if others:
        # Both race for the post; the one whose lease it is gets the fault.
        await fleet.until(hold.reached.is_set, f"{case}: a process reaching the fault")
        owner = await lease_holder(fleet.database_url, case.prefix)
        assert owner is not None, f"{case}: no process holds the lease"
        victim = next(b for b in (first, *others) if f":{b.process.pid}:" in owner)
    check_exit(case, await strike(fleet, victim, case, hold))
    if case.sig is signal.SIGTERM:
        # The post in flight had its grace period, then was cancelled and given back.
        assert "did not finish within" in victim.output()
    back = await fleet.start()  # the restart (or the deploy's new process)
    message = await exactly_one(fleet, case.prefix)
    key = message_key(message)
    assert key is not None and key.startswith(case.prefix)
    if case.point in ("accepted", "before_mark"):
        # The message was there: the taker looked for it instead of posting again.
        assert fleet.fake.of("conversations.history") or fleet.fake.of("conversations.replies")
    survivor = others[0] if others else back
    if case.kind == "drill":
        await answers_and_reveal(fleet, survivor)
    for bot in (back, *others):
        assert await bot.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("case", SQLITE_CASES, ids=str)
async def test_one_process_on_sqlite_killed_and_restarted(
    case: Case, fake: FakeSlack, sqlite_file_url: str, tmp_path: Path
) -> None:
    fleet = Fleet(fake, sqlite_file_url, tmp_path)
    try:
        await run_case(fleet, case, processes=1)
        assert fake.violations == []
    finally:
        await fleet.close()


@pytest.mark.postgres
@pytest.mark.parametrize("case", POSTGRES_CASES, ids=str)
async def test_two_processes_on_postgres_one_killed(
    case: Case, fake: FakeSlack, fresh_pg_url: str, tmp_path: Path
) -> None:
    fleet = Fleet(fake, fresh_pg_url, tmp_path)
    try:
        await run_case(fleet, case, processes=2)
        assert fake.violations == []
    finally:
        await fleet.close()


@pytest.mark.postgres
async def test_two_processes_on_postgres_while_slack_keeps_failing_post_once(
    fake: FakeSlack, fresh_pg_url: str, tmp_path: Path
) -> None:
    fleet = Fleet(fake, fresh_pg_url, tmp_path)
    try:
        await prepare_channel(fresh_pg_url)
        fake.fail("chat.postMessage", status=503, times=1000)  # Slack is down
        bots = [await fleet.start(), await fleet.start()]
        await asyncio.sleep(2 * LEASE_SECONDS + SHUTDOWN_GRACE)  # both retry, again and again
        failed = len(fake.of("chat.postMessage", ok=False))
        assert failed >= 3, "both processes kept retrying"
        fake.failures.clear()  # Slack is back
        await exactly_one(fleet, "drill:")
        await answers_and_reveal(fleet, bots[1])
        for bot in bots:
            assert await bot.stop(signal.SIGTERM) == 0
        assert fake.violations == []
    finally:
        await fleet.close()


async def test_a_database_locked_for_15_seconds_while_slack_answers_posts_once(
    fake: FakeSlack, sqlite_file_url: str, tmp_path: Path
) -> None:
    """No kill: another writer holds SQLite's lock for 15 s right when Slack accepts the post.
    The drill is recorded once the lock goes (or adopted by the next tick), never reposted,
    and /healthz keeps answering meanwhile."""
    fleet = Fleet(fake, sqlite_file_url, tmp_path)
    try:
        await prepare_channel(sqlite_file_url)
        hold = fake.hold("chat.postMessage", landed=True, match=keyed("drill:"))
        bot = await fleet.start()
        await fleet.until(hold.reached.is_set, "the drill's post")
        async with locked(sqlite_file_url):
            hold.released.set()
            await asyncio.sleep(2)
            started = asyncio.get_running_loop().time()
            async with fleet.http().get(f"{bot.url}/healthz") as health:
                assert health.status == 200, await health.text()
            assert asyncio.get_running_loop().time() - started < 2.5
            await asyncio.sleep(13)
        await exactly_one(fleet, "drill:")
        await answers_and_reveal(fleet, bot)
        assert await bot.stop(signal.SIGTERM) == 0
        assert fake.violations == []
    finally:
        await fleet.close()


async def test_with_the_default_lease_a_restart_takes_over_at_once(
    fake: FakeSlack, sqlite_file_url: str, tmp_path: Path
) -> None:
    """A process killed on this host is known dead to its successor there: the drill it was
    posting comes out right after the restart, not a whole lease (60 s) later."""
    fleet = Fleet(fake, sqlite_file_url, tmp_path, lease_seconds=60)
    try:
        await prepare_channel(sqlite_file_url)
        hold = fake.hold("chat.postMessage", landed=False, match=keyed("drill:"))
        first = await fleet.start()
        await fleet.until(hold.reached.is_set, "the drill's post")
        assert await first.stop(signal.SIGKILL) == -signal.SIGKILL
        hold.released.set()
        back = await fleet.start()
        await fleet.until(lambda: len(fake.keyed_prefix("drill:")) == 1, "the drill", timeout=10)
        assert "which is gone; taking it over" in back.output()
        assert await back.stop(signal.SIGTERM) == 0
    finally:
        await fleet.close()
