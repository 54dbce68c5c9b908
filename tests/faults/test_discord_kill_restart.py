"""Drills and reveals on Discord survive crashes and deploys: real ``drillbot run --platform
discord`` processes against the fake Discord, killed (SIGKILL) or stopped (SIGTERM) while a post
is in flight, then started again.

- three channels' drills posted at once, SIGKILL: one post landed (its answer never came
  back), one never landed, and one landed in a channel whose history shows no nonces (as
  Discord's does not); after the restart, clicks on the MCQ buttons of the drill the killed
  process posted count, once each;
- SIGTERM while the drills of four channels of one server are posted at once: one landed and
  unanswered through the whole grace period, one that never lands, one answered during the
  grace period, one that went straight through;
- the reveal's post in the drill's thread landed but not recorded, SIGKILL;
- a drill's post landed, SIGKILL, and the next process comes after Discord forgot the post's
  nonce: the post is recognised by its content, not posted again.

Whatever the moment, Discord ends up with exactly one message per drill and reveal, and the
database points at that message. On SQLite one process is stopped and restarted. On PostgreSQL
two processes share the work as replicas do on Discord (shards 0 and 1 of 2, both running the
scheduler): those holding the held posts are stopped; when one is left it takes over, and the
stopped ones come back (a rolling deploy).

Each case costs two process starts (about 4 s each: discord.py waits 2 s for the servers of a
shard before it is ready), so the cases that can share one stop do.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import custom_ids
from bot.messaging.message import Action
from tests.adapters.discord.bot_harness import buttons, shown_text
from tests.adapters.discord.fake_discord import (
    LOADING,
    Call,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    Hold,
    SentInteraction,
)
from tests.faults.discord_harness import (
    POST,
    Discord,
    DiscordBot,
    DiscordFleet,
    PostedDrill,
    add_server,
    bot_messages,
    drill_key,
    into_a_thread,
    keyed,
    member,
    reveal_key,
    to_channel,
)
from tests.faults.harness import DRILLBOT

HISTORY = "GET /channels/{channel_id}/messages"
REPLAYED = "was delivered again; it is handled once"
STOPPING = "drillbot.discord: stopping"
"""Logged once a stop signal is heard, before the grace period of the post in flight."""


@dataclass(frozen=True)
class Database:
    url: str
    processes: int


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'drillbot.db'}", processes=1)
    url: str = request.getfixturevalue("fresh_pg_url")
    return Database(url, processes=2)


@pytest.fixture
async def fleet(database: Database, tmp_path: Path) -> AsyncIterator[DiscordFleet]:
    if not DRILLBOT.exists():
        pytest.fail(f"{DRILLBOT} is missing: install the package (make install) first")
    fake = Discord(shard_count=database.processes)
    await fake.start()
    fleet = DiscordFleet(fake, database.url, tmp_path, shard_count=database.processes)
    try:
        yield fleet
    finally:
        await fleet.close()
        await fake.stop()
    # Whatever a test checked, nothing the bot sent may break Discord's rules.
    assert fake.violations == [], fake.violations


# --- steps -------------------------------------------------------------------------------------
async def kill_where_held(
    fleet: DiscordFleet, bots: Sequence[DiscordBot], holds: Sequence[Hold], prefix: str
) -> list[DiscordBot]:
    """Wait for the processes to walk into every hold, SIGKILL those holding the leases of the
    held posts (all of them with one process), then let the fake finish the requests (their
    client is gone by then); the killed processes."""
    await fleet.until(lambda: all(h.reached.is_set() for h in holds), f"posts of {prefix} held")
    victims = list(bots)
    if len(bots) > 1:
        owners = await fleet.lease_owners(prefix)
        assert len(owners) == len(holds), f"{len(holds)} leases of {prefix} held, not {owners}"
        victims = [b for b in bots if any(b.owns(o) for o in owners)]
    for victim in victims:
        assert await victim.stop(signal.SIGKILL) == -signal.SIGKILL
    for hold in holds:
        hold.released.set()
    return victims


async def restart(fleet: DiscordFleet, victims: Sequence[DiscordBot]) -> list[DiscordBot]:
    return list(await asyncio.gather(*(fleet.restart(v) for v in victims)))


async def exactly_one_drill(
    fleet: DiscordFleet, channel: FakeChannel
) -> tuple[PostedDrill, dict[str, Any]]:
    """The channel's drill once it is recorded as posted: one message in the channel, stamped
    with its key, and the one the database points at."""
    drill = await fleet.drill_in(channel)
    await fleet.delivered(drill_key(drill.id))
    drill = await fleet.drill_in(channel)
    posted = bot_messages(fleet.fake, channel)
    assert len(posted) == 1, f"{len(posted)} messages in {channel.name}: {posted}"
    assert keyed(fleet.fake, channel, drill_key(drill.id)) == posted
    assert drill.state == "posted" and drill.message_ref == posted[0]["id"], drill
    return drill, posted[0]


def posts_to(fake: FakeDiscord, channel: FakeChannel) -> list[Call]:
    return [c for c in fake.of(POST) if c.path_params["channel_id"] == str(channel.id)]


def no_double_post_logged(fleet: DiscordFleet) -> None:
    for bot in fleet.bots:
        assert "posted twice" not in bot.output(), bot.output()[-3000:]


async def reply_of(fleet: DiscordFleet, sent: SentInteraction) -> str:
    """What the person who clicked reads: the interaction's messages, once one has content."""
    fake = fleet.fake
    await fake.wait_for_callback(sent, timeout=10)

    def shown() -> str | None:
        found = [fake.message(m) for m in sent.message_ids]
        text = "\n".join(shown_text(m) for m in found if not int(m.get("flags") or 0) & LOADING)
        return text or None

    return await fake.wait_until(shown, timeout=10)


