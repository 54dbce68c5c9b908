"""Edits reward learning, not copying: points are the first answer's score plus a share of the
improvement later versions make before the reveal. A rubric pasted after a weak first answer
cannot top the board over an honest strong first answer; the feedback says how an edit counted
and names missed key points only by their area until the reveal."""

from __future__ import annotations

import pytest

from bot.domain.grading import Grade, grade
from bot.domain.scoring import EDIT_SHARE, counted_score, open_points
from bot.services import views
from bot.testing.harness import WORKSPACE, Harness, text_of
from bot.testing.library import tiny_library

WEAK = "/drill answer I think it is mostly about memory somehow."
RUBRIC_PASTE = "/drill answer Keep hot data close. Expire entries with a TTL."
HONEST_STRONG = "/drill answer Keep hot data close to the app and expire each entry with a TTL."
HONEST_PARTIAL = "/drill answer Keep the hot data close to the app servers."


def test_counted_score_is_the_first_plus_a_share_of_the_improvement() -> None:
    assert EDIT_SHARE == 0.25
    assert counted_score(0.0, 1.0) == pytest.approx(0.25)
    assert counted_score(0.4, 0.8) == pytest.approx(0.5)
    assert counted_score(0.6, 0.6) == pytest.approx(0.6)
    # A worse version never costs points: fixing a typo must be safe.
    assert counted_score(0.8, 0.3) == pytest.approx(0.8)
    # Never above what the latest version itself earns, never outside 0..1.
    for first in (0.0, 0.3, 0.7, 1.0):
        for latest in (0.0, 0.5, 1.0):
            assert 0.0 <= counted_score(first, latest) <= max(first, latest)


def test_a_pasted_rubric_after_any_weak_first_answer_stays_below_an_honest_strong_one() -> None:
    for weak in (0.0, 0.1, 0.2, 0.3):
        pasted = open_points(counted_score(weak, 1.0))
        assert pasted < open_points(0.75), weak


async def test_a_rubric_paste_after_a_weak_first_answer_does_not_top_the_board() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    assert "Answer recorded" in await h.say("alice", HONEST_STRONG)
    assert "Answer recorded" in await h.say("bob", HONEST_PARTIAL)
    weak = await h.say("mallory", WEAK)
    assert "Answer recorded" in weak
    # Before the reveal the feedback does not hand over the key points themselves.
    assert "Keep hot data close." not in weak and "Expire entries with a TTL." not in weak
    pasted = await h.say("mallory", RUBRIC_PASTE)
    assert "Answer updated" in pasted
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    board = [(r.user, r.points) for r in rows]
    assert board[0] == ("alice", 15), board
    points = dict(board)
    assert points["mallory"] < points["bob"] < points["alice"], board
    assert points["mallory"] == open_points(counted_score(0.0, 1.0))
    # The paste is not "correct" for accuracy either: its counted score is a quarter.
    mallory = next(r for r in rows if r.user == "mallory")
    assert mallory.correct == 0


async def test_the_first_score_is_kept_over_several_edits() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("mallory", WEAK)
    await h.say("mallory", HONEST_PARTIAL)  # first edit: half
    await h.say("mallory", RUBRIC_PASTE)  # second edit: all of it
    rows = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    # Measured from the first answer (0), not from the previous edit (0.5).
    assert [(r.user, r.points) for r in rows] == [("mallory", open_points(counted_score(0.0, 1.0)))]


async def test_the_feedback_says_exactly_how_the_edit_counted() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    first = await h.say("bob", HONEST_PARTIAL)
    assert "key points covered: 1 of 2" in first and "score 50%" in first
    assert "10 points" in first
    assert "plus a quarter of any improvement" in first
    edit = await h.say("bob", HONEST_STRONG)
    assert "key points covered: 2 of 2" in edit and "score 100%" in edit
    assert "Your first answer scored 50% and this version 100%" in edit
    assert "a quarter of the improvement counts, so your points use a score of 62%" in edit
    assert "11 points" in edit
    worse = await h.say("bob", "/drill answer It is mostly about memory, I believe.")
    assert "Your first answer scored 50% and this version 0%" in worse
    assert "an edit never lowers your points" in worse and "10 points" in worse


async def test_missed_points_are_named_by_their_label_until_the_reveal() -> None:
    library = tiny_library()
    h = Harness(library=library)
    await h.setup()
    await h.at("2026-11-30T09:30")
    reply = await h.say("bob", HONEST_PARTIAL)
    assert "Keep hot data close." in reply  # covered: the person wrote it, shown in full
    assert "Expire entries with a TTL." not in reply
    assert "how entries leave the cache" in reply  # the missed point's label
    await h.at("2026-11-30T15:30")
    reveal = text_of(next(s.message for s in h.chat.sent if s.message.kind == "reveal"))
    assert "Expire entries with a TTL." in reveal
    assert "average score 50%" in reveal and "coverage" not in reveal


def test_a_missed_point_without_a_label_is_one_more_key_point() -> None:
    item = tiny_library().open_questions()[0]
    unlabeled = item.model_copy(
        update={"key_points": [p.model_copy(update={"label": ""}) for p in item.key_points]}
    )
    grade = Grade(score=0.0, covered=(), missed=("hot", "ttl"), mistakes=())
    text = text_of(views.open_feedback(unlabeled, grade, 5))
    assert "2 more key points" in text
    one = Grade(score=0.5, covered=("hot",), missed=("ttl",), mistakes=())
    assert "one more key point" in text_of(views.open_feedback(unlabeled, one, 10))


def test_a_lowered_score_says_why_in_one_line() -> None:
    item = tiny_library().open_questions()[0]
    listed = grade(item, "hot data, ttl, expiry")
    assert listed.reason and listed.covered == ("hot", "ttl") and listed.score < 1
    text = text_of(views.open_feedback(item, listed, open_points(listed.score)))
    assert f"key points covered: 2 of 2 · score {listed.score:.0%}" in text
    assert "Score lowered: " + listed.reason[0].lower() + listed.reason[1:] in text
    wrong = grade(item, "Keep hot data close to the app, and caches are never stale.")
    assert wrong.mistakes == ("never-stale",) and wrong.reason
    text = text_of(views.open_feedback(item, wrong, open_points(wrong.score)))
    assert "Score lowered: " in text and "Claiming caches are never stale." in text
    assert len([line for line in text.splitlines() if "Score lowered" in line]) == 1
    plain = grade(item, "Keep the hot data close to the app servers.")
    assert plain.reason is None
    assert "Score lowered" not in text_of(views.open_feedback(item, plain, 10))


async def test_stats_and_the_board_use_the_same_terms() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    await h.say("bob", WEAK)
    await h.say("bob", RUBRIC_PASTE)
    stats = await h.say("bob", "/drill stats")
    assert "key points covered: 2 of 2 · score 100% · 7 points" in stats
    board = await h.say("bob", "/drill leaderboard")
    assert "Points: 5 for an answer" in board
    assert "a quarter of what edits add" in board
    assert "scoring 50% or more" in board
