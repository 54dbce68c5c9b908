"""History for everyone and privacy (issue 12, items 5 and 6), on the in-memory fakes.

`/drill history` lists your own drills and, after a reveal, your whole answer next to the model
answer; `/drill stats` adds accuracy per topic; answer texts reach nobody else unless a
channel's admin turns on `setup share-answers=on`; `/drill optout` leaves the public boards.
"""

from __future__ import annotations

import re

from bot.domain import privacy
from bot.domain.model import Person
from bot.messaging.message import Visibility
from bot.testing.harness import WORKSPACE, Harness, text_of

GOOD = "/drill answer zebra: frequently read hot data stays near\nand every entry gets a ttl"
HALF = "/drill answer hot data should live close to the app"


async def _drill_ids(h: Harness, user: str) -> list[int]:
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, user)
        assert person is not None
        return [a.drill_id for a in await tx.recent_answers(person.id, 50)]


def _last_reveal(h: Harness) -> str:
    reveals = [s.message for s in h.chat.sent if s.message.kind == "reveal"]
    assert reveals
    return text_of(reveals[-1])


async def _week_of_answers(h: Harness) -> None:
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=tue window=6h")
    await h.at("2026-11-30T09:30")  # Monday: open question
    await h.say("alice", GOOD)
    await h.say("bob", HALF)
    await h.at("2026-12-01T09:30")  # Tuesday: MCQ
    await h.say("alice", "/drill pick A")
    await h.at("2026-12-02T09:30")  # Wednesday: open question, still open
    await h.say("alice", HALF)


async def test_history_lists_your_drills_newest_first_with_what_you_missed() -> None:
    h = Harness()
    await _week_of_answers(h)
    text = await h.say("alice", "/drill history")
    assert "Your 3 drills so far" in text
    dates = re.findall(r"(Mon|Tue|Wed) \d\d (?:Nov|Dec)", text)
    assert dates == ["Wed", "Tue", "Mon"]
    # Wednesday's first line, its points, and the missed key point by its label only.
    assert "“hot data should live close to the app”" in text
    assert "missed: how entries leave the cache" in text
    assert "Expire entries with a TTL" not in text  # the point itself waits for `history #n`
    assert "You picked A (wrong)" in text
    assert (
        "“zebra: frequently read hot data stays near”" in text and "every entry" not in text
    )  # first line only
    assert "missed: nothing" in text
    assert "bob" not in text.lower() and "should live" in text
    one = await h.say("alice", "/drill history 1")
    assert "Your last 1 drill" in one and "Tue" not in one


async def test_history_of_one_drill_waits_for_its_reveal_then_shows_both_answers() -> None:
    h = Harness()
    await _week_of_answers(h)
    wednesday, _, monday = await _drill_ids(h, "alice")
    early = await h.say("alice", f"/drill history #{wednesday}")
    assert "not revealed yet" in early and "Caches keep hot data close" not in early
    whole = await h.say("alice", f"/drill history #{monday}")
    assert "stays near\nand every entry gets a ttl" in whole.replace("> ", "")
    assert "Model answer" in whole and "Caches keep hot data close" in whole
    assert "key points covered: 2 of 2" in whole
    await h.at("2026-12-02T15:31")
    await h.engine.tick()
    revealed = await h.say("alice", f"/drill history #{wednesday}")
    assert "Missed" in revealed
    assert "Expire entries with a TTL" in revealed


async def test_someone_elses_drill_and_bad_numbers_are_refused_clearly() -> None:
    h = Harness()
    await _week_of_answers(h)
    monday = (await _drill_ids(h, "alice"))[-1]
    carol = await h.say("carol", f"/drill history #{monday}")
    assert f"You have no answer to drill #{monday}" in carol
    assert "zebra" not in carol
    assert "You have no answer to drill #99999" in await h.say("alice", "/drill history 99999")
    assert "`0` is too small" in await h.say("alice", "/drill history 0")
    assert "`abc` is not a number" in await h.say("alice", "/drill history abc")
    assert "not answered a drill yet" in await h.say("carol", "/drill history")


async def test_history_replies_are_private() -> None:
    h = Harness()
    await _week_of_answers(h)
    replies = await h.command("alice", "/drill history 20")
    assert [r.visibility for r in replies.items] == [Visibility.PRIVATE]


async def test_stats_show_accuracy_and_coverage_per_topic() -> None:
    h = Harness()
    await _week_of_answers(h)
    text = await h.say("alice", "/drill stats")
    assert "By topic" in text
    # The tiny library's topics: every drill so far came from one or both of them.
    topic_lines = [line for line in text.splitlines() if "MCQ" in line or "key points " in line]
    assert any("MCQ 0/1 right (0%)" in line for line in topic_lines)
    assert any("on average over" in line for line in topic_lines)