async def clicks_after_the_restart(
    fleet: DiscordFleet, guild: FakeGuild, drill: PostedDrill, posted: dict[str, Any]
) -> None:
    """The MCQ buttons of a message the killed process posted reach the new processes, and a
    click counts once however often it comes."""
    fake = fleet.fake
    by_label = {b["label"]: b["custom_id"] for b in buttons(posted)}
    assert sorted(by_label) == ["A", "B", "C"], buttons(posted)
    decoded = custom_ids.decode(by_label["B"])
    assert decoded is not None and decoded[0] is Action.PICK
    alice, bob = member(guild, "alice"), member(guild, "bob")

    first = await fake.button_click(posted["id"], by_label["B"], alice)
    assert "is right" in await reply_of(fleet, first)
    await fleet.until_async(lambda: answered(fleet, drill, 1), "alice's answer recorded")
    # The same click delivered again (a gateway replay): answered once (the process knows it,
    # or Discord refuses a second callback), then a second click of hers.
    await fake.redeliver(first)
    await fleet.until(
        lambda: len(first.attempts) > 1 or REPLAYED in fleet.output(), "the replayed click handled"
    )
    assert [c.error_code for c in first.attempts] in ([None], [None, 40060]), first.attempts
    again = await fake.button_click(posted["id"], by_label["A"], alice)
    await reply_of(fleet, again)
    # Someone else's click still counts: the ones above were handled, not lost.
    other = await fake.button_click(posted["id"], by_label["C"], bob)
    assert "is not right" in await reply_of(fleet, other)
    await fleet.until_async(lambda: answered(fleet, drill, 2), "bob's answer recorded")


async def answered(fleet: DiscordFleet, drill: PostedDrill, count: int) -> bool:
    return await fleet.answers(drill.id) == count


