"""Away periods: capped in length (``DRILLBOT_AWAY_MAX_DAYS``, 30 by default), listed with
`away list`, cancelled with `away cancel [n | day]`."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.domain import commands as cmd
from bot.domain.away import run_length
from bot.domain.model import AwayPeriod
from bot.services.deps import EngineSettings
from bot.testing.harness import WORKSPACE, Harness

D = dt.date


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("away list", cmd.Away(action="list")),
        ("away LIST", cmd.Away(action="list")),
        ("away cancel", cmd.Away(action="cancel")),
        ("away cancel 2", cmd.Away(action="cancel", number=2)),
        ("away cancel #2", cmd.Away(action="cancel", number=2)),
        ("away cancel 2026-12-24", cmd.Away(start=D(2026, 12, 24), action="cancel")),
        ("away 2026-12-24", cmd.Away(D(2026, 12, 24), D(2026, 12, 24))),
    ],
)
def test_away_subcommands_parse(text: str, expected: cmd.Away) -> None:
    assert cmd.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["away list 2", "away cancel 0", "away cancel soon", "away cancel 1 2"]
)
def test_away_subcommand_errors(text: str) -> None:
    with pytest.raises(cmd.CommandError) as error:
        cmd.parse(text)
    assert error.value.usage == cmd.USAGE["away"]


def test_help_names_list_cancel_and_the_cap() -> None:
    text = cmd.help_text("away", is_admin=False, away_max_days=21)
    assert "away list" in text and "away cancel" in text
    assert "21 days" in text
    assert "away list" in cmd.help_text(None, is_admin=False)


# --- the cap --------------------------------------------------------------------------------------


def test_run_length_joins_periods_that_touch_or_overlap() -> None:
    existing = [
        AwayPeriod(1, D(2026, 12, 1), D(2026, 12, 10)),
        AwayPeriod(1, D(2027, 1, 5), D(2027, 1, 6)),
    ]
    assert run_length(D(2026, 12, 20), D(2026, 12, 24), existing) == 5
    assert run_length(D(2026, 12, 11), D(2026, 12, 20), existing) == 20  # touches the first
    assert run_length(D(2026, 12, 5), D(2026, 12, 12), existing) == 12  # overlaps it
    assert run_length(D(2026, 12, 11), D(2027, 1, 4), existing) == 37  # bridges both


def test_the_cap_is_configurable() -> None:
    assert Settings().away_max_days == 30
    assert Settings(DRILLBOT_AWAY_MAX_DAYS="10").away_max_days == 10
    assert EngineSettings().away_max_days == 30


async def test_a_period_longer_than_the_cap_is_refused_and_nothing_is_stored() -> None:
    h = Harness(start="2026-11-30T08:00")
    await h.setup()
    reply = await h.say("ann", "/drill away 2026-12-01 2027-11-30")
    assert "365 days" in reply and "at most 30 days" in reply
    assert "nothing was marked" in reply.lower()
    assert "no away days" in (await h.say("ann", "/drill away list")).lower()
    assert "Marked you away" in await h.say("ann", "/drill away 2026-12-01 2026-12-30")
    # Chained on to the first, the run would be 31 days.
    chained = await h.say("ann", "/drill away 2026-12-31")
    assert "31 days" in chained and "at most 30 days" in chained


async def test_days_already_past_cannot_be_marked_away() -> None:
    # Marking a missed drill day away afterwards would mend a broken streak.
    h = Harness(start="2026-12-02T08:00")
    await h.setup()
    reply = await h.say("ann", "/drill away 2026-12-01 2026-12-03")
    assert "starts before today" in reply and "from today (2026-12-02)" in reply
    over = await h.say("ann", "/drill away 2026-11-30")
    assert "Mon 30 Nov 2026 (1 day) is already over" in over
    assert "no away days" in (await h.say("ann", "/drill away list")).lower()
    assert "Marked you away" in await h.say("ann", "/drill away 2026-12-02 2026-12-03")


async def test_the_cap_follows_the_settings() -> None:
    h = Harness(settings=EngineSettings(count_update_delay=0, away_max_days=5))
    await h.setup()
    assert "at most 5 days" in await h.say("ann", "/drill away 2026-12-01 2026-12-06")
    assert "Marked you away" in await h.say("ann", "/drill away 2026-12-01 2026-12-05")


# --- list and cancel ------------------------------------------------------------------------------


async def test_list_shows_current_and_upcoming_periods_numbered() -> None:
    h = Harness(start="2026-11-30T08:00")
    await h.setup()
    await h.say("ann", "/drill away 2026-12-21 2026-12-31")
    await h.say("ann", "/drill away 2026-12-02")
    listed = await h.say("ann", "/drill away list")
    assert "1. Wed 02 Dec 2026 (1 day)" in listed
    assert "2. Mon 21 Dec–Thu 31 Dec 2026 (11 days)" in listed
    assert listed.index("1. Wed") < listed.index("2. Mon")
    assert "/drill away cancel" in listed
    await h.at("2026-12-03T08:00")
    later = await h.say("ann", "/drill away list")
    assert "Wed 02 Dec" not in later  # over: it already kept the streak it kept
    assert "1. Mon 21 Dec–Thu 31 Dec 2026 (11 days)" in later


async def test_cancel_by_number_by_day_and_the_only_one() -> None:
    h = Harness(start="2026-11-30T08:00")
    await h.setup()
    await h.say("ann", "/drill away 2026-12-21 2026-12-31")
    await h.say("ann", "/drill away 2026-12-02")
    await h.say("ann", "/drill away 2026-12-10 2026-12-11")
    assert "which one" in (await h.say("ann", "/drill away cancel")).lower()
    first = await h.say("ann", "/drill away cancel 1")
    assert "Cancelled your away days Wed 02 Dec 2026 (1 day)" in first
    by_day = await h.say("ann", "/drill away cancel 2026-12-25")
    assert "Cancelled your away days Mon 21 Dec–Thu 31 Dec 2026 (11 days)" in by_day
    only = await h.say("ann", "/drill away cancel")
    assert "Cancelled your away days Thu 10 Dec–Fri 11 Dec 2026 (2 days)" in only
    assert "no away days" in (await h.say("ann", "/drill away list")).lower()
    nothing = await h.say("ann", "/drill away cancel 3")
    assert "no away days" in nothing.lower()


async def test_cancel_errors_name_what_exists() -> None:
    h = Harness(start="2026-11-30T08:00")
    await h.setup()
    await h.say("ann", "/drill away 2026-12-21 2026-12-31")
    assert "only 1" in (await h.say("ann", "/drill away cancel 2")).lower()
    wrong_day = await h.say("ann", "/drill away cancel 2026-12-01")
    assert "not away on Tue 01 Dec 2026" in wrong_day


async def test_cancelling_a_period_under_way_keeps_the_days_already_past() -> None:
    h = Harness(start="2026-11-30T08:00")
    await h.setup()
    await h.say("ann", "/drill away 2026-11-30 2026-12-09")
    await h.at("2026-12-03T08:00")
    reply = await h.say("ann", "/drill away cancel")
    assert "Welcome back" in reply and "Mon 30 Nov–Wed 02 Dec 2026 (3 days)" in reply
    async with h.store.transaction() as tx:
        ann = await tx.find_person(WORKSPACE, "ann")
        assert ann is not None
        assert await tx.away_periods(ann.id) == [
            AwayPeriod(ann.id, D(2026, 11, 30), D(2026, 12, 2))
        ]


async def test_cancelling_a_period_that_starts_today_removes_it() -> None:
    h = Harness(start="2026-11-30T08:00")
    await h.setup()
    await h.say("ann", "/drill away 2026-11-30 2026-12-04")
    assert "Cancelled your away days" in await h.say("ann", "/drill away cancel 2026-11-30")
    async with h.store.transaction() as tx:
        ann = await tx.find_person(WORKSPACE, "ann")
        assert ann is not None and await tx.away_periods(ann.id) == []
