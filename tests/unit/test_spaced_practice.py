"""Spaced practice and reminders through the engine (memory store, manual clock): every
graded answer is a review; `/drill practice` asks what is due, then new items; ratings;
`practice stats`; `remind on|off` and the nudge, at most one a day."""

from __future__ import annotations

import datetime as dt

from bot.domain.grading import grade
from bot.domain.items import OpenQuestion
from bot.domain.reviews import Grade, open_grade
from bot.messaging.message import Action, Actions
from bot.testing.harness import WORKSPACE, Harness, text_of

GOOD_ANSWER = "/drill answer Keep hot data close to the app and expire each entry with a TTL."


async def _card(h: Harness, user: str, item: str) -> tuple[int, Grade, dt.datetime] | None:
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, user)
        assert person is not None
        found = await tx.get_review(person.id, item)
    return (found.card.reps, found.grade, found.card.due) if found else None


async def test_a_practice_session_asks_new_items_one_at_a_time_and_reviews_each() -> None:
    h = Harness()
    first = await h.say("alice", "/drill practice 2", direct=True)
    assert first.startswith("(Practice: 2 questions (nothing due: new ones).)")
    assert "Open question 1 on caching" in first
    replies = await h.command("alice", GOOD_ANSWER, direct=True)
    feedback = replies.items[0].message
    shown = text_of(feedback)
    assert "key points covered: 2 of 2" in shown
    assert "Counted as Easy" in shown
    # The rating buttons, then the session's next question (the rotation's next topic).
    rating = [b for block in feedback.blocks if isinstance(block, Actions) for b in block.buttons]
    assert [(b.action, b.value) for b in rating] == [
        (Action.RATE, f"open-caching-1:{g.name.lower()}") for g in Grade
    ]
    assert "Open question 1 on queues" in shown
    assert await _card(h, "alice", "open-caching-1") is not None
    last = await h.say(
        "alice", "/drill answer Queues hold hot data and a TTL expires it.", direct=True
    )
    assert "Counted as" in last
    assert "Practice question" not in last  # the session of two is over
    assert await _card(h, "alice", "open-queues-1") is not None


async def test_a_wrong_mcq_comes_back_the_next_day_before_new_items() -> None:
    h = Harness()
    await h.say("alice", "/drill mcq caching", direct=True)
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, "alice")
        assert person is not None
        asked = (await tx.get_practice(person.id) or "").split()[0]
    picked = await h.say("alice", "/drill pick A", direct=True)
    assert "Counted as Again" in picked
    card = await _card(h, "alice", asked)
    assert card is not None and card[1] is Grade.AGAIN
    # Not due yet: new items come first.
    assert "(nothing due: new ones)" in await h.say("alice", "/drill practice 1", direct=True)
    h.clock.advance(dt.timedelta(days=1, minutes=1))
    again = await h.say("alice", "/drill practice 1", direct=True)
    assert "(1 due now)" in again
    assert asked.replace("mcq-caching-", "MCQ ") in again


async def test_a_self_rating_replaces_the_grade_without_a_second_review() -> None:
    h = Harness()
    await h.say("alice", "/drill practice 1", direct=True)
    await h.say("alice", GOOD_ANSWER, direct=True)
    before = await _card(h, "alice", "open-caching-1")
    assert before is not None and before[1] is Grade.EASY
    rated = await h.say("alice", "/drill practice rate again", direct=True)
    assert rated.startswith("Rated Again: “Open question 1 on caching” comes back")
    after = await _card(h, "alice", "open-caching-1")
    assert after is not None
    assert after[0] == before[0] == 1
    assert after[1] is Grade.AGAIN and after[2] < before[2]
    # The button does the same for the item it was shown under.
    message = await h.engine.button(h.actor("alice"), Action.RATE, "open-caching-1:good")
    assert text_of(message).startswith("Rated Good")
    assert (await _card(h, "alice", "open-caching-1") or (0,))[0] == 1


async def test_daily_answers_are_reviews_and_practice_never_touches_the_board() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri")
    await h.at("2026-11-30T09:31")
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, "C1")
        assert channel is not None
        (drill,) = await tx.open_drills(channel.id, h.clock.now())
    await h.say("alice", GOOD_ANSWER)
    await h.say("alice", "/drill answer I do not know any more.")  # an edit: not the review
    # The answer path writes the answer alone; the drill's reveal makes its answers reviews.
    assert await _card(h, "alice", drill.item_id) is None
    await h.at("2026-11-30T15:31")
    daily = await _card(h, "alice", drill.item_id)
    assert daily is not None and daily[0] == 1
    item = h.deps.library.get(drill.item_id)
    assert isinstance(item, OpenQuestion)
    first = grade(item, GOOD_ANSWER.removeprefix("/drill answer ")).score
    assert daily[1] is open_grade(first)  # graded as first sent, not as edited
    await h.at("2026-11-30T15:45")  # nothing more later: once per drill
    assert await _card(h, "alice", drill.item_id) == daily
    board_before = await h.say("alice", "/drill leaderboard")
    await h.say("alice", "/drill practice 3", direct=True)
    await h.say("alice", GOOD_ANSWER, direct=True)
    await h.say("alice", GOOD_ANSWER, direct=True)
    assert await h.say("alice", "/drill leaderboard") == board_before
    stats = await h.say("alice", "/drill stats")
    assert "Practice (kept apart from the board): 2 answered" in stats


