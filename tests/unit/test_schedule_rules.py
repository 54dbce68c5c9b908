"""Schedule rules: parsing what admins type, describing a schedule, and exact time-zone math."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.domain import schedule_rules as rules
from bot.domain.model import Schedule
from bot.domain.schedule_rules import ScheduleError

UTC = dt.UTC
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
T0930 = dt.time(9, 30)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


# --- parse_time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:30", dt.time(9, 30)),
        ("09:30", dt.time(9, 30)),
        (" 17:05 ", dt.time(17, 5)),
        ("0:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("9am", dt.time(9, 0)),
        ("9:30am", dt.time(9, 30)),
        ("4pm", dt.time(16, 0)),
        ("4:15 pm", dt.time(16, 15)),
        ("4:15 PM", dt.time(16, 15)),
        ("9 a.m.", dt.time(9, 0)),
        ("12am", dt.time(0, 0)),
        ("12:30am", dt.time(0, 30)),
        ("12pm", dt.time(12, 0)),
        ("11:59pm", dt.time(23, 59)),
    ],
)
def test_parse_time_accepts_24_hour_and_am_pm(text: str, expected: dt.time) -> None:
    assert rules.parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["25:00", "24:00", "9:60", "930", "9", "9.30", "9:5", "13pm", "0am", "noon", "9:30:00"]
)
def test_parse_time_rejects_other_forms_naming_the_input(text: str) -> None:
    with pytest.raises(ScheduleError) as info:
        rules.parse_time(text)
    assert str(info.value) == (f"`{text}` is not a time. Use 24-hour HH:MM, e.g. 09:30, or 9:30am.")
    assert info.value.message == str(info.value)
    assert isinstance(info.value, ValueError)


def test_parse_time_empty() -> None:
    with pytest.raises(ScheduleError, match=r"^No time given\. Use 24-hour HH:MM"):
        rules.parse_time("  ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9:30", True), ("4 pm", True), ("25:00", True), ("930", True), ("mon", False),
     ("UTC", False), ("2026-12-24", False)],
)  # fmt: skip
def test_looks_like_time(text: str, expected: bool) -> None:
    assert rules.looks_like_time(text) is expected


# --- parse_zone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        (" America/New_York ", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Etc/GMT+2", "Etc/GMT+2"),
        ("US/Eastern", "US/Eastern"),
    ],
)
def test_parse_zone_matches_iana_names_case_insensitively(text: str, expected: str) -> None:
    assert rules.parse_zone(text) == expected
    ZoneInfo(rules.parse_zone(text))  # loadable


def test_parse_zone_unknown_without_suggestion() -> None:
    with pytest.raises(ScheduleError) as info:
        rules.parse_zone("Mars/Base")
    assert str(info.value) == (
        "`Mars/Base` is not an IANA time zone. "
        "Use a name like Europe/Berlin, America/New_York or UTC."
    )


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("Europe/Berln", "Europe/Berlin"), ("Berlin", "Europe/Berlin"),
     ("New York", "America/New_York"), ("america/new-york", "America/New_York")],
)  # fmt: skip
def test_parse_zone_suggests_a_close_name(text: str, suggestion: str) -> None:
    with pytest.raises(ScheduleError) as info:
        rules.parse_zone(text)
    assert str(info.value) == (
        f"`{text}` is not an IANA time zone. Use a name like Europe/Berlin, America/New_York "
        f"or UTC. Did you mean {suggestion}?"
    )


def test_parse_zone_empty() -> None:
    with pytest.raises(ScheduleError, match=r"^No time zone given\. Use a name like"):
        rules.parse_zone("")


def test_suggest_zone_gives_none_for_nonsense() -> None:
    assert rules.suggest_zone("Nowhere") is None
    assert rules.suggest_zone("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Europe/Berlin", True), ("Mars/Base", True), ("utc", True), ("UTC+2", True),
     ("Japan", True), ("mon-fri", False), ("9:30", False), ("Berlin", False)],
)  # fmt: skip
def test_looks_like_zone(text: str, expected: bool) -> None:
    assert rules.looks_like_zone(text) is expected


# --- parse_days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", WEEKDAYS),
        ("mon,wed,fri", ("mon", "wed", "fri")),
        ("Mon Wed", ("mon", "wed")),
        ("fri, mon ,wed", ("mon", "wed", "fri")),
        ("weekdays", WEEKDAYS),
        ("weekends", ("sat", "sun")),
        ("weekend", ("sat", "sun")),
        ("daily", EVERY_DAY),
        ("everyday", EVERY_DAY),
        ("every day", EVERY_DAY),
        ("all", EVERY_DAY),
        ("monday", ("mon",)),
        ("Monday, Friday", ("mon", "fri")),
        ("mondays and thursdays", ("mon", "thu")),
        ("tues,thurs", ("tue", "thu")),
        ("weds", ("wed",)),
        ("fri-mon", ("mon", "fri", "sat", "sun")),
        ("sat-tue", ("mon", "tue", "sat", "sun")),
        ("sun-sat", EVERY_DAY),
        ("mon-mon", ("mon",)),
        ("mon - fri", WEEKDAYS),
        ("Mon–Fri", WEEKDAYS),
        ("monday-wednesday", ("mon", "tue", "wed")),
        ("wed,mon,mon", ("mon", "wed")),
        ("weekdays,sat", ("mon", "tue", "wed", "thu", "fri", "sat")),
        ("MON-FRI", WEEKDAYS),
    ],
)
def test_parse_days_canonical_order(text: str, expected: tuple[str, ...]) -> None:
    assert rules.parse_days(text) == expected


_DAYS_HELP = (
    "Use day names (mon or monday), ranges like mon-fri or fri-mon, lists like mon,wed,fri, "
    "or weekdays, weekends or daily."
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"No days given. {_DAYS_HELP}"),
        (" , ", f"No days given. {_DAYS_HELP}"),
        ("xyz", f"`xyz` is not a day. {_DAYS_HELP}"),
        ("mon-xyz", f"`xyz` in `mon-xyz` is not a day. {_DAYS_HELP}"),
        ("mon-", f"`mon-` is not a day. {_DAYS_HELP}"),
        ("mon-tue-wed", f"`mon-tue-wed` is not a day. {_DAYS_HELP}"),
        ("mon,frday", f"`frday` is not a day. {_DAYS_HELP} Did you mean fri?"),
        ("weekdys", f"`weekdys` is not a day. {_DAYS_HELP} Did you mean weekdays?"),
    ],
)
def test_parse_days_errors_name_the_bad_token(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        rules.parse_days(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mon-fri", True), ("Mon", True), ("mon-xyz", True), ("weekdays", True), ("daily", True),
     ("Berlin", False), ("frday", False), ("9:30", False)],
)  # fmt: skip
def test_looks_like_days(text: str, expected: bool) -> None:
    assert rules.looks_like_days(text) is expected


# --- parse_duration and format_duration --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", dt.timedelta(hours=6)),
        ("90m", dt.timedelta(minutes=90)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("1h 30m", dt.timedelta(hours=1, minutes=30)),
        ("2d", dt.timedelta(days=2)),
        ("1d12h", dt.timedelta(days=1, hours=12)),
        ("6 hours", dt.timedelta(hours=6)),
        ("1 hour", dt.timedelta(hours=1)),
        ("45 min", dt.timedelta(minutes=45)),
        ("2 days", dt.timedelta(days=2)),
        ("6H", dt.timedelta(hours=6)),
        ("1m", dt.timedelta(minutes=1)),
        ("7d", dt.timedelta(days=7)),
    ],
)
def test_parse_duration(text: str, expected: dt.timedelta) -> None:
    assert rules.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["abc", "6", "1.5h", "1h1h", "6x", "h", "6 months", "-1h"])
def test_parse_duration_rejects_malformed(text: str) -> None:
    with pytest.raises(ScheduleError) as info:
        rules.parse_duration(text)
    assert str(info.value) == (
        f"`{text}` is not a duration. Use a number and a unit: 6h, 90m, 1h30m or 2d."
    )


def test_parse_duration_empty() -> None:
    with pytest.raises(ScheduleError, match=r"^No duration given\. Use a number and a unit"):
        rules.parse_duration("")


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("0m", {}, "`0m` is too short: a duration must be at least 1 minute."),
        ("8d", {}, "`8d` is too long: a duration can be at most 7 days."),
        ("7d1m", {}, "`7d1m` is too long: a duration can be at most 7 days."),
        ("99999999999d", {}, "`99999999999d` is too long: a duration can be at most 7 days."),
        ("30m", {"minimum": dt.timedelta(hours=1)},
         "`30m` is too short: a duration must be at least 1 hour."),
        ("2d", {"maximum": dt.timedelta(days=1)},
         "`2d` is too long: a duration can be at most 1 day."),
        ("8d", {"what": "The answer window"},
         "`8d` is too long: the answer window can be at most 7 days."),
    ],
)  # fmt: skip
def test_parse_duration_bounds(text: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        rules.parse_duration(text, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_parse_duration_bounds_are_inclusive() -> None:
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    assert rules.parse_duration("1h", minimum=hour, maximum=day) == hour
    assert rules.parse_duration("24h", minimum=hour, maximum=day) == day


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(hours=6), "6 hours"),
        (dt.timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
        (dt.timedelta(minutes=1), "1 minute"),
        (dt.timedelta(days=7), "7 days"),
        (dt.timedelta(days=1, hours=1), "1 day 1 hour"),
        (dt.timedelta(0), "0 minutes"),
    ],
)
def test_format_duration(value: dt.timedelta, text: str) -> None:
    assert rules.format_duration(value) == text


# --- format_days and describe ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (WEEKDAYS, "Mon–Fri"),
        (("mon", "wed", "fri"), "Mon, Wed, Fri"),
        (EVERY_DAY, "every day"),
        (("sat", "sun"), "Sat, Sun"),
        (("mon", "tue"), "Mon, Tue"),
        (("fri", "sat", "sun", "mon"), "Fri–Mon"),
        (("mon", "tue", "wed", "sat", "sun"), "Sat–Wed"),
        (("mon", "wed", "sun"), "Mon, Wed, Sun"),
        (("mon", "tue", "wed", "fri"), "Mon–Wed, Fri"),
        (("wed",), "Wed"),
        ((), "no days"),
        (("fri", "mon", "wed"), "Mon, Wed, Fri"),
    ],
)
def test_format_days(days: tuple[str, ...], text: str) -> None:
    assert rules.format_days(days) == text


def test_format_days_round_trips_through_parse_days() -> None:
    for days in [WEEKDAYS, ("fri", "sat", "sun", "mon"), ("mon", "wed", "fri"), EVERY_DAY]:
        assert set(rules.parse_days(rules.format_days(days))) == set(days)


def test_describe_default_schedule() -> None:
    assert rules.describe(Schedule()) == (
        "Drills post at 09:30 (UTC) on Mon–Fri. Answers stay open for 6 hours, then the answer "
        "is revealed. The weekly leaderboard posts every Friday at 16:00. Questions come from "
        "every pack, topic and level."
    )


def test_describe_everything() -> None:
    schedule = Schedule(
        post_time=dt.time(8, 5),
        timezone=BERLIN,
        days=("mon", "wed", "fri"),
        mcq_days=("wed",),
        mcq_time=dt.time(14, 0),
        answer_window=dt.timedelta(hours=1, minutes=30),
        leaderboard_day="mon",
        leaderboard_time=dt.time(9, 0),
        topics=("event-loop", "modules"),
        levels=("senior",),
        paused=True,
    )
    assert rules.describe(schedule) == (
        "Drills post at 08:05 (Europe/Berlin) on Mon, Wed, Fri, as a multiple-choice question "
        "on Wed. An extra multiple-choice question posts at 14:00 on the same days. Answers stay "
        "open for 1 hour 30 minutes, then the answer is revealed. The weekly leaderboard posts "
        "every Monday at 09:00. Topics: event-loop, modules; levels: senior; packs: all. "
        "Paused: no drills post until an admin runs `resume`."
    )


# --- apply_changes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"time": "4pm"}, {"post_time": dt.time(16, 0)}),
        ({"zone": "europe/berlin"}, {"timezone": BERLIN}),
        ({"days": "mon,wed,fri"}, {"days": ("mon", "wed", "fri")}),
        ({"mcq-days": "tue,thu"}, {"mcq_days": ("tue", "thu")}),
        ({"mcq_days": "tue"}, {"mcq_days": ("tue",)}),
        ({"MCQ-Days": "tue"}, {"mcq_days": ("tue",)}),
        ({"mcq-time": "14:00"}, {"mcq_time": dt.time(14, 0)}),
        ({"window": "90m"}, {"answer_window": dt.timedelta(minutes=90)}),
        ({"leaderboard": "fri 16:00"}, {"leaderboard_day": "fri"}),
        ({"leaderboard": "Monday 9am"},
         {"leaderboard_day": "mon", "leaderboard_time": dt.time(9, 0)}),
        ({"leaderboard": "17:30 sun"},
         {"leaderboard_day": "sun", "leaderboard_time": dt.time(17, 30)}),
        ({"leaderboard": "thu 4 pm"},
         {"leaderboard_day": "thu", "leaderboard_time": dt.time(16, 0)}),
        ({"topics": "event-loop, Modules,event-loop"}, {"topics": ("event-loop", "modules")}),
        ({"topics": "all"}, {"topics": ()}),
        ({"levels": "junior,mid"}, {"levels": ("junior", "mid")}),
        ({"packs": "nodejs-backend"}, {"packs": ("nodejs-backend",)}),
        ({"days": "mon,wed", "mcq-days": "wed"}, {"days": ("mon", "wed"), "mcq_days": ("wed",)}),
        ({}, {}),
    ],
)  # fmt: skip
def test_apply_changes(changes: dict[str, str], expected: dict[str, object]) -> None:
    before = Schedule()
    after = rules.apply_changes(before, changes)
    for attr, value in expected.items():
        assert getattr(after, attr) == value
    untouched = {f: getattr(before, f) for f in before.__dataclass_fields__ if f not in expected}
    assert {f: getattr(after, f) for f in untouched} == untouched
    assert before == Schedule()


def test_apply_changes_turns_mcq_settings_off() -> None:
    start = Schedule(mcq_days=("tue",), mcq_time=dt.time(14, 0), topics=("modules",))
    after = rules.apply_changes(start, {"mcq-days": "none", "mcq-time": "none", "topics": "all"})
    assert (after.mcq_days, after.mcq_time, after.topics) == ((), None, ())


_KEYS = "time, zone, days, mcq-days, mcq-time, window, leaderboard, topics, levels, packs"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, f"Unknown setting `colour`. Settings: {_KEYS}."),
        ({"windw": "6h"}, f"Unknown setting `windw`. Did you mean `window`? Settings: {_KEYS}."),
        ({"paused": "yes"}, "Unknown setting `paused`. Use the `pause` and `resume` commands "
         f"to stop and restart drills. Settings: {_KEYS}."),
        ({"time": "25:00"}, "`25:00` is not a time. Use 24-hour HH:MM, e.g. 09:30, or 9:30am."),
        ({"mcq-time": "later"}, "`later` is not a time. Use 24-hour HH:MM, e.g. 09:30, or 9:30am."),
        ({"zone": "Mars/Base"}, "`Mars/Base` is not an IANA time zone. Use a name like "
         "Europe/Berlin, America/New_York or UTC."),
        ({"days": "someday"}, f"`someday` is not a day. {_DAYS_HELP}"),
        ({"window": "8d"}, "`8d` is too long: the answer window can be at most 7 days."),
        ({"window": "0h"}, "`0h` is too short: the answer window must be at least 1 minute."),
        ({"window": "soon"}, "`soon` is not a duration. Use a number and a unit: 6h, 90m, "
         "1h30m or 2d."),
        ({"leaderboard": "fri"}, "`fri` is not a leaderboard slot. Use a day and a time, "
         "e.g. fri 16:00."),
        ({"leaderboard": "16:00"}, "`16:00` is not a leaderboard slot. Use a day and a time, "
         "e.g. fri 16:00."),
        ({"leaderboard": "xyz 16:00"}, "`xyz` is not a day of the week. Use a day and a time, "
         "e.g. fri 16:00."),
        ({"leaderboard": "fri 25:00"}, "`25:00` is not a time. Use 24-hour HH:MM, e.g. 09:30, "
         "or 9:30am."),
        ({"mcq-days": "sat"}, "MCQ days must be drill days: Sat is not among the drill days "
         "(Mon–Fri). Add it to days, or change mcq-days (mcq-days=none turns MCQ days off)."),
        ({"days": "mon,wed", "mcq-days": "tue,thu,wed"}, "MCQ days must be drill days: Tue, Thu "
         "are not among the drill days (Mon, Wed). Add them to days, or change mcq-days "
         "(mcq-days=none turns MCQ days off)."),
        ({"mcq-time": "9:30am"}, "The MCQ slot (mcq-time=09:30) must not be at the same time "
         "as the daily drill. Pick another time, or mcq-time=none."),
        ({"days": "daily", "window": "24h"}, "The answer window (1 day) must end before the "
         "next drill: daily drills can be 1 day apart. Use a window shorter than 1 day, "
         "e.g. window=6h."),
        ({"days": "mon,wed,fri", "window": "2d"}, "The answer window (2 days) must end before "
         "the next drill: drills on Mon, Wed, Fri can be 2 days apart. Use a window shorter "
         "than 2 days, e.g. window=6h."),
        ({"days": "wed", "window": "7d"}, "The answer window (7 days) must end before the next "
         "drill: drills on Wed can be 7 days apart. Use a window shorter than 7 days, "
         "e.g. window=6h."),
        ({"days": "daily", "zone": BERLIN, "window": "23h"}, "The answer window (23 hours) must "
         "end before the next drill: daily drills can be 23 hours apart across a clock change "
         "in Europe/Berlin. Use a window shorter than 23 hours, e.g. window=6h."),
    ],
)  # fmt: skip
def test_apply_changes_errors(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        rules.apply_changes(Schedule(), changes)
    assert str(info.value) == message


def test_changing_days_must_keep_existing_mcq_days() -> None:
    start = Schedule(mcq_days=("tue", "thu"))
    with pytest.raises(ScheduleError, match=r"^MCQ days must be drill days: Tue, Thu are not"):
        rules.apply_changes(start, {"days": "mon,wed,fri"})
    after = rules.apply_changes(start, {"days": "mon,wed,fri", "mcq-days": "wed"})
    assert after.mcq_days == ("wed",)


@pytest.mark.parametrize(
    ("changes", "window"),
    [
        ({"days": "daily", "window": "23h59m"}, dt.timedelta(hours=23, minutes=59)),
        ({"days": "daily", "zone": BERLIN, "window": "22h59m"}, dt.timedelta(hours=22, minutes=59)),
        ({"days": "mon,wed,fri", "window": "47h"}, dt.timedelta(hours=47)),
        ({"days": "wed", "window": "6d23h"}, dt.timedelta(days=6, hours=23)),
        ({"window": "23h"}, dt.timedelta(hours=23)),
    ],
)  # fmt: skip
def test_answer_window_may_run_up_to_the_next_drill(
    changes: dict[str, str], window: dt.timedelta
) -> None:
    assert rules.apply_changes(Schedule(), changes).answer_window == window


def test_shortest_gap_counts_the_clock_change() -> None:
    assert rules.shortest_gap(Schedule(days=EVERY_DAY)) == dt.timedelta(days=1)
    assert rules.shortest_gap(Schedule(days=EVERY_DAY, timezone=BERLIN)) == dt.timedelta(hours=23)
    assert rules.shortest_gap(Schedule(days=("fri", "mon"))) == dt.timedelta(days=3)
    assert rules.shortest_gap(Schedule(days=("sun", "mon"))) == dt.timedelta(days=1)
    assert rules.shortest_gap(Schedule(days=("thu",))) == dt.timedelta(days=7)


# --- local_datetime: DST-exact -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # Europe/Berlin springs forward on 2026-03-29 and falls back on 2026-10-25.
        (BERLIN, d(2026, 3, 28), utc(2026, 3, 28, 8, 30)),
        (BERLIN, d(2026, 3, 29), utc(2026, 3, 29, 7, 30)),
        (BERLIN, d(2026, 3, 30), utc(2026, 3, 30, 7, 30)),
        (BERLIN, d(2026, 10, 24), utc(2026, 10, 24, 7, 30)),
        (BERLIN, d(2026, 10, 25), utc(2026, 10, 25, 8, 30)),
        # America/New_York springs forward on 2026-03-08 and falls back on 2026-11-01.
        (NEW_YORK, d(2026, 3, 7), utc(2026, 3, 7, 14, 30)),
        (NEW_YORK, d(2026, 3, 8), utc(2026, 3, 8, 13, 30)),
        (NEW_YORK, d(2026, 10, 31), utc(2026, 10, 31, 13, 30)),
        (NEW_YORK, d(2026, 11, 1), utc(2026, 11, 1, 14, 30)),
        ("UTC", d(2026, 3, 29), utc(2026, 3, 29, 9, 30)),
    ],
)
def test_a_0930_drill_stays_at_0930_local_across_dst(
    zone: str, day: dt.date, expected: dt.datetime
) -> None:
    instant = rules.local_datetime(day, T0930, zone)
    assert instant == expected
    assert instant.tzinfo is UTC
    local = instant.astimezone(ZoneInfo(zone))
    assert (local.date(), local.time()) == (day, T0930)


@pytest.mark.parametrize(
    ("zone", "day", "time", "expected", "local_wall"),
    [
        # Skipped (spring-forward gap): the first valid instant after it.
        (BERLIN, d(2026, 3, 29), dt.time(2, 30), utc(2026, 3, 29, 1, 0), dt.time(3, 0)),
        (BERLIN, d(2026, 3, 29), dt.time(2, 0), utc(2026, 3, 29, 1, 0), dt.time(3, 0)),
        (BERLIN, d(2026, 3, 29), dt.time(2, 59), utc(2026, 3, 29, 1, 0), dt.time(3, 0)),
        (BERLIN, d(2026, 3, 29), dt.time(3, 0), utc(2026, 3, 29, 1, 0), dt.time(3, 0)),
        (BERLIN, d(2026, 3, 29), dt.time(1, 59), utc(2026, 3, 29, 0, 59), dt.time(1, 59)),
        (NEW_YORK, d(2026, 3, 8), dt.time(2, 30), utc(2026, 3, 8, 7, 0), dt.time(3, 0)),
        # Repeated (fall-back): the first occurrence (summer time).
        (BERLIN, d(2026, 10, 25), dt.time(2, 30), utc(2026, 10, 25, 0, 30), dt.time(2, 30)),
        (NEW_YORK, d(2026, 11, 1), dt.time(1, 30), utc(2026, 11, 1, 5, 30), dt.time(1, 30)),
    ],
)
def test_local_datetime_gaps_and_repeats(
    zone: str, day: dt.date, time: dt.time, expected: dt.datetime, local_wall: dt.time
) -> None:
    instant = rules.local_datetime(day, time, zone)
    assert instant == expected
    local = instant.astimezone(ZoneInfo(zone))
    assert (local.date(), local.time()) == (day, local_wall)
    assert local.fold == 0


def test_local_datetime_unknown_zone() -> None:
    with pytest.raises(ScheduleError, match="`Mars/Base` is not an IANA time zone"):
        rules.local_datetime(d(2026, 1, 1), T0930, "Mars/Base")


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (utc(2026, 3, 28, 23, 30), BERLIN, d(2026, 3, 29)),
        (utc(2026, 3, 28, 23, 30), NEW_YORK, d(2026, 3, 28)),
        (utc(2026, 3, 28, 22, 59), BERLIN, d(2026, 3, 28)),
        (utc(2026, 11, 1, 4, 59), NEW_YORK, d(2026, 11, 1)),
        (utc(2026, 11, 1, 3, 59), NEW_YORK, d(2026, 10, 31)),
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=ZoneInfo(NEW_YORK)), "UTC", d(2026, 3, 29)),
    ],
)
def test_local_date(instant: dt.datetime, zone: str, expected: dt.date) -> None:
    assert rules.local_date(instant, zone) == expected


def test_naive_instants_are_refused() -> None:
    naive = dt.datetime(2026, 3, 29, 9, 30)
    with pytest.raises(ValueError, match="no time zone"):
        rules.local_date(naive, BERLIN)
    with pytest.raises(ValueError, match="no time zone"):
        rules.latest_occurrence(naive, T0930, WEEKDAYS, BERLIN)
    with pytest.raises(ValueError, match="no time zone"):
        rules.next_occurrence(naive, T0930, WEEKDAYS, BERLIN)


# --- occurrences -------------------------------------------------------------------------------


def test_occurrence_on_only_on_scheduled_days() -> None:
    assert rules.occurrence_on(d(2026, 3, 29), T0930, WEEKDAYS, BERLIN) is None  # a Sunday
    assert rules.occurrence_on(d(2026, 3, 30), T0930, WEEKDAYS, BERLIN) == utc(2026, 3, 30, 7, 30)
    assert rules.occurrence_on(d(2026, 3, 29), T0930, EVERY_DAY, BERLIN) == utc(2026, 3, 29, 7, 30)


@pytest.mark.parametrize(
    ("now", "days", "zone", "expected"),
    [
        # exactly at the slot counts
        (utc(2026, 3, 29, 7, 30), EVERY_DAY, BERLIN, (d(2026, 3, 29), utc(2026, 3, 29, 7, 30))),
        # a second before it: yesterday's, in winter time
        (utc(2026, 3, 29, 7, 29, 59), EVERY_DAY, BERLIN, (d(2026, 3, 28), utc(2026, 3, 28, 8, 30))),
        (utc(2026, 10, 25, 8, 29), EVERY_DAY, BERLIN, (d(2026, 10, 24), utc(2026, 10, 24, 7, 30))),
        (utc(2026, 10, 25, 8, 30), EVERY_DAY, BERLIN, (d(2026, 10, 25), utc(2026, 10, 25, 8, 30))),
        (utc(2026, 3, 8, 13, 30), EVERY_DAY, NEW_YORK, (d(2026, 3, 8), utc(2026, 3, 8, 13, 30))),
        (utc(2026, 3, 8, 13, 29), EVERY_DAY, NEW_YORK, (d(2026, 3, 7), utc(2026, 3, 7, 14, 30))),
        (utc(2026, 11, 1, 14, 29), EVERY_DAY, NEW_YORK,
         (d(2026, 10, 31), utc(2026, 10, 31, 13, 30))),
        (utc(2026, 11, 1, 14, 30), EVERY_DAY, NEW_YORK, (d(2026, 11, 1), utc(2026, 11, 1, 14, 30))),
        # weekend: Friday's, before the clocks changed
        (utc(2026, 3, 29, 12, 0), WEEKDAYS, BERLIN, (d(2026, 3, 27), utc(2026, 3, 27, 8, 30))),
        # New York evening is already the next day in UTC
        (utc(2026, 3, 10, 2, 0), WEEKDAYS, NEW_YORK, (d(2026, 3, 9), utc(2026, 3, 9, 13, 30))),
        # weekly on Wednesday, asked Wednesday before the slot: a week back (the 8-day window)
        (utc(2026, 4, 1, 6, 0), ("wed",), BERLIN, (d(2026, 3, 25), utc(2026, 3, 25, 8, 30))),
        (utc(2026, 3, 31, 6, 0), ("wed",), BERLIN, (d(2026, 3, 25), utc(2026, 3, 25, 8, 30))),
    ],
)  # fmt: skip
def test_latest_occurrence(
    now: dt.datetime, days: tuple[str, ...], zone: str, expected: tuple[dt.date, dt.datetime]
) -> None:
    assert rules.latest_occurrence(now, T0930, days, zone) == expected


@pytest.mark.parametrize(
    ("after", "days", "zone", "expected"),
    [
        # 23 hours between the drills across spring-forward, 25 across fall-back
        (utc(2026, 3, 28, 8, 30), EVERY_DAY, BERLIN, (d(2026, 3, 29), utc(2026, 3, 29, 7, 30))),
        (utc(2026, 3, 29, 7, 30), EVERY_DAY, BERLIN, (d(2026, 3, 30), utc(2026, 3, 30, 7, 30))),
        (utc(2026, 10, 24, 7, 30), EVERY_DAY, BERLIN, (d(2026, 10, 25), utc(2026, 10, 25, 8, 30))),
        (utc(2026, 3, 7, 14, 30), EVERY_DAY, NEW_YORK, (d(2026, 3, 8), utc(2026, 3, 8, 13, 30))),
        (utc(2026, 10, 31, 13, 30), EVERY_DAY, NEW_YORK,
         (d(2026, 11, 1), utc(2026, 11, 1, 14, 30))),
        # strictly after: a second earlier gives the same slot
        (utc(2026, 3, 29, 7, 29, 59), EVERY_DAY, BERLIN, (d(2026, 3, 29), utc(2026, 3, 29, 7, 30))),
        # Friday's drill done: Monday, after the change
        (utc(2026, 3, 27, 8, 30), WEEKDAYS, BERLIN, (d(2026, 3, 30), utc(2026, 3, 30, 7, 30))),
        (utc(2026, 3, 6, 14, 30), WEEKDAYS, NEW_YORK, (d(2026, 3, 9), utc(2026, 3, 9, 13, 30))),
        # weekly: a full week ahead
        (utc(2026, 3, 25, 8, 30), ("wed",), BERLIN, (d(2026, 4, 1), utc(2026, 4, 1, 7, 30))),
    ],
)  # fmt: skip
def test_next_occurrence(
    after: dt.datetime, days: tuple[str, ...], zone: str, expected: tuple[dt.date, dt.datetime]
) -> None:
    assert rules.next_occurrence(after, T0930, days, zone) == expected


def test_no_days_means_no_occurrence() -> None:
    now = utc(2026, 3, 29, 12)
    assert rules.latest_occurrence(now, T0930, (), BERLIN) is None
    assert rules.next_occurrence(now, T0930, (), BERLIN) is None


def test_a_slot_in_the_gap_fires_once_at_the_end_of_the_gap() -> None:
    at = dt.time(2, 30)
    first = rules.next_occurrence(utc(2026, 3, 28, 1, 30), at, EVERY_DAY, BERLIN)
    assert first == (d(2026, 3, 29), utc(2026, 3, 29, 1, 0))
    assert rules.next_occurrence(first[1], at, EVERY_DAY, BERLIN) == (
        d(2026, 3, 30),
        utc(2026, 3, 30, 0, 30),
    )
    assert rules.latest_occurrence(utc(2026, 3, 29, 1, 30), at, EVERY_DAY, BERLIN) == first


def test_a_slot_in_the_repeated_hour_fires_once_at_its_first_occurrence() -> None:
    at = dt.time(2, 30)
    first = rules.next_occurrence(utc(2026, 10, 24, 0, 30), at, EVERY_DAY, BERLIN)
    assert first == (d(2026, 10, 25), utc(2026, 10, 25, 0, 30))
    # during the repeated 02:30 (01:30 UTC) the latest is still the first one
    assert rules.latest_occurrence(utc(2026, 10, 25, 1, 45), at, EVERY_DAY, BERLIN) == first
    assert rules.next_occurrence(first[1], at, EVERY_DAY, BERLIN) == (
        d(2026, 10, 26),
        utc(2026, 10, 26, 1, 30),
    )


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, "Australia/Sydney", "UTC"])
@pytest.mark.parametrize("days", [EVERY_DAY, WEEKDAYS, ("tue", "sat")])
def test_a_year_of_occurrences_is_always_at_local_post_time(
    zone: str, days: tuple[str, ...]
) -> None:
    tz = ZoneInfo(zone)
    start = rules.local_datetime(d(2026, 1, 1), dt.time(0, 0), zone)
    found = rules.next_occurrence(start, T0930, days, zone)
    seen: list[dt.date] = []
    while found is not None and found[0].year == 2026:
        day, instant = found
        local = instant.astimezone(tz)
        assert (local.date(), local.time()) == (day, T0930)
        assert rules.latest_occurrence(instant, T0930, days, zone) == found
        before = instant - dt.timedelta(seconds=1)
        assert rules.next_occurrence(before, T0930, days, zone) == found
        seen.append(day)
        found = rules.next_occurrence(instant, T0930, days, zone)
    expected = [
        d(2026, 1, 1) + dt.timedelta(days=n)
        for n in range(365)
        if rules.DAY_NAMES[(d(2026, 1, 1) + dt.timedelta(days=n)).weekday()] in days
    ]
    assert seen == expected


# --- weeks and periods -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "bounds", "key"),
    [
        (d(2026, 11, 26), (d(2026, 11, 23), d(2026, 11, 29)), "2026-W48"),
        (d(2026, 11, 23), (d(2026, 11, 23), d(2026, 11, 29)), "2026-W48"),
        (d(2026, 11, 29), (d(2026, 11, 23), d(2026, 11, 29)), "2026-W48"),
        (d(2027, 1, 1), (d(2026, 12, 28), d(2027, 1, 3)), "2026-W53"),
        (d(2025, 12, 29), (d(2025, 12, 29), d(2026, 1, 4)), "2026-W01"),
        (d(2026, 3, 4), (d(2026, 3, 2), d(2026, 3, 8)), "2026-W10"),
    ],
)
def test_iso_weeks(day: dt.date, bounds: tuple[dt.date, dt.date], key: str) -> None:
    assert rules.week_bounds(day) == bounds
    assert rules.week_key(day) == key


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        (d(2026, 2, 10), (d(2026, 2, 1), d(2026, 2, 28))),
        (d(2028, 2, 29), (d(2028, 2, 1), d(2028, 2, 29))),
        (d(2026, 12, 31), (d(2026, 12, 1), d(2026, 12, 31))),
        (d(2026, 4, 1), (d(2026, 4, 1), d(2026, 4, 30))),
    ],
)
def test_month_bounds(day: dt.date, bounds: tuple[dt.date, dt.date]) -> None:
    assert rules.month_bounds(day) == bounds


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("this-week", (d(2026, 11, 23), d(2026, 11, 29))),
        ("last-week", (d(2026, 11, 16), d(2026, 11, 22))),
        ("month", (d(2026, 11, 1), d(2026, 11, 30))),
        ("all", (None, None)),
    ],
)
def test_period_bounds(period: str, bounds: tuple[dt.date | None, dt.date | None]) -> None:
    assert rules.period_bounds(period, d(2026, 11, 26)) == bounds


def test_last_week_across_the_new_year() -> None:
    assert rules.period_bounds("last-week", d(2027, 1, 5)) == (d(2026, 12, 28), d(2027, 1, 3))


def test_period_bounds_unknown() -> None:
    with pytest.raises(ScheduleError) as info:
        rules.period_bounds("yesterday", d(2026, 11, 26))
    assert str(info.value) == (
        "`yesterday` is not a period. Use one of: this-week, last-week, month, all."
    )