# --- 1, 2, 5: SIGKILL while drills are posted; a click after the restart ------------------------
async def test_sigkill_while_drills_are_posted_then_restart_and_click(
    fleet: DiscordFleet,
) -> None:
    """Three channels due at once: the posts of ``landed`` and ``unseen`` reached Discord,
    whose answers never came back; the post of ``lost`` never got there. SIGKILL, restart.
    ``unseen``'s history shows no nonces, as Discord's does not: the look recognises the post
    by its content, and nothing is sent again."""
    fake = fleet.fake
    guild = add_server(fake, channels=("landed", "lost", "unseen"))
    landed, lost, unseen = (guild.channel(n) for n in ("landed", "lost", "unseen"))
    fake.nonces_hidden_in.add(unseen.id)
    await fleet.prepare(guild, [landed], mcq=True)
    await fleet.prepare(guild, [lost, unseen])
    holds = [
        fake.hold(POST, landed=True, match=to_channel(landed)),
        fake.hold(POST, landed=False, match=to_channel(lost)),
        fake.hold(POST, landed=True, match=to_channel(unseen)),
    ]
    bots = await fleet.start_all()
    victims = await kill_where_held(fleet, bots, holds, "drill:")
    await restart(fleet, victims)

    # 1. The post that landed: the taker read the channel and adopted it, no second post.
    drill, posted = await exactly_one_drill(fleet, landed)
    assert fake.of(HISTORY), "the process that took over did not look for the post"
    assert "was posted by an earlier attempt; adopting it" in fleet.output()
    assert len(posts_to(fake, landed)) == 1, [c.note for c in posts_to(fake, landed)]
    # 2. The post that never landed: posted again, once.
    _, lost_post = await exactly_one_drill(fleet, lost)
    assert [c.status for c in posts_to(fake, lost)] == [503, 200]
    # 1 as on Discord: sent again, and Discord answered with the message it had.
    _, unseen_post = await exactly_one_drill(fleet, unseen)
    assert [c.note for c in posts_to(fake, unseen)] == ["held"]
    # 5. The drill's buttons work across processes.
    await clicks_after_the_restart(fleet, guild, drill, posted)

    await fleet.stop_all(signal.SIGTERM)
    # Still one each, after every process's last tick.
    assert bot_messages(fake, landed) == [fake.message(posted["id"])]
    assert bot_messages(fake, lost) == [lost_post]
    assert bot_messages(fake, unseen) == [unseen_post]
    assert await fleet.answers(drill.id) == 2  # alice once, bob once
    no_double_post_logged(fleet)


# --- 3: SIGTERM during a burst -------------------------------------------------------------------
async def test_sigterm_during_a_burst_of_posts_then_restart(fleet: DiscordFleet) -> None:
    """Four channels of one server due at the same minute, posted at once; SIGTERM while three
    posts are held. The stop lets them run for its grace period, then gives their leases back;
    the restart finishes the two left."""
    fake = fleet.fake
    names = ("drills-1", "drills-2", "drills-3", "drills-4")
    guild = add_server(fake, channels=names)
    kept, dropped, finished, free = (guild.channel(n) for n in names)
    await fleet.prepare(guild, [kept, dropped, finished, free])
    holds = {
        # Lands; its answer comes only after the process has gone.
        kept.name: fake.hold(POST, landed=True, match=to_channel(kept)),
        # Never lands.
        dropped.name: fake.hold(POST, landed=False, match=to_channel(dropped)),
        # Lands; answered during the grace period of the stop.
        finished.name: fake.hold(POST, landed=True, match=to_channel(finished)),
    }
    bots = await fleet.start_all()
    await fleet.until(
        lambda: all(h.reached.is_set() for h in holds.values()), "the burst reaching every hold"
    )
    owners = await fleet.lease_owners("drill:")
    victims = [b for b in bots if any(b.owns(o) for o in owners)]
    assert victims, f"nobody holds the held posts: {owners}"
    for victim in victims:
        victim.process.send_signal(signal.SIGTERM)  # once: a second one is not graceful
    await fleet.until(
        lambda: all(STOPPING in v.output() for v in victims), "the processes to start stopping"
    )
    holds[finished.name].released.set()
    codes = await asyncio.gather(*(asyncio.wait_for(v.process.wait(), 30) for v in victims))
    assert codes == [0] * len(victims), fleet.logs()
    assert "did not finish within" in "".join(v.output() for v in victims)
    # The post answered within the grace period was recorded before the process exited.
    assert await fleet.done(drill_key((await fleet.drill_in(finished)).id)), fleet.logs()
    for hold in holds.values():
        hold.released.set()

    await restart(fleet, victims)
    posted = {}
    for channel in (kept, dropped, finished, free):
        _, posted[channel.name] = await exactly_one_drill(fleet, channel)
    # Cancelled mid-post, the kept one was looked for and adopted; the dropped one sent again.
    assert [c.note for c in posts_to(fake, kept)] == ["held"]
    assert [c.status for c in posts_to(fake, dropped)] == [503, 200]
    assert len(posts_to(fake, finished)) == len(posts_to(fake, free)) == 1

    await fleet.stop_all(signal.SIGTERM)
    for channel in (kept, dropped, finished, free):
        assert bot_messages(fake, channel) == [posted[channel.name]], channel.name
    assert len(await fleet.drills()) == 4
    no_double_post_logged(fleet)


