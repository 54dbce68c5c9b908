"""The console's line language: who says what, where, and moving the clock."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_USER = "you"
_SAY = re.compile(
    r"^@(?P<name>[A-Za-z0-9_.-]+)"
    r"(?:\s+(?P<dm>dm:)|\s+in\s+(?P<thread>m\d+):)?\s*(?P<text>.*)$",
    re.S,
)
_THREAD_WITHOUT_NAME = re.compile(r"^(?:@\S+\s+)?in\s+(m\d+)\b:?", re.I)
_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")


class ScriptError(ValueError):
    pass


@dataclass(frozen=True)
class Say:
    user: str
    text: str
    direct: bool
    thread: str | None = None
    """Written in the thread of this posted message ("m3"), with `@name in m3: ...`."""


@dataclass(frozen=True)
class Advance:
    delta: dt.timedelta


@dataclass(frozen=True)
class At:
    instant: dt.datetime


@dataclass(frozen=True)
class Nothing:
    pass


@dataclass(frozen=True)
class Help:
    """`:help`: list the console's own lines."""


@dataclass(frozen=True)
class Quit:
    """`:quit`: stop reading lines and close cleanly."""


Line = Say | Advance | At | Nothing | Help | Quit

HELP = """\
The console's own lines (everything else is said in #team):
  /drill <command>          you (an admin) run a command in #team; `/drill help` lists them
  @alice <text>             alice writes in #team, e.g. `@alice /drill pick B`
  @alice dm: <text>         alice writes to the bot in a direct message
  @alice in m3: <text>      alice replies in the thread of the bot's message [m3];
                            `@alice in m3: /drill pick B` picks for the question posted as [m3]
  :advance 90m | 2h | 1d    move the clock, firing everything that comes due on the way
  :at 2026-12-01T09:30      move the clock to a local date and time
  :help                     this list
  :quit                     close the console (end of input does too)
  # ...                     a comment"""


def parse_duration(text: str) -> dt.timedelta:
    m = _DURATION.match(text.strip())
    if not text.strip() or m is None:
        raise ScriptError(f"`{text}` is not a duration; use e.g. 90m, 2h, 1d or 1h30m")
    return dt.timedelta(days=int(m["d"] or 0), hours=int(m["h"] or 0), minutes=int(m["m"] or 0))


def parse_instant(text: str, zone: str) -> dt.datetime:
    try:
        naive = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScriptError(f"`{text}` is not a date and time; use e.g. 2026-12-01T09:30") from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(zone))


def parse_line(line: str, zone: str) -> Line:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return Nothing()
    if stripped.startswith(":"):
        verb, _, arg = stripped[1:].partition(" ")
        if verb == "advance":
            return Advance(parse_duration(arg))
        if verb == "at":
            return At(parse_instant(arg, zone))
        if verb == "help":
            return Help()
        if verb == "quit":
            return Quit()
        raise ScriptError(f"unknown console command `:{verb}`; `:help` lists the console's lines")
    m = _SAY.match(stripped)
    if (m is None or not m["thread"]) and (wrong := _THREAD_WITHOUT_NAME.match(stripped)):
        # Said in the channel instead, it would reach nobody: explain the thread form.
        ref = wrong[1]
        raise ScriptError(
            f"to write in the thread of [{ref}], say who writes and put a colon after "
            f"`in {ref}`: `@alice in {ref}: <text>`"
        )
    if m:
        return Say(m["name"], m["text"].strip(), direct=bool(m["dm"]), thread=m["thread"])
    return Say(DEFAULT_USER, stripped, direct=False)