async def test_reveals_quote_no_answer_unless_the_channel_shares_them() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri window=6h")
    await h.at("2026-11-30T09:30")
    await h.say("alice", GOOD)
    await h.say("bob", HALF)
    await h.at("2026-11-30T15:31")
    await h.engine.tick()
    reveal = _last_reveal(h)
    assert "zebra" not in reveal and "Alice" not in reveal
    # Only an admin turns sharing on, and the channel is told.
    refused = await h.say("bob", "/drill setup share-answers=on")
    assert "Only workspace admins" in refused
    replies = await h.command("lead", "/drill setup share-answers=on", admin=True)
    assert [r.visibility for r in replies.items] == [Visibility.PRIVATE, Visibility.CHANNEL]
    assert "turned answer sharing on" in text_of(replies.items[1].message)
    again = await h.say("lead", "/drill setup share-answers=on", admin=True)
    assert "already on" in again
    await h.at("2026-12-01T09:30")
    await h.say("alice", GOOD)
    await h.say("bob", HALF)
    await h.at("2026-12-01T15:31")
    await h.engine.tick()
    shared = _last_reveal(h)
    assert "Best answer" in shared and "Alice" in shared and "zebra" in shared
    assert "should live close" not in shared  # only the best one
    # Opted out, the best answer's author is skipped; sharing off quotes nobody again.
    await h.say("alice", "/drill optout")
    await h.at("2026-12-02T09:30")
    await h.say("alice", GOOD)
    await h.say("bob", HALF)
    await h.at("2026-12-02T15:31")
    await h.engine.tick()
    skipped = _last_reveal(h)
    assert "Alice" not in skipped and "Bob" in skipped and "should live close" in skipped
    off = await h.command("lead", "/drill setup share-answers=off", admin=True)
    assert "turned answer sharing off" in text_of(off.items[1].message)
    await h.at("2026-12-03T09:30")
    await h.say("bob", HALF)
    await h.at("2026-12-03T15:31")
    await h.engine.tick()
    assert "should live close" not in _last_reveal(h)


async def test_opted_out_people_leave_the_boards_but_keep_their_standing() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("alice", GOOD)
    await h.say("bob", HALF)
    assert "opted out" in await h.say("alice", "/drill optout")
    assert "already opted out" in await h.say("alice", "/drill optout")
    board = await h.say("bob", "/drill leaderboard")
    assert "Alice" not in board and "Bob" in board
    rows = await h.engine.boards.rows(WORKSPACE, None, "all", limit=None)
    assert [r.user for r in rows] == ["bob"]
    stats = await h.say("alice", "/drill stats")
    assert "This week" in stats and "point" in stats and "0 points · no answers" not in stats
    assert "back on the boards" in await h.say("alice", "/drill optin")
    rows = await h.engine.boards.rows(WORKSPACE, None, "all", limit=None)
    assert sorted(r.user for r in rows) == ["alice", "bob"]


async def test_a_board_with_a_limit_still_fills_its_places_around_opted_out_people() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    for user in ("alice", "bob", "carol"):
        await h.say(user, GOOD if user == "alice" else HALF)
    await h.say("alice", "/drill optout")
    rows = await h.engine.boards.rows(WORKSPACE, None, "all", limit=2)
    assert sorted(r.user for r in rows) == ["bob", "carol"]


def test_shown_name_hides_opted_out_people_from_everyone_but_themselves() -> None:
    ann = Person(1, "W", "U1", "Ann")
    gone = Person(2, "W", "U2", "Bo", opted_out=True)
    assert privacy.shown_name(ann, viewer_is_self=False) == "Ann"
    assert privacy.shown_name(gone, viewer_is_self=False) == privacy.ANONYMOUS == "someone"
    assert privacy.shown_name(gone, viewer_is_self=True) == "Bo"


async def test_home_shows_your_topics_and_the_way_to_your_history() -> None:
    h = Harness()
    await _week_of_answers(h)
    body = text_of(await h.engine.home(h.actor("alice")))
    assert "By topic (weakest first)" in body and "MCQ 0/1 right (0%)" in body
    assert "`/drill history`" in body
    assert "zebra" not in body  # the Home tab quotes no answer, not even your own


async def test_an_opted_out_person_is_left_off_the_home_board() -> None:
    h = Harness()
    await _week_of_answers(h)
    await h.say("alice", "/drill optout")
    board = text_of(await h.engine.home(h.actor("bob"))).split("Leaderboard", 1)[1]
    assert "Bob" in board and "Alice" not in board
    own = text_of(await h.engine.home(h.actor("alice")))
    assert "This week  30 points" in own


async def test_a_week_shows_nobody_an_answer_but_its_author() -> None:
    """Every channel post of a week (drills, reveals, the weekly board) and everything another
    person can ask for carries none of alice's words while sharing is off."""
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=wed window=6h")
    secret = "zebra-quokka"
    for day in ("2026-11-30", "2026-12-01", "2026-12-03", "2026-12-04"):
        await h.at(f"{day}T09:30")
        await h.say("alice", f"/drill answer frequently read hot data, ttl expiry {secret}")
        await h.say("bob", HALF)
    await h.at("2026-12-04T17:00")
    await h.engine.tick()
    assert any(s.message.kind == "reveal" for s in h.chat.sent)
    assert all(secret not in text_of(s.message) for s in h.chat.sent)
    ids = await _drill_ids(h, "alice")
    for command in ("/drill leaderboard", "/drill stats", "/drill history 20", "/drill help"):
        replies = await h.command("bob", command)
        assert all(secret not in text_of(r.message) for r in replies.items)
    for drill in ids:
        assert secret not in await h.say("bob", f"/drill history #{drill}")
    assert secret not in text_of(await h.engine.home(h.actor("bob")))
    # Her own history shows it to her.
    assert secret in await h.say("alice", f"/drill history #{ids[0]}")


async def test_the_schedule_says_when_answers_are_shared() -> None:
    h = Harness()
    await h.setup()
    assert "sharing" not in await h.say("bob", "/drill schedule")
    await h.say("lead", "/drill setup share-answers=on", admin=True)
    assert "Answer sharing is on" in await h.say("bob", "/drill schedule")
    refused = await h.say("lead", "/drill setup 10:00 share-answers=off", admin=True)
    assert "on its own" in refused
    direct = await h.say("lead", "/drill setup share-answers=off", admin=True, direct=True)
    assert "in the channel it is for" in direct
