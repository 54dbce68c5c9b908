"""`setup topics=… levels=… packs=…` is checked against the loaded library: a filter that
matches nothing is refused, naming the value and what is accepted, and changes nothing."""

from __future__ import annotations

import dataclasses

import pytest

from bot.adapters.slack import modals
from bot.content.loader import Library
from bot.domain.model import Schedule
from bot.testing.harness import CHANNEL, WORKSPACE, Harness
from bot.testing.library import tiny_library


def library_with_senior_level() -> Library:
    """The tiny library (open questions are mid, MCQs junior) whose pack also names a senior
    level that no question has."""
    library = tiny_library()
    pack = library.packs[0]
    manifest = pack.manifest.model_copy(update={"levels": ["junior", "mid", "senior"]})
    return dataclasses.replace(library, packs=[dataclasses.replace(pack, manifest=manifest)])


async def schedule(h: Harness) -> Schedule | None:
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
    return channel.schedule if channel else None


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "topics=cachng",
            "Unknown topic `cachng`. Did you mean `caching`? Topics: caching, queues "
            "(or `topics=all`). Nothing was changed.",
        ),
        (
            "topics=caching,kafka,redis",
            "Unknown topics `kafka`, `redis`. Topics: caching, queues (or `topics=all`). "
            "Nothing was changed.",
        ),
        (
            "levels=staff",
            "Unknown level `staff`. Levels: junior, mid (or `levels=all`). Nothing was changed.",
        ),
        (
            "packs=tinny",
            "Unknown pack `tinny`. Did you mean `tiny`? Packs: tiny (or `packs=all`). "
            "Nothing was changed.",
        ),
    ],
)
async def test_an_unknown_filter_value_is_refused_and_named(setting: str, message: str) -> None:
    h = Harness()
    await h.setup()
    before = await schedule(h)
    reply = await h.setup(f"window=4h {setting}")
    assert reply.startswith(message)
    assert await schedule(h) == before  # the window did not change either


async def test_an_unknown_filter_is_refused_on_first_setup_too() -> None:
    h = Harness()
    assert "Unknown topic `cachng`" in await h.setup("09:30 Europe/Berlin topics=cachng")
    assert await schedule(h) is None


async def test_filters_that_together_leave_no_question_are_refused() -> None:
    h = Harness(library=library_with_senior_level())
    await h.setup()
    reply = await h.setup("topics=caching levels=senior")
    assert reply.startswith(
        "No question matches topics=caching levels=senior: not one open or multiple choice "
        "question, so no drill would post. Widen a filter (`all` clears one); `/drill topics` "
        "lists what there is. Nothing was changed."
    )
    # The Slack form shows it under the topics field.
    assert modals.error_field(reply.splitlines()[0]) == "topics"
    saved = await schedule(h)
    assert saved is not None and saved.topics == () and saved.levels == ()


async def test_good_filters_are_saved_and_all_clears_them() -> None:
    h = Harness()
    await h.setup()
    assert "Schedule updated" in await h.setup("topics=caching levels=mid,junior packs=tiny")
    saved = await schedule(h)
    assert saved is not None and saved.topics == ("caching",) and saved.packs == ("tiny",)
    assert "Schedule updated" in await h.setup("topics=all")
    saved = await schedule(h)
    assert saved is not None and saved.topics == ()


async def test_a_filter_that_leaves_one_kind_out_is_accepted_with_a_note() -> None:
    h = Harness()
    await h.setup()
    only_mcqs = await h.setup("levels=junior")  # the MCQs are junior, the open questions mid
    assert "Schedule updated" in only_mcqs
    assert "no open question matches the filters, so days without an MCQ post nothing" in (
        only_mcqs
    )
    only_open = await h.setup("levels=mid mcq-time=14:00")
    assert "no multiple-choice question matches the filters, so MCQ slots post nothing" in (
        only_open
    )


async def test_an_old_filter_is_not_rechecked_when_only_the_time_changes() -> None:
    h = Harness()
    await h.setup()
    async with h.store.transaction() as tx:
        channel = await tx.find_channel(WORKSPACE, CHANNEL)
        assert channel is not None and channel.schedule is not None
        # Saved before filters were checked: a topic the library does not know.
        await tx.save_schedule(channel.id, dataclasses.replace(channel.schedule, topics=("x",)))
    assert "Schedule updated" in await h.setup("10:00")
