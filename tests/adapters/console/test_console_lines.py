"""The console's own lines: `:help`, `:quit`, unknown `:words`, the `@name in mN:` thread form,
and `/drill` commands written in a drill's thread."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.console.app import ConsoleApp
from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.script import Help, Quit, Say, ScriptError, parse_line
from bot.scheduling.clock import ManualClock
from bot.services.deps import Deps, EngineSettings
from bot.services.engine import Engine
from bot.testing.library import tiny_library
from bot.testing.memory_store import MemoryStore

ZONE = "Europe/Berlin"


def console() -> tuple[ConsoleApp, io.StringIO]:
    out = io.StringIO()
    clock = ManualClock(dt.datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo(ZONE)))
    chat = ConsoleChat(out, clock.now, ZONE)
    deps = Deps(
        store=MemoryStore(),
        library=tiny_library(),
        chat=chat,
        clock=clock,
        settings=EngineSettings(count_update_delay=0),
    )
    return ConsoleApp(Engine(deps), clock, chat, ZONE), out


def test_help_and_quit_are_console_lines() -> None:
    assert parse_line(":help", ZONE) == Help()
    assert parse_line("  :quit  ", ZONE) == Quit()


def test_an_unknown_console_word_points_at_help() -> None:
    with pytest.raises(ScriptError) as info:
        parse_line(":advnce 2h", ZONE)
    assert str(info.value) == "unknown console command `:advnce`; `:help` lists the console's lines"


@pytest.mark.parametrize("line", ["in m3: hello", "@alice in m3 hello", "In M3: /drill pick B"])
def test_a_thread_line_without_a_name_or_colon_explains_the_form(line: str) -> None:
    with pytest.raises(ScriptError) as info:
        parse_line(line, ZONE)
    assert "`@alice in m3: <text>`" in str(info.value).replace("M3", "m3")


def test_the_thread_form_and_plain_lines_still_parse() -> None:
    assert parse_line("@alice in m3: hi", ZONE) == Say("alice", "hi", direct=False, thread="m3")
    assert parse_line("in my view this is chatter", ZONE) == Say(
        "you", "in my view this is chatter", direct=False
    )


async def test_help_lists_every_console_line() -> None:
    app, out = console()
    await app.handle_line(":help")
    shown = out.getvalue()
    for line in (":advance", ":at", ":help", ":quit", "@alice dm:", "@alice in m3:", "# ..."):
        assert line in shown


async def test_quit_stops_a_replay_cleanly() -> None:
    app, out = console()
    await app.replay([":quit", "/drill help"])
    assert app.quit
    assert "drillbot commands" not in out.getvalue()


async def test_quit_ends_an_interactive_session() -> None:
    app, out = console()
    await app.interactive(io.StringIO(":quit\n/drill help\n"))
    assert "drillbot commands" not in out.getvalue()


async def test_unknown_words_and_nameless_thread_lines_are_answered() -> None:
    app, out = console()
    await app.handle_line(":frob")
    await app.handle_line("in m3: hello")
    shown = out.getvalue()
    assert "· line 1: unknown console command `:frob`; `:help` lists" in shown
    assert "· line 2: to write in the thread of [m3], say who writes" in shown


async def test_a_pick_in_a_drills_thread_is_for_that_drill() -> None:
    app, out = console()
    await app.handle_line("/drill setup 09:30 Europe/Berlin mon-fri mcq-days=mon mcq-time=14:00")
    await app.handle_line(":at 2026-11-30T14:00")
    shown = out.getvalue()
    # [m1] tells the channel about the setup; [m2] is the 09:30 MCQ, [m3] the 14:00 one.
    assert "#team · drillbot [m2]\n    Daily MCQ #" in shown
    assert "#team · drillbot [m3]\n    Daily MCQ #" in shown
    await app.handle_line("@alice /drill pick B")
    assert "2 multiple-choice questions are open here: which one is it for?" in out.getvalue()
    await app.handle_line("@alice in m3: /drill pick B")
    assert "mcq slot)" in out.getvalue().rsplit("visible only to alice", 1)[1]
    await app.handle_line("@bob /drill pick m2 A")
    assert "daily slot)" in out.getvalue().rsplit("visible only to bob", 1)[1]
