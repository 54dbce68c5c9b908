"""What counts as an attempt at an open answer (``bot.domain.attempts``), and the answer path
refusing what does not: nothing recorded, no points, no streak."""

from __future__ import annotations

import pytest

from bot.domain.attempts import WHAT_COUNTS, attempt_problem
from bot.testing.harness import WORKSPACE, Harness

PROMPT = "Explain how caching works, question 1."
TITLE = "Open question 1 on caching"


@pytest.mark.parametrize(
    "text",
    [
        ".",
        "...!?",
        "🚀🔥",
        "👍 👍 👍",
        "caching",
        "TTL!",
        "yes ok",
        "Explain how caching works, question 1.",  # the prompt pasted back
        "explain how caching works question 1 ok?",  # the prompt with filler
        "Open question 1 on caching",  # the title pasted back
        "idk no idea",
        "- - - -",
    ],
)
def test_not_an_attempt(text: str) -> None:
    problem = attempt_problem(text, PROMPT, TITLE)
    assert problem is not None
    assert WHAT_COUNTS in problem


@pytest.mark.parametrize(
    "text",
    [
        "Keep hot data close to the app.",
        "Expire entries with a TTL.",
        "Caching works by keeping hot data close and expiring it.",  # reuses prompt words
        "use a TTL",  # short, but three words of its own
        "`process.nextTick()` callbacks run before promise callbacks",
    ],
)
def test_an_attempt(text: str) -> None:
    assert attempt_problem(text, PROMPT, TITLE) is None


def test_the_refusal_names_the_reason_that_applies() -> None:
    filler = attempt_problem("yes I think so", PROMPT, TITLE)
    pasted = attempt_problem("Explain how caching works, question 1.", PROMPT, TITLE)
    assert filler is not None and "says nothing about the question" in filler
    assert pasted is not None and "repeats the question" in pasted


async def test_a_non_attempt_is_refused_and_nothing_is_recorded() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    refused = await h.say("bob", "/drill answer .")
    assert WHAT_COUNTS in refused and "Nothing was recorded" in refused
    assert await h.engine.boards.rows(WORKSPACE, None, "this-week") == []
    async with h.store.transaction() as tx:
        bob = await tx.find_person(WORKSPACE, "bob")
        assert bob is not None
        assert await tx.recent_answers(bob.id, 5) == []
        assert await tx.streaks([bob.id]) == []


async def test_a_non_attempt_edit_leaves_the_answer_as_it_was() -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    assert "Answer recorded" in await h.say("bob", "/drill answer Keep hot data close to the app.")
    before = await h.engine.boards.rows(WORKSPACE, None, "this-week")
    refused = await h.say("bob", "/drill answer 👍")
    assert WHAT_COUNTS in refused
    assert await h.engine.boards.rows(WORKSPACE, None, "this-week") == before


async def test_mcq_picks_are_not_attempt_checked() -> None:
    h = Harness()
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=mon")
    await h.at("2026-11-30T09:30")
    assert "B is right" in await h.say("bob", "/drill pick B")
