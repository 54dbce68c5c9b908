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


Line = Say | Advance | At | Nothing


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
        raise ScriptError(
            f"unknown console command `:{verb}`; use :advance 2h or :at 2026-12-01T09:30"
        )
    m = _SAY.match(stripped)
    if m:
        return Say(m["name"], m["text"].strip(), direct=bool(m["dm"]), thread=m["thread"])
    return Say(DEFAULT_USER, stripped, direct=False)
