"""Daily drills end to end on the in-memory fakes: posting, answers, reveals, streaks, boards."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bot.domain.model import DrillState, Slot
from bot.testing.harness import CHANNEL, WORKSPACE, Harness, text_of


async def drill_id(h: Harness, day: str, slot: Slot = Slot.DAILY) -> int:
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None
        drills = await tx.open_drills(channel.id, h.clock.now())
    for d in drills:
        if d.local_date == dt.date.fromisoformat(day) and d.slot == slot:
            return d.id
    raise AssertionError(f"no open {slot} drill on {day}")


async def test_setup_then_one_post_per_weekday_at_local_time() -> None:
    h = Harness()
    assert "Drills are set up" in await h.setup()
    await h.at("2026-11-30T09:29")
    assert h.posted() == []
    await h.at("2026-11-30T09:30")
    assert len(h.posted()) == 1
    await h.engine.tick()  # a second tick at the same minute posts nothing more
    await h.at("2026-12-05T12:00")  # through Saturday
    assert len(h.posted()) == 5  # Mon-Fri
    await h.at("2026-12-07T09:30")
    assert len(h.posted()) == 6
    posts = [s for s in h.chat.sent if s.method == "post" and s.message.kind == "drill"]
    assert {s.channel for s in posts} == {CHANNEL}


async def test_mcq_first_choice_counts_and_retries_do_not_double() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=mon")
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    alice = h.actor("alice")
    first = await h.engine.pick(alice, f"{did}:B", "click-1")
    assert "B is right" in text_of(first)
    again = await h.engine.pick(alice, f"{did}:B", "click-1")  # the platform retried
    assert "B is right" in text_of(again)
    changed = await h.engine.pick(alice, f"{did}:A", "click-2")
    assert "first choice is the one that counts" in text_of(changed)
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    assert [(r.user, r.points, r.answers, r.correct) for r in rows] == [("alice", 15, 1, 1)]


async def test_open_answer_edits_until_reveal_count_from_the_first() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    weak = await h.say("bob", "/drill answer Caches are never stale.")
    assert "Answer recorded" in weak and "Claiming caches are never stale" in weak
    strong = await h.say(
        "bob", "/drill answer Keep hot data close to the app and expire each entry with a TTL."
    )
    assert "Answer updated" in strong and "key points covered: 2 of 2" in strong
    # The edit counts a quarter of its improvement on the first answer's 0 (see scoring).
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    assert [(r.user, r.points, r.answers) for r in rows] == [("bob", 7, 1)]
    await h.at("2026-11-30T15:30")
    late = await h.say("bob", "/drill answer one more edit")
    assert "There is no open question" in late


async def test_answer_limits_and_nothing_open() -> None:
    h = Harness()
    await h.setup()
    nothing = await h.say("bob", "/drill answer hello")
    assert "There is no open question open in this channel" in nothing
    await h.at("2026-11-30T09:30")
    too_long = await h.say("bob", "/drill answer " + "x" * 3001)
    assert "3,001 characters; the limit is 3,000" in too_long
    assert await h.engine.boards.rows(WORKSPACE, None, "this-week") == []


async def test_reveal_in_thread_once_with_stats() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=mon window=6h")
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    await h.engine.pick(h.actor("alice"), f"{did}:B", "k1")
    await h.engine.pick(h.actor("bob"), f"{did}:A", "k2")
    await h.at("2026-11-30T15:29")
    assert not [s for s in h.chat.sent if s.message.kind == "reveal"]
    await h.at("2026-11-30T15:30")
    await h.engine.tick()
    reveals = [s for s in h.chat.sent if s.message.kind == "reveal"]
    assert len(reveals) == 1
    drill_post = next(s for s in h.chat.sent if s.message.kind == "drill")
    assert reveals[0].method == "reply" and reveals[0].thread == drill_post.ref
    body = text_of(reveals[0].message)
    assert "the answer is B" in body and "1 pick" in body and "2 answers" in body
    closed = await h.engine.pick(h.actor("carol"), f"{did}:B", "k3")
    assert "This drill has closed" in text_of(closed)


async def test_grace_window_posts_late_or_skips() -> None:
    h = Harness()
    await h.setup()
    h.clock.set(dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC))  # 11:30 Berlin
    await h.engine.tick()
    assert len(h.posted()) == 1  # two hours late is still inside the grace window
    h.clock.set(dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC))  # 12:00 Berlin: 2.5 h late
    await h.engine.tick()
    assert len(h.posted()) == 1
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None
        items = await tx.channel_items(channel.id)
    assert len(items) == 2  # the skipped day is recorded, so it is never posted later


async def test_failed_post_is_retried_not_lost() -> None:
    h = Harness()
    await h.setup()
    h.chat.failures = 100  # Slack is down
    await h.at("2026-11-30T09:30")
    assert h.posted() == []
    h.chat.failures = 0
    await h.at("2026-11-30T09:31")
    assert len(h.posted()) == 1
    did = await drill_id(h, "2026-11-30")
    async with h.store.transaction() as tx:
        drill = await tx.get_drill(did)
    assert drill is not None and drill.state is DrillState.POSTED


async def test_streaks_skip_weekends_and_away_days_but_break_on_a_miss() -> None:
    h = Harness()
    await h.setup()
    answer = "/drill answer hot data with a ttl"
    for day in ("2026-11-30", "2026-12-01"):  # Mon, Tue
        await h.at(f"{day}T09:30")
        await h.say("alice", answer)
    assert "streak" in (await h.say("alice", "/drill stats")).lower()
    await h.say("alice", "/drill away 2026-12-02 2026-12-02")  # Wed away
    for day in ("2026-12-03", "2026-12-04", "2026-12-07"):  # Thu, Fri, (weekend), Mon
        await h.at(f"{day}T09:30")
        await h.say("alice", answer)
        await h.say("bob", answer)
    await h.at("2026-12-08T16:00")  # Tuesday's drill closes unanswered
    rows = {r.user: r for r in await h.engine.boards.rows(WORKSPACE, None, "all")}
    assert (rows["alice"].current_streak, rows["alice"].best_streak) == (0, 5)
    assert (rows["bob"].current_streak, rows["bob"].best_streak) == (0, 3)
    await h.at("2026-12-09T09:30")
    await h.say("bob", answer)
    rows = {r.user: r for r in await h.engine.boards.rows(WORKSPACE, None, "all")}
    assert (rows["bob"].current_streak, rows["bob"].best_streak) == (1, 3)


async def test_weekly_leaderboard_posted_once_at_its_slot() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-12-04T09:30")
    await h.say("alice", "/drill answer hot data and a ttl")
    await h.at("2026-12-04T15:59")
    assert h.posted("leaderboard") == []
    await h.at("2026-12-04T16:00")
    await h.engine.tick()
    boards = h.posted("leaderboard")
    assert len(boards) == 1
    assert "Alice" in text_of(boards[0])


async def test_questions_do_not_repeat_until_all_used() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin daily")
    await h.at("2026-12-05T10:00")  # six days: all six open questions once
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None
        items = [i for i, _ in await tx.channel_items(channel.id)]
    assert len(items) == 6 and len(set(items)) == 6
    topics = [i.split("-")[1] for i in items]
    assert all(a != b for a, b in itertools.pairwise(topics))  # topics take turns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/drill leadrboard", "Did you mean `leaderboard`"),
        ("/drill pick Z", "pick"),
        ("/drill away 2026-13-01", "2026-13-01"),
    ],
)
async def test_bad_commands_get_specific_help(text: str, expected: str) -> None:
    h = Harness()
    assert expected in await h.say("alice", text)


async def test_admin_commands_refused_for_others_and_bad_schedule_explained() -> None:
    h = Harness()
    refused = await h.say("alice", "/drill setup 09:30 Europe/Berlin")
    assert "Only workspace admins" in refused
    bad_zone = await h.setup("09:30 Mars/Base")
    assert "IANA time zone" in bad_zone
    async with h.store.transaction() as tx:
        assert await tx.channels() == []


async def test_open_answer_retries_never_double_or_revert() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    bob = h.actor("bob")
    first = "Caches are never stale."
    better = "Keep hot data close and expire it with a TTL."
    await h.engine.answer(bob, did, first, "modal-1")
    retry = await h.engine.answer(bob, did, first, "modal-1")  # Slack retried the submission
    assert "Answer recorded" in text_of(retry)
    await h.engine.answer(bob, did, better, "modal-2")
    late = await h.engine.answer(bob, did, first, "modal-1")  # a very late retry of the first
    assert "key points covered: 2 of 2" in text_of(late)
    assert "Your first answer scored 0% and this version 100%" in text_of(late)
    again = await h.engine.answer(bob, did, better, "modal-2")
    assert "key points covered: 2 of 2" in text_of(again)
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    assert [(r.user, r.points, r.answers) for r in rows] == [("bob", 7, 1)]
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, "bob")
        assert person is not None
        answer = await tx.get_answer(did, person.id)
        streak = await tx.get_streak(person.id, answer.channel_id if answer else 0)
    assert answer is not None and answer.text == better
    assert streak is not None and streak.current == 1


async def test_a_brief_database_outage_delays_an_answer_but_loses_nothing() -> None:
    from bot.services.deps import EngineSettings
    from bot.testing.flaky_store import FlakyStore
    from bot.testing.memory_store import MemoryStore

    flaky = FlakyStore(MemoryStore())
    h = Harness(store=flaky, settings=EngineSettings(retry_delay=0.001, count_update_delay=0))
    await h.setup()
    await h.at("2026-11-30T09:30")
    flaky.failures = 2  # two attempts fail, the third gets through
    reply = await h.say("alice", "/drill answer hot data with a ttl")
    assert "Answer recorded" in reply
    flaky.failures = 100  # down for good: a clear message, and nothing half-written
    down = await h.say("bob", "/drill answer hot data with a ttl")
    assert "can't reach its database right now, so nothing was recorded" in down
    flaky.failures = 0
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    assert [(r.user, r.answers) for r in rows] == [("alice", 1)]


async def test_admins_can_list_people_who_may_run_admin_commands() -> None:
    h = Harness()
    assert "Only workspace admins" in await h.say("maria", "/drill setup 09:30 UTC")
    assert "Only workspace admins" in await h.say("bob", "/drill admins add @maria")
    added = await h.say("lead", "/drill admins add <@maria|Maria>", admin=True)
    assert "`maria` can now run admin commands. Listed admins: `maria`." in added
    assert "Drills are set up" in await h.say("maria", "/drill setup 09:30 UTC")
    assert "Listed admins: `maria`" in await h.say("bob", "/drill admins")
    removed = await h.say("maria", "/drill admins remove maria")
    assert "`maria` is no longer listed. Listed admins: nobody yet." in removed
    assert "Only workspace admins" in await h.say("maria", "/drill pause")


async def test_engine_start_learns_people_so_first_answers_skip_the_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.testing.memory_store import MemoryTx

    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    await h.say("alice", "/drill stats")  # alice is known to the database
    restarted = Harness(store=h.store)  # a new bot process on the same database
    await restarted.engine.start()
    lookups: list[str] = []
    original = MemoryTx.ensure_person

    async def counting(self: MemoryTx, workspace_id: str, external_id: str, name: str) -> object:
        lookups.append(external_id)
        return await original(self, workspace_id, external_id, name)

    monkeypatch.setattr(MemoryTx, "ensure_person", counting)
    reply = await restarted.engine.answer(h.actor("alice"), did, "hot data with a ttl", "m-1")
    assert "Answer recorded" in text_of(reply)
    assert lookups == []  # the answer path did not look alice up again
