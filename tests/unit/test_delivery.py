"""Exactly-once delivery on the in-memory fakes: leases, look-before-repost, mark-after-post.

Each "process" here is an Engine with its own lease owner over one shared store and one chat,
as two replicas over one database and one Slack. The real-process version of these (SIGKILL,
SIGTERM, a real Slack fake) is tests/faults/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import subprocess
import sys
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import DrillState, Slot
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.services.identity import HOST
from bot.services.posting import drill_key, reveal_key
from bot.testing.harness import CHANNEL, WORKSPACE, Harness
from bot.testing.memory_store import MemoryTx

BERLIN = ZoneInfo("Europe/Berlin")
LEASE = dt.timedelta(seconds=60)


def local(when: str) -> dt.datetime:
    return dt.datetime.fromisoformat(when).replace(tzinfo=BERLIN)


def another_process(h: Harness, owner: str) -> Engine:
    """A second replica: same store, same chat, same clock, its own lease owner."""
    settings = replace(h.deps.settings, owner=owner)
    return Engine(Deps(h.store, h.deps.library, h.chat, h.clock, settings))


def keyed(h: Harness, prefix: str) -> list[str]:
    return [s.message.key or "" for s in h.chat.sent if (s.message.key or "").startswith(prefix)]


async def only_drill(h: Harness) -> int:
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None
        drills = await tx.drills_to_retry(local("2026-11-01T00:00"))
        drills += await tx.open_drills(channel.id, h.clock.now())
    [drill] = drills
    return drill.id


async def claimed_by(h: Harness, owner: str, at: dt.datetime) -> int:
    """The drill of ``at``, claimed with its lease by ``owner``, which then vanished."""
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None
        claimed = await tx.claim_drill(
            workspace_id=WORKSPACE,
            channel_id=channel.id,
            slot=Slot.DAILY,
            local_date=at.date(),
            item_id=h.deps.library.open_questions()[0].id,
            kind="open",
            scheduled_at=at,
            reveal_at=at + dt.timedelta(hours=6),
        )
        assert claimed is not None
        assert await tx.take_lease(drill_key(claimed.id), owner, at, at + LEASE) is not None
    return claimed.id


async def state_of(h: Harness, drill_id: int) -> tuple[DrillState, str | None]:
    async with h.store.transaction() as tx:
        drill = await tx.get_drill(drill_id)
    assert drill is not None
    return drill.state, drill.message_ref


async def test_a_post_that_landed_but_whose_answer_was_lost_is_adopted_not_reposted() -> None:
    h = Harness(settings=EngineSettings(count_update_delay=0, owner="one"))
    await h.setup()
    h.chat.lost_answers = 1  # Slack kept the message; the response never came back
    h.clock.set(local("2026-11-30T09:30"))
    await h.engine.tick()
    drill = await only_drill(h)
    assert await state_of(h, drill) == (DrillState.CLAIMED, None)
    await h.engine.tick(local("2026-11-30T09:31"))
    assert keyed(h, "drill:") == [drill_key(drill)]  # looked, found it, posted nothing more
    [sent] = h.chat.posted(drill_key(drill))
    assert await state_of(h, drill) == (DrillState.POSTED, sent.ref)
    answered = await h.say("bob", "/drill answer Keep hot data close, expire with a TTL.")
    assert "Answer recorded" in answered


async def test_a_lease_held_by_a_dead_process_is_taken_over_once_it_expires() -> None:
    h = Harness(settings=EngineSettings(count_update_delay=0, owner="survivor"))
    await h.setup()
    # The dead process claimed the 09:30 drill and its lease, then vanished before posting.
    at = local("2026-11-30T09:30")
    drill = await claimed_by(h, "dead", at)
    await h.engine.tick(local("2026-11-30T09:30:30"))  # the lease still runs: hands off
    assert keyed(h, "drill:") == []
    await h.engine.tick(local("2026-11-30T09:31:01"))  # expired: taken over, posted once
    assert keyed(h, "drill:") == [drill_key(drill)]
    await h.engine.tick(local("2026-11-30T09:40"))
    assert keyed(h, "drill:") == [drill_key(drill)]


async def test_retries_of_a_failing_post_by_two_processes_post_it_once() -> None:
    h = Harness(settings=EngineSettings(count_update_delay=0, owner="one"))
    await h.setup()
    other = another_process(h, "two")
    h.chat.failures = 5  # Slack is down for a while
    minute = local("2026-11-30T09:30")
    for n in range(8):
        now = minute + dt.timedelta(minutes=n)
        h.clock.set(now)
        # Both replicas' ticks overlap, several at once, as the cron jobs and the sweep did.
        await asyncio.gather(*(e.tick(now) for e in (h.engine, other, h.engine, other)))
    drill = await only_drill(h)
    assert keyed(h, "drill:") == [drill_key(drill)]
    assert (await state_of(h, drill))[0] is DrillState.POSTED


async def test_a_failed_reveal_is_not_marked_and_comes_on_a_later_tick() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    drill = await only_drill(h)
    h.chat.failures = 1
    await h.engine.tick(local("2026-11-30T15:30"))
    assert keyed(h, "reveal:") == []
    async with h.store.transaction() as tx:
        found = await tx.get_drill(drill)
    assert found is not None and found.revealed_at is None  # not marked before it is posted
    await h.engine.tick(local("2026-11-30T15:31"))
    assert keyed(h, "reveal:") == [reveal_key(drill)]
    [reveal] = h.chat.posted(reveal_key(drill))
    assert reveal.thread == (await state_of(h, drill))[1]  # in the drill's thread


async def test_a_reveal_whose_answer_was_lost_is_adopted() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    drill = await only_drill(h)
    h.chat.lost_answers = 1
    await h.engine.tick(local("2026-11-30T15:30"))
    await h.engine.tick(local("2026-11-30T15:31"))
    await h.engine.tick(local("2026-11-30T15:32"))
    assert keyed(h, "reveal:") == [reveal_key(drill)]
    async with h.store.transaction() as tx:
        found = await tx.get_drill(drill)
    assert found is not None and found.revealed_at is not None


async def test_a_weekly_board_that_failed_is_posted_once_later() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-12-04T15:59")
    h.chat.failures = 2
    await h.engine.tick(local("2026-12-04T16:00"))
    await h.engine.tick(local("2026-12-04T16:01"))
    assert keyed(h, "board:") == []
    for minute in range(2, 6):
        await h.engine.tick(local(f"2026-12-04T16:0{minute}"))
    assert len(keyed(h, "board:")) == 1


async def test_a_draining_process_starts_nothing_and_another_posts_it() -> None:
    h = Harness(settings=EngineSettings(count_update_delay=0, owner="stopping"))
    await h.setup()
    other = another_process(h, "next")
    h.engine.drain()
    await h.engine.tick(local("2026-11-30T09:30"))
    assert keyed(h, "drill:") == []
    await other.tick(local("2026-11-30T09:30:10"))  # nothing was left leased: no wait
    drill = await only_drill(h)
    assert keyed(h, "drill:") == [drill_key(drill)]


async def test_a_lookup_that_fails_posts_nothing_and_is_tried_again() -> None:
    h = Harness()
    await h.setup()
    h.chat.lost_answers = 1
    await h.at("2026-11-30T09:30")
    h.chat.lookup_failures = 1  # Slack cannot be read: do not guess, do not repost
    await h.engine.tick(local("2026-11-30T09:31"))
    drill = await only_drill(h)
    assert keyed(h, "drill:") == [drill_key(drill)]
    await h.engine.tick(local("2026-11-30T09:32"))
    assert keyed(h, "drill:") == [drill_key(drill)]
    assert (await state_of(h, drill))[0] is DrillState.POSTED


async def test_leases_expire_and_are_taken_once_on_the_store() -> None:
    h = Harness()
    now = local("2026-11-30T09:30")
    later = now + LEASE
    async with h.store.transaction() as tx:
        first = await tx.take_lease("k", "a", now, later)
        assert first is not None and first.attempts == 1 and not first.retried
        assert await tx.take_lease("k", "b", now, later) is None  # held
        again = await tx.take_lease("k", "b", later + dt.timedelta(seconds=1), later + LEASE)
        assert again is not None and again.retried and again.first_claimed_at == now
        assert not await tx.renew_lease("k", "a", later + LEASE)  # a lost it
        assert await tx.finish_lease("k", later, "ref")
        assert not await tx.finish_lease("k", later, "ref")
        assert await tx.lease_done("k")
        assert await tx.take_lease("k", "c", later + LEASE * 5, later + LEASE * 6) is None


async def test_a_channel_whose_filters_match_nothing_is_told_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.WARNING, logger="drillbot.posting")
    h = Harness()
    await h.setup()
    # The content changed under the channel: its topic filter now matches nothing.
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None and channel.schedule is not None
        await tx.save_schedule(channel.id, replace(channel.schedule, topics=("retired-topic",)))
    reads: list[int] = []
    original = MemoryTx.channel_items

    async def counted(self: MemoryTx, channel_id: int) -> list[tuple[str, dt.date]]:
        reads.append(channel_id)
        return await original(self, channel_id)

    monkeypatch.setattr(MemoryTx, "channel_items", counted)
    for minute in range(30, 36):
        await h.engine.tick(local(f"2026-11-30T09:{minute}"))
    assert len(reads) == 1  # once told, the occurrence is not tried again every tick
    told = [s for s in h.chat.sent if (s.message.key or "").startswith("nothing-eligible:")]
    assert len(told) == 1 and told[0].channel == CHANNEL
    assert "No open questions match this channel's filters" in told[0].message.text
    assert "topics retired-topic" in str(told[0].message.blocks)
    assert keyed(h, "drill:") == []
    assert caplog.text.count("has no eligible open questions") == 1


async def test_a_lease_held_by_a_process_that_died_on_this_host_is_taken_at_once() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:29")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dead = f"{HOST}:{gone}:0123abcd"
    at = local("2026-11-30T09:30")
    drill = await claimed_by(h, dead, at)
    await h.engine.tick(at + dt.timedelta(seconds=5))  # long before the lease ends
    assert keyed(h, "drill:") == [drill_key(drill)]