async def test_practice_stats_show_due_counts_retention_and_topics() -> None:
    h = Harness()
    assert "No reviews yet" in await h.say("alice", "/drill practice stats", direct=True)
    await h.say("alice", "/drill practice 2", direct=True)
    await h.say("alice", GOOD_ANSWER, direct=True)  # caching: Easy
    await h.say("alice", "/drill answer I do not know.", direct=True)  # queues: Again
    stats = await h.say("alice", "/drill practice stats", direct=True)
    assert "Due today: 0 · this week: 1 · cards: 2" in stats
    assert "Retention estimate: " in stats
    assert "Strongest: Caching" in stats and "Weakest: Queues" in stats


async def test_bad_practice_and_reminder_input_gets_a_specific_message() -> None:
    h = Harness()
    assert "Practise 1 to 20 questions at a time (got 0)." in await h.say(
        "alice", "/drill practice 0"
    )
    assert "There is no topic `rockets`" in await h.say("alice", "/drill practice rockets")
    assert "`25:00` is not a time" in await h.say("alice", "/drill remind on 25:00")
    assert "is not a rating" in await h.say("alice", "/drill practice rate meh")
    assert "a channel that has drills" in await h.say("alice", "/drill remind on", direct=True)


async def _due_item(h: Harness, user: str) -> None:
    """Give ``user`` one review due the next day (a wrong practice MCQ)."""
    await h.say(user, "/drill mcq caching", direct=True)
    await h.say(user, "/drill pick A", direct=True)


def _nudges(h: Harness, user: str) -> list[str]:
    return [
        text_of(s.message)
        for s in h.chat.sent
        if s.method == "direct" and s.user == user and "practice question" in s.message.text
    ]


async def test_a_reminder_comes_once_on_a_drill_day_when_something_is_due() -> None:
    h = Harness(start="2026-12-03T08:00")  # a Thursday
    await h.setup("09:30 Europe/Berlin mon-fri")
    on = await h.say("alice", "/drill remind on 08:45")
    assert on.startswith("Reminders are on: on #team's drill days (Mon–Fri) at 08:45")
    await h.say("bob", "/drill remind on")  # nothing due for bob: never nudged
    await _due_item(h, "alice")
    await h.at("2026-12-04T08:44")
    assert _nudges(h, "alice") == []  # due, but not yet its time
    await h.at("2026-12-04T08:46")
    nudges = _nudges(h, "alice")
    assert len(nudges) == 1
    assert "You have 1 practice question due." in nudges[0]
    assert "[Start practice]" in nudges[0]
    await h.engine.tick()
    await h.at("2026-12-04T17:00")
    assert len(_nudges(h, "alice")) == 1  # at most one a day
    # The weekend is not a drill day; Monday is, and it is still due.
    await h.at("2026-12-06T12:00")
    assert len(_nudges(h, "alice")) == 1
    await h.at("2026-12-07T09:00")
    assert len(_nudges(h, "alice")) == 2
    assert _nudges(h, "bob") == []
    # The button starts practice with the due item first.
    started = await h.engine.button(h.actor("alice"), Action.PRACTICE, "start")
    assert "(1 due now)" in text_of(started)
    assert (await h.say("alice", "/drill remind off")).startswith("Reminders are off.")
    await h.at("2026-12-08T09:00")
    assert len(_nudges(h, "alice")) == 2


async def test_a_second_click_on_a_practice_question_is_not_a_second_review() -> None:
    h = Harness()
    await h.say("alice", "/drill mcq caching", direct=True)
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, "alice")
        assert person is not None
        asked = (await tx.get_practice(person.id) or "").split()[0]
    for _ in range(2):
        feedback = await h.engine.pick(h.actor("alice"), f"practice:{asked}:B", h.delivery())
        assert text_of(feedback).startswith("✅ B is right.")
    card = await _card(h, "alice", asked)
    assert card is not None and card[0] == 1 and card[1] is Grade.GOOD


async def test_new_items_follow_the_channels_topic_rotation() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri topics=queues")
    in_channel = await h.say("alice", "/drill practice 1")
    assert "Open question 1 on queues" in in_channel
    # From a direct message (a reminder's button), the reminder's channel decides.
    await h.say("bob", "/drill remind on")
    started = await h.engine.button(h.actor("bob"), Action.PRACTICE, "start")
    assert "Open question 1 on queues" in text_of(started)
    assert "Open question 1 on caching" in await h.say("carol", "/drill practice 1", direct=True)


async def test_after_the_reveal_people_rate_themselves_under_it() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri")
    await h.at("2026-11-30T09:31")
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, "C1")
        assert channel is not None
        (drill,) = await tx.open_drills(channel.id, h.clock.now())
    await h.say("alice", GOOD_ANSWER)
    await h.at("2026-11-30T15:31")
    (reveal,) = [s.message for s in h.chat.sent if s.message.kind == "reveal"]
    (buttons,) = [b for b in reveal.blocks if isinstance(b, Actions)]
    assert [(b.action, b.label, b.value) for b in buttons.buttons] == [
        (Action.RATE, label, f"{drill.item_id}:{label.lower()}")
        for label in ("Again", "Hard", "Good", "Easy")
    ]
    counted = await _card(h, "alice", drill.item_id)
    assert counted is not None
    # Alice knew it less well than her answer said: her rating replaces the answer's.
    rated = await h.engine.button(h.actor("alice"), Action.RATE, buttons.buttons[1].value)
    assert text_of(rated).startswith("Rated Hard")
    again = await _card(h, "alice", drill.item_id)
    assert again is not None and again[0] == counted[0] and again[1] is Grade.HARD
    assert again[2] < counted[2] or counted[1] is Grade.HARD  # back sooner than Easy/Good
    # Bob did not answer: nothing of his to rate.
    refused = await h.engine.button(h.actor("bob"), Action.RATE, buttons.buttons[2].value)
    assert "nothing to rate" in text_of(refused)
