"""The `/drill` command parser every adapter shares, and its help."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.domain import commands as cmd
from bot.domain import schedule_rules as rules
from bot.domain.commands import CommandError
from bot.domain.model import Schedule

SETUP_USAGE = (
    "`setup [time] [zone] [days] [key=value ...]`, "
    "e.g. `setup 09:30 Europe/Berlin mon-fri window=6h`"
)
SUMMARY = (
    "Commands: help, question, mcq, answer, pick, practice, remind, incident, hint, skip, "
    "stop, leaderboard, stats, history, optout, optin, away, schedule, topics, setup, pause, "
    "resume, admins, team, leads. "
    "Type `/drill help <command>` for details."
)


def fails(text: str) -> CommandError:
    with pytest.raises(CommandError) as info:
        cmd.parse(text)
    return info.value


# --- prefix, case, spacing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", cmd.Help()),
        ("   ", cmd.Help()),
        ("/drill", cmd.Help()),
        ("/DRILL   ", cmd.Help()),
        ("help", cmd.Help()),
        ("/drill help", cmd.Help()),
        ("  /drill   HELP   ", cmd.Help()),
        ("help setup", cmd.Help("setup")),
        ("/drill Help LEADERBOARD", cmd.Help("leaderboard")),
        ("help `pick`", cmd.Help("pick")),
        ("help /drill away", cmd.Help("away")),
        ("Stats", cmd.Stats()),
        ("/drill\tstats", cmd.Stats()),
        ("\n/drill stats\n", cmd.Stats()),
    ],
)
def test_prefix_case_and_spacing(text: str, expected: cmd.Command) -> None:
    assert cmd.parse(text) == expected


def test_drill_is_only_stripped_as_a_whole_word() -> None:
    error = fails("/drillstats")
    assert error.message == "Unknown command `/drillstats`. Did you mean `stats`?"


# --- unknown commands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("leadrboard", "Unknown command `leadrboard`. Did you mean `leaderboard`?"),
        ("/drill Leadrboard this-week",
         "Unknown command `Leadrboard`. Did you mean `leaderboard`?"),
        ("answr foo", "Unknown command `answr`. Did you mean `answer`?"),
        ("setpu 09:30", "Unknown command `setpu`. Did you mean `setup`?"),
        ("xyzzy", "Unknown command `xyzzy`."),
    ],
)  # fmt: skip
def test_unknown_command_suggests_the_closest(text: str, message: str) -> None:
    error = fails(text)
    assert error.message == message
    assert error.usage == SUMMARY
    assert str(error) == f"{message}\n{SUMMARY}"
    assert isinstance(error, ValueError)


# --- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("help foo", "No help for `foo`."),
        ("help setpu", "No help for `setpu`. Did you mean `setup`?"),
        ("help setup zone", "No help for `setup zone`. Did you mean `setup`?"),
    ],
)
def test_help_for_an_unknown_topic(text: str, message: str) -> None:
    error = fails(text)
    assert (error.message, error.usage) == (message, SUMMARY)


# --- practice ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("question", cmd.Question(None)),
        ("question event-loop", cmd.Question("event-loop")),
        ("QUESTION Modules", cmd.Question("modules")),
        ("question event loop", cmd.Question("event-loop")),
        ("mcq", cmd.Mcq(None)),
        ("mcq  data ", cmd.Mcq("data")),
    ],
)
def test_question_and_mcq(text: str, expected: cmd.Command) -> None:
    assert cmd.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("answer It uses libuv", "It uses libuv"),
        ("/drill ANSWER   Keeps CASE  and  spacing  ", "Keeps CASE  and  spacing"),
        ("answer first line\n  - second\n\nthird", "first line\n  - second\n\nthird"),
        ("answer\nOn the next line", "On the next line"),
        ("answer pick B", "pick B"),
    ],
)
def test_answer_keeps_the_text_as_typed(text: str, answer: str) -> None:
    assert cmd.parse(text) == cmd.AnswerText(answer)


@pytest.mark.parametrize("text", ["answer", "answer   ", "/drill answer \n "])
def test_empty_answer(text: str) -> None:
    error = fails(text)
    assert error.message == (
        "Write your answer after `answer`, e.g. "
        "`answer process.nextTick callbacks run before promise callbacks`."
    )
    assert error.usage == cmd.USAGE["answer"]


@pytest.mark.parametrize(
    ("text", "option"),
    [
        *((f"pick {c}", c) for c in "ABCDEF"),
        *((f"pick {c.lower()}", c) for c in "ABCDEF"),
        *((f"pick {n}", "ABCDEF"[n - 1]) for n in range(1, 7)),
        ("PICK  b ", "B"),
        ("pick (c)", "C"),
        ("pick d)", "D"),
        ("pick E.", "E"),
    ],
)
def test_pick(text: str, option: str) -> None:
    assert cmd.parse(text) == cmd.Pick(option)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pick", "Say which option you pick, e.g. `pick B`."),
        ("pick Z", "`Z` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
        ("pick g", "`g` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
        ("pick 7", "`7` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
        ("pick ²", "`²` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
        ("pick 0", "`0` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
        ("pick AB", "`AB` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
        ("pick a b", "Pick one option, not `a b`: a letter A–F or a number 1–6."),
    ],
)
def test_pick_errors(text: str, message: str) -> None:
    error = fails(text)
    assert error.message == message
    assert error.usage == "`pick [drill] <A-F or 1-6>`, e.g. `pick B`"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pick 42 D", cmd.Pick("D", "42")),
        ("pick #42 d", cmd.Pick("D", "42")),
        ("pick 42 4", cmd.Pick("D", "42")),
        ("pick 3 A", cmd.Pick("A", "3")),
        ("pick m7 B", cmd.Pick("B", "m7")),
        ("pick M7 b", cmd.Pick("B", "m7")),
        ("pick daily A", cmd.Pick("A", "daily")),
        ("pick MCQ c", cmd.Pick("C", "mcq")),
    ],
)
def test_pick_can_name_the_question_first(text: str, expected: cmd.Pick) -> None:
    assert cmd.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pick 42 D E", "Pick one option, not `42 D E`: a letter A–F or a number 1–6."),
        (
            "pick today B",
            "`today` does not name a question. Name it by its number (`pick 42 B`) or its slot "
            "(`pick daily B`, `pick mcq B`), or give just the option.",
        ),
        ("pick 42 Z", "`Z` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`."),
    ],
)
def test_pick_naming_errors(text: str, message: str) -> None:
    assert fails(text).message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("answer #42 TTLs expire\nentries", cmd.AnswerText("TTLs expire\nentries", "42")),
        ("answer 42 is the answer", cmd.AnswerText("42 is the answer")),
        ("answer m7 instances scale", cmd.AnswerText("m7 instances scale")),
        ("answer daily backups", cmd.AnswerText("daily backups")),
        ("answer #x marks the spot", cmd.AnswerText("#x marks the spot")),
    ],
)
def test_answer_names_its_question_only_with_a_hash_number(
    text: str, expected: cmd.AnswerText
) -> None:
    assert cmd.parse(text) == expected


def test_an_answer_that_only_names_its_question_is_refused() -> None:
    assert fails("answer #42").message == "Write your answer after `answer #42`."


def test_help_explains_naming_the_question() -> None:
    pick = cmd.help_text("pick", is_admin=False)
    assert "`pick [drill] <A-F or 1-6>`" in pick
    assert "`pick 42 B`" in pick and "`pick mcq B`" in pick and "`pick m7 B`" in pick
    assert "`answer #42 <your answer>`" in cmd.help_text("answer", is_admin=False)


# --- leaderboard, stats, away ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("leaderboard", "this-week"),
        ("leaderboard this-week", "this-week"),
        ("leaderboard week", "this-week"),
        ("leaderboard this week", "this-week"),
        ("leaderboard last-week", "last-week"),
        ("leaderboard last", "last-week"),
        ("leaderboard Last Week", "last-week"),
        ("leaderboard month", "month"),
        ("leaderboard this-month", "month"),
        ("leaderboard all", "all"),
        ("leaderboard all-time", "all"),
        ("LEADERBOARD ALL TIME", "all"),
    ],
)
def test_leaderboard_periods(text: str, period: str) -> None:
    command = cmd.parse(text)
    assert command == cmd.Leaderboard(period)
    assert period in rules.PERIODS


@pytest.mark.parametrize("period", ["yesterday", "last-month", "2026"])
def test_leaderboard_unknown_period(period: str) -> None:
    error = fails(f"leaderboard {period}")
    assert error.message == (
        f"`{period}` is not a leaderboard period. "
        "Use this-week (the default), last-week, month or all."
    )
    assert error.usage == (
        "`leaderboard [this-week | last-week | month | all]`, e.g. `leaderboard last-week`"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stats", cmd.Stats()),
        ("pause", cmd.Pause()),
        ("resume", cmd.Resume()),
        ("topics", cmd.Topics()),
        ("schedule", cmd.Schedule()),
        ("hint", cmd.Hint()),
        ("skip", cmd.Skip()),
        ("stop", cmd.Stop()),
    ],
)
def test_commands_without_arguments(text: str, expected: cmd.Command) -> None:
    assert cmd.parse(text) == expected
    assert cmd.parse(text.upper()) == expected
    error = fails(f"{text} now please")
    assert error.message == f"`{text}` takes nothing after it (got `now please`)."
    assert error.usage == f"`{text}`"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("away 2026-12-24 2026-12-31", dt.date(2026, 12, 24), dt.date(2026, 12, 31)),
        ("away 2026-12-24", dt.date(2026, 12, 24), dt.date(2026, 12, 24)),
        ("away 2026-12-24 to 2026-12-31", dt.date(2026, 12, 24), dt.date(2026, 12, 31)),
        ("away 2026-12-24 - 2026-12-31", dt.date(2026, 12, 24), dt.date(2026, 12, 31)),
        ("away 2026-12-24 2026-12-24", dt.date(2026, 12, 24), dt.date(2026, 12, 24)),
        ("away 2028-02-29", dt.date(2028, 2, 29), dt.date(2028, 2, 29)),
    ],
)
def test_away(text: str, start: dt.date, end: dt.date) -> None:
    assert cmd.parse(text) == cmd.Away(start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("away", "Give the day you are away, or your first and last day away, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away 2026-13-01", "`2026-13-01` is not a date. Use YYYY-MM-DD, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away 2026-02-30", "`2026-02-30` is not a date. Use YYYY-MM-DD, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away 24.12.2026", "`24.12.2026` is not a date. Use YYYY-MM-DD, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away 20261224", "`20261224` is not a date. Use YYYY-MM-DD, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away tomorrow", "`tomorrow` is not a date. Use YYYY-MM-DD, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away 2026-12-24 2026-12-99", "`2026-12-99` is not a date. Use YYYY-MM-DD, "
         "e.g. `away 2026-12-24 2026-12-31`."),
        ("away 2026-12-31 2026-12-24", "The last day (2026-12-24) is before the first "
         "(2026-12-31). Give the first day, then the last."),
        ("away 2026-12-24 2026-12-25 2026-12-26", "Too many dates in "
         "`2026-12-24 2026-12-25 2026-12-26`: give one day, or a first and a last day, "
         "e.g. `away 2026-12-24 2026-12-31`."),
    ],
)  # fmt: skip
def test_away_errors(text: str, message: str) -> None:
    error = fails(text)
    assert error.message == message
    assert error.usage == cmd.USAGE["away"]
    assert "away list" in error.usage and "away cancel" in error.usage


# --- setup -------------------------------------------------------------------------------------


def test_setup_full_example() -> None:
    command = cmd.parse(
        "/drill setup 09:30 Europe/Berlin mon-fri window=6h mcq-days=tue,thu "
        'leaderboard="fri 16:00" topics=event-loop,modules'
    )
    assert command == cmd.Setup(
        time="09:30",
        zone="Europe/Berlin",
        days="mon-fri",
        changes={
            "window": "6h",
            "mcq-days": "tue,thu",
            "leaderboard": "fri 16:00",
            "topics": "event-loop,modules",
        },
    )
    assert command.admin_only


def test_bare_setup_is_valid() -> None:
    command = cmd.parse("setup")
    assert command == cmd.Setup(None, None, None, {})
    assert isinstance(command, cmd.Setup)
    assert command.all_changes() == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("setup mon-fri UTC 9:30", cmd.Setup("9:30", "UTC", "mon-fri")),
        ("setup 4 pm utc", cmd.Setup("4 pm", "utc", None)),
        ("setup 4:15 PM", cmd.Setup("4:15 PM", None, None)),
        ("setup mon wed fri", cmd.Setup(None, None, "mon wed fri")),
        ("setup mon, wed, fri", cmd.Setup(None, None, "mon, wed, fri")),
        ("setup mon - fri", cmd.Setup(None, None, "mon-fri")),
        ("setup Mon–Fri", cmd.Setup(None, None, "Mon-Fri")),
        ("setup weekdays", cmd.Setup(None, None, "weekdays")),
        ("setup america/new_york", cmd.Setup(None, "america/new_york", None)),
        # only syntax here: schedule_rules rejects these values later
        ("setup 25:00", cmd.Setup("25:00", None, None)),
        ("setup Mars/Base", cmd.Setup(None, "Mars/Base", None)),
        ("setup mon-xyz", cmd.Setup(None, None, "mon-xyz")),
        ("setup window=forever", cmd.Setup(changes={"window": "forever"})),
        # keys: any case, underscores, spaces around "=", quotes of any kind
        ("setup MCQ_Days=tue", cmd.Setup(changes={"mcq-days": "tue"})),
        ("setup window = 6h", cmd.Setup(changes={"window": "6h"})),
        ("setup leaderboard='mon 9:00'", cmd.Setup(changes={"leaderboard": "mon 9:00"})),
        ("setup leaderboard=“fri 16:00”", cmd.Setup(changes={"leaderboard": "fri 16:00"})),
        ('setup "leaderboard=fri 16:00"', cmd.Setup(changes={"leaderboard": "fri 16:00"})),
        ("setup mcq-time=none mcq-days=none", cmd.Setup(
            changes={"mcq-time": "none", "mcq-days": "none"})),
        # time, zone and days given as keys land in their fields
        ("setup time=10:00 zone=UTC days=daily window=2h",
         cmd.Setup("10:00", "UTC", "daily", {"window": "2h"})),
    ],
)  # fmt: skip
def test_setup_forms(text: str, expected: cmd.Setup) -> None:
    assert cmd.parse(text) == expected


def test_setup_all_changes_merges_the_fields() -> None:
    command = cmd.parse("setup 09:30 UTC window=6h")
    assert isinstance(command, cmd.Setup)
    assert command.all_changes() == {"time": "09:30", "zone": "UTC", "window": "6h"}


def test_setup_values_go_through_apply_changes() -> None:
    command = cmd.parse(
        'setup 09:30 europe/berlin mon-fri window=6h mcq-days=tue,thu leaderboard="fri 16:00" '
        "topics=event-loop,modules"
    )
    assert isinstance(command, cmd.Setup)
    schedule = rules.apply_changes(Schedule(), command.all_changes())
    assert schedule == Schedule(
        post_time=dt.time(9, 30),
        timezone="Europe/Berlin",
        days=("mon", "tue", "wed", "thu", "fri"),
        mcq_days=("tue", "thu"),
        answer_window=dt.timedelta(hours=6),
        leaderboard_day="fri",
        leaderboard_time=dt.time(16, 0),
        topics=("event-loop", "modules"),
    )


_KEYS = "time, zone, days, mcq-days, mcq-time, window, leaderboard, topics, levels, packs"
_NOT_POSITIONAL = (
    "is not a time (e.g. 09:30), a time zone (e.g. Europe/Berlin) or days (e.g. mon-fri)."
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("setup 09:30 Berlin", f"`Berlin` {_NOT_POSITIONAL} Did you mean Europe/Berlin?"),
        ("setup frday", f"`frday` {_NOT_POSITIONAL} Did you mean fri?"),
        ("setup banana", f"`banana` {_NOT_POSITIONAL}"),
        ("setup window 6h", f"`window` {_NOT_POSITIONAL} Settings need a value: `window=6h`."),
        ("setup colour=red", f"Unknown setting `colour`. Settings: {_KEYS}."),
        ("setup windw=6h", f"Unknown setting `windw`. Did you mean `window`? Settings: {_KEYS}."),
        ("setup paused=true", "Unknown setting `paused`. Use the `pause` and `resume` commands "
         f"to stop and restart drills. Settings: {_KEYS}."),
        ("setup window=", "`window=` needs a value, e.g. `window=6h`."),
        ("setup topics=''", "`topics=` needs a value, e.g. `topics=event-loop,modules`."),
        ("setup =6h", "`=6h` needs a setting name before `=`, e.g. `window=6h`."),
        ("setup window=6h window=2h", "`window` is given twice."),
        ("setup window=6h WINDOW=2h", "`window` is given twice."),
        ("setup 09:30 10:00", "Give one time, not `09:30` and `10:00`."),
        ("setup UTC Europe/Berlin", "Give one zone, not `UTC` and `Europe/Berlin`."),
        ("setup 09:30 time=10:00", "The time is given twice: `09:30` and `time=10:00`."),
        ("setup UTC zone=UTC", "The zone is given twice: `UTC` and `zone=UTC`."),
        ("setup mon days=tue", "The days are given twice: `mon` and `days=tue`."),
        ('setup leaderboard="fri 16:00', "A quote is not closed. Quote values with spaces, "
         'e.g. leaderboard="fri 16:00".'),
    ],
)  # fmt: skip
def test_setup_errors(text: str, message: str) -> None:
    error = fails(text)
    assert error.message == message
    assert error.usage == SETUP_USAGE


# --- incidents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("incident", cmd.Incident("start", None, None)),
        ("incident start", cmd.Incident("start", None, None)),
        ("incident list", cmd.Incident("list", None, None)),
        ("incident LIST", cmd.Incident("list", None, None)),
        ("incident resume", cmd.Incident("resume", None, None)),
        ("incident stop", cmd.Incident("stop", None, None)),
        ("incident random", cmd.Incident("start", None, None)),
        ("incident random senior", cmd.Incident("start", None, "senior")),
        ("incident senior", cmd.Incident("start", None, "senior")),
        ("incident incident-catalog-latency", cmd.Incident("start", "incident-catalog-latency")),
        ("incident Incident-Catalog-Latency MID",
         cmd.Incident("start", "incident-catalog-latency", "mid")),
        ("incident start incident-catalog-latency staff",
         cmd.Incident("start", "incident-catalog-latency", "staff")),
    ],
)  # fmt: skip
def test_incident(text: str, expected: cmd.Incident) -> None:
    assert cmd.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("incident list all", "`incident list` takes nothing after it."),
        ("incident stop now", "`incident stop` takes nothing after it."),
        ("incident resume it", "`incident resume` takes nothing after it."),
        ("incident foo senior extra", "Too many words in `foo senior extra`: give a scenario "
         "name (or `random`) and, optionally, a level, e.g. `incident random senior`."),
        ("incident random senior mid", "Too many words in `random senior mid`: give a scenario "
         "name (or `random`) and, optionally, a level, e.g. `incident random senior`."),
    ],
)  # fmt: skip
def test_incident_errors(text: str, message: str) -> None:
    error = fails(text)
    assert error.message == message
    assert error.usage == cmd.USAGE["incident"]


# --- the command classes -----------------------------------------------------------------------

ALL_CLASSES: list[type[cmd.Command]] = [
    cmd.Help, cmd.Question, cmd.Mcq, cmd.AnswerText, cmd.Pick, cmd.Leaderboard, cmd.Stats,
    cmd.Away, cmd.Setup, cmd.Pause, cmd.Resume, cmd.Topics, cmd.Schedule, cmd.Admins, cmd.Incident,
    cmd.Hint, cmd.Skip, cmd.Stop, cmd.History, cmd.OptOut, cmd.OptIn, cmd.Team, cmd.Leads,
    cmd.Practice, cmd.Remind,
]  # fmt: skip


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_admin_only_flags(cls: type[cmd.Command]) -> None:
    assert cls.admin_only is (cls in (cmd.Setup, cmd.Pause, cmd.Resume))
    # `admins` is listed with the admin commands, but anyone may list the admins; changing
    # the list is checked where it happens.
    assert (cls.keyword in cmd.ADMIN_COMMANDS) is (cls.admin_only or cls is cmd.Admins)


def test_every_class_has_a_command_and_usage() -> None:
    assert sorted(cls.keyword for cls in ALL_CLASSES) == sorted(cmd.COMMANDS)
    assert set(cmd.USAGE) == set(cmd.COMMANDS)


@pytest.mark.parametrize("name", cmd.COMMANDS)
def test_every_usage_example_parses_to_its_command(name: str) -> None:
    usage = cmd.USAGE[name]
    assert usage.startswith(f"`{name}")
    example = usage.split("e.g. ")[-1].strip("`")
    assert cmd.parse(example).keyword == name
    assert cmd.parse(f"/drill {example}").keyword == name


def test_commands_are_frozen() -> None:
    command = cmd.parse("pick B")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.option = "C"  # type: ignore[attr-defined]


def test_command_error_str_and_attributes() -> None:
    error = CommandError("Bad thing.", "Usage: `x`")
    assert (error.message, error.usage, str(error)) == (
        "Bad thing.",
        "Usage: `x`",
        "Bad thing.\nUsage: `x`",
    )
    assert str(CommandError("Only a message.", "")) == "Only a message."


# --- help_text ---------------------------------------------------------------------------------


def test_help_for_everyone_lists_commands_with_examples_but_not_admin_ones() -> None:
    text = cmd.help_text(None, is_admin=False)
    assert text.splitlines()[0] == "*drillbot commands* (type `/drill help <command>` for details)"
    for name in cmd.COMMANDS:
        if name in cmd.ADMIN_COMMANDS:
            assert f"• `{name}" not in text
        else:
            assert f"• `{name}" in text
    assert "e.g. `pick B`" in text
    assert "e.g. `away 2026-12-24 2026-12-31`" in text
    assert "Channel admins also have `setup`, `pause`, `resume` and `admins`." in text


def test_help_for_admins_lists_admin_commands() -> None:
    text = cmd.help_text(None, is_admin=True)
    assert "*Admins*" in text
    for name in cmd.COMMANDS:
        assert f"• `{name}" in text
    assert "e.g. `setup 09:30 Europe/Berlin mon-fri window=6h`" in text
    assert "Channel admins also have" not in text


@pytest.mark.parametrize("name", cmd.COMMANDS)
@pytest.mark.parametrize("is_admin", [False, True])
def test_help_for_each_command(name: str, is_admin: bool) -> None:
    text = cmd.help_text(name, is_admin)
    lines = text.splitlines()
    admin = name in cmd.ADMIN_COMMANDS
    assert lines[0] == f"*{name}*" + (" (admins only)" if admin else "")
    assert f"Usage: {cmd.USAGE[name]}" in lines
    assert ("Only channel admins can run this." in text) is (admin and not is_admin)


def test_help_for_setup_lists_every_setting_with_an_example() -> None:
    text = cmd.help_text("setup", is_admin=True)
    for key in rules.SETTING_KEYS:
        assert f"• `{key}={rules.SETTING_EXAMPLES[key]}`" in text


def test_every_setting_example_is_accepted_by_apply_changes() -> None:
    for key in rules.SETTING_KEYS:
        command = cmd.parse(f"setup {key}={rules.SETTING_EXAMPLES[key]}")
        assert isinstance(command, cmd.Setup)
        rules.apply_changes(Schedule(), command.all_changes())


def test_help_topic_is_case_insensitive_and_unknown_falls_back() -> None:
    assert cmd.help_text("SETUP", True) == cmd.help_text("setup", True)
    text = cmd.help_text("leadrboard", False)
    assert text.startswith("No help for `leadrboard`. Did you mean `leaderboard`?\n")
    assert cmd.help_text(None, False) in text