# --- 4: SIGKILL after the reveal landed in the thread --------------------------------------------
async def test_sigkill_after_the_reveal_landed_in_its_thread_then_restart(
    fleet: DiscordFleet,
) -> None:
    fake = fleet.fake
    guild = add_server(fake)
    channel = guild.channel("drills")
    await fleet.prepare(guild, [channel], reveal_now=True)
    hold = fake.hold(POST, landed=True, match=into_a_thread(fake))
    bots = await fleet.start_all()
    victims = await kill_where_held(fleet, bots, [hold], "reveal:")
    await restart(fleet, victims)

    drill, posted = await exactly_one_drill(fleet, channel)
    await fleet.delivered(reveal_key(drill.id))
    thread = fake.thread_for(posted["id"])
    assert thread is not None and fake.threads == [thread]
    [reveal] = bot_messages(fake, thread)
    assert keyed(fake, thread, reveal_key(drill.id)) == [reveal]
    assert "Model answer" in shown_text(reveal)
    assert (await fleet.drill_in(channel)).revealed_at is not None
    assert "was posted by an earlier attempt; adopting it" in fleet.output()

    await fleet.stop_all(signal.SIGTERM)
    assert bot_messages(fake, thread) == [reveal]
    assert bot_messages(fake, channel) == [posted]
    no_double_post_logged(fleet)


# --- the same, with a restart after Discord forgot the nonce -------------------------------------


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_a_post_that_landed_is_found_after_discord_forgot_its_nonce(
    fleet: DiscordFleet,
) -> None:
    """SIGKILL after the drill's post landed; the next process comes after Discord's nonce
    window (a crash loop, a host that is gone until its lease expires, a long outage). One
    database is enough: the look for the post is the adapter's."""
    fake = fleet.fake
    guild = add_server(fake)
    channel = guild.channel("drills")
    fake.nonces_hidden_in.add(channel.id)
    await fleet.prepare(guild, [channel])
    hold = fake.hold(POST, landed=True, match=to_channel(channel))
    [bot] = await fleet.start_all()
    await kill_where_held(fleet, [bot], [hold], "drill:")
    [landed] = bot_messages(fake, channel)
    fake.forget_nonce(landed["id"])
    await fleet.restart(bot)

    drill = await fleet.drill_in(channel)
    await fleet.delivered(drill_key(drill.id))
    posted = bot_messages(fake, channel)
    await fleet.stop_all(signal.SIGTERM)
    assert posted == [landed], f"{len(posted)} drill messages: {[m['id'] for m in posted]}"
