"""A channel's drill schedule: parsing what admins type, describing it, and exact time-zone math.

Everything here is pure: no clock, no I/O. Functions that depend on "now" take it as an argument,
and every instant they return is an aware UTC datetime. Local times follow ``zoneinfo``: a local
time that a spring-forward change skips becomes the first instant after the gap, and one that a
fall-back change repeats means its first occurrence.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import difflib
import functools
import re
import zoneinfo
from collections.abc import Collection, Iterable, Mapping

from bot.domain.model import Schedule

UTC = dt.UTC

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Canonical day names; the index is ``date.weekday()``."""

FULL_DAY_NAMES: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

DAY_GROUPS: dict[str, tuple[str, ...]] = {
    "weekdays": DAY_NAMES[:5],
    "weekday": DAY_NAMES[:5],
    "workdays": DAY_NAMES[:5],
    "weekends": DAY_NAMES[5:],
    "weekend": DAY_NAMES[5:],
    "daily": DAY_NAMES,
    "everyday": DAY_NAMES,
    "every-day": DAY_NAMES,
    "all": DAY_NAMES,
}

_DAY_ALIASES = {"weds": 2, "thurs": 3, "thur": 3, "tues": 1}

SETTING_KEYS: tuple[str, ...] = (
    "time",
    "zone",
    "days",
    "mcq-days",
    "mcq-time",
    "window",
    "leaderboard",
    "topics",
    "levels",
    "packs",
)
"""The keys ``apply_changes`` understands, in the order help lists them."""

SETTING_EXAMPLES: dict[str, str] = {
    "time": "09:30",
    "zone": "Europe/Berlin",
    "days": "mon-fri",
    "mcq-days": "tue,thu",
    "mcq-time": "14:00",
    "window": "6h",
    "leaderboard": '"fri 16:00"',
    "topics": "event-loop,modules",
    "levels": "junior,mid",
    "packs": "nodejs-backend",
}

PERIODS: tuple[str, ...] = ("this-week", "last-week", "month", "all")

NONE_WORDS = frozenset({"none", "off", "no"})
ALL_WORDS = frozenset({"all", "any", "*"})

MIN_ANSWER_WINDOW = dt.timedelta(minutes=1)
MAX_ANSWER_WINDOW = dt.timedelta(days=7)
SEARCH_DAYS = 8
"""How far ``latest_occurrence`` looks back and ``next_occurrence`` looks ahead."""

_DASHES = re.compile(r"\s*[-–—]\s*")
_TIME_24 = re.compile(r"(\d{1,2}):(\d{2})")
_TIME_12 = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?")
_TIME_LIKE = re.compile(r"\d[\d:.]*\s*(?:[ap]\.?\s*m\.?)?")
_DURATION_PART = re.compile(
    r"\s*(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m)(?![a-z])", re.IGNORECASE
)
_DURATION_UNITS = {"d": 24 * 60, "h": 60, "m": 1}


class ScheduleError(ValueError):
    """A schedule setting people typed is wrong; ``message`` says what and how to write it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- parsing -----------------------------------------------------------------------------------

_TIME_HELP = "Use 24-hour HH:MM, e.g. 09:30, or 9:30am."


def parse_time(text: str) -> dt.time:
    """``9:30``, ``09:30``, ``17:05`` (24-hour) or ``9am``, ``9:30am``, ``4pm``, ``4:15 pm``."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ScheduleError(f"No time given. {_TIME_HELP}")
    if match := _TIME_24.fullmatch(cleaned):
        hour, minute = int(match[1]), int(match[2])
        if hour <= 23 and minute <= 59:
            return dt.time(hour, minute)
    elif match := _TIME_12.fullmatch(cleaned):
        hour, minute = int(match[1]), int(match[2] or 0)
        if 1 <= hour <= 12 and minute <= 59:
            return dt.time(hour % 12 + (12 if match[3] == "p" else 0), minute)
    raise ScheduleError(f"`{text.strip()}` is not a time. {_TIME_HELP}")


def looks_like_time(text: str) -> bool:
    """Whether ``text`` was meant as a time (``parse_time`` may still reject it, e.g. ``25:00``)."""
    return _TIME_LIKE.fullmatch(text.strip().lower()) is not None


@functools.cache
def _zone_names() -> dict[str, str]:
    names = zoneinfo.available_timezones() - {"localtime", "posixrules", "Factory"}
    return {name.lower(): name for name in names | {"UTC"}}


@functools.cache
def _zone_cities() -> dict[str, str]:
    """The last part of each zone name (``berlin``) to the zone; region zones win over legacy."""
    cities: dict[str, str] = {}
    for lower, name in sorted(_zone_names().items(), key=lambda kv: (kv[1].count("/") != 1, kv)):
        cities.setdefault(lower.rsplit("/", 1)[-1], name)
    return cities


def _zone_key(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip()).lower()


def suggest_zone(text: str) -> str | None:
    """The IANA zone ``text`` was probably meant to be, or None."""
    key = _zone_key(text)
    if not key:
        return None
    names = _zone_names()
    if found := difflib.get_close_matches(key, names, n=1, cutoff=0.8):
        return names[found[0]]
    cities = _zone_cities()
    if found := difflib.get_close_matches(key.rsplit("/", 1)[-1], cities, n=1, cutoff=0.8):
        return cities[found[0]]
    return None


def parse_zone(text: str) -> str:
    """An IANA zone name, matched case-insensitively: ``europe/berlin`` gives ``Europe/Berlin``."""
    name = _zone_names().get(_zone_key(text))
    if name is not None:
        return name
    shown = text.strip()
    message = (
        f"`{shown}` is not an IANA time zone. " if shown else "No time zone given. "
    ) + "Use a name like Europe/Berlin, America/New_York or UTC."
    if suggestion := suggest_zone(text):
        message += f" Did you mean {suggestion}?"
    raise ScheduleError(message)


def looks_like_zone(text: str) -> bool:
    """Whether ``text`` was meant as a time zone (``parse_zone`` may still reject it)."""
    key = _zone_key(text)
    return "/" in key or key in _zone_names() or key.startswith(("utc", "gmt"))


def _day_index(word: str) -> int | None:
    word = word.strip(".").lower()
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    if word.endswith("s") and word[:-1] in FULL_DAY_NAMES:
        word = word[:-1]  # "mondays"
    if len(word) >= 2:
        for index, full in enumerate(FULL_DAY_NAMES):
            if full.startswith(word):
                return index
    return None


def suggest_day(word: str) -> str | None:
    """The day name or day group ``word`` was probably meant to be, or None."""
    candidates = {full: short for full, short in zip(FULL_DAY_NAMES, DAY_NAMES, strict=True)}
    candidates.update({group: group for group in ("weekdays", "weekends", "daily", "everyday")})
    found = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.7)
    return candidates[found[0]] if found else None


_DAYS_HELP = (
    "Use day names (mon or monday), ranges like mon-fri or fri-mon, lists like mon,wed,fri, "
    "or weekdays, weekends or daily."
)


def _day_tokens(text: str) -> list[str]:
    text = re.sub(r"\bevery\s+day\b", "daily", text.lower())
    text = _DASHES.sub("-", text)
    return [t for t in re.split(r"[,;/&+\s]+|\band\b", text) if t]


def _bad_day(token: str, part: str | None = None) -> ScheduleError:
    bad = part or token
    where = f"`{bad}` in `{token}`" if bad != token else f"`{bad}`"
    message = f"{where} is not a day. {_DAYS_HELP}"
    if bad and (suggestion := suggest_day(bad)):
        message += f" Did you mean {suggestion}?"
    return ScheduleError(message)


def parse_days(text: str) -> tuple[str, ...]:
    """Days in canonical order (mon..sun): ``mon-fri``, ``mon,wed,fri``, ``Mon Wed``,
    ``weekdays``, ``weekends``, ``daily``, ``monday``, and wrapping ranges like ``fri-mon``."""
    tokens = _day_tokens(text)
    if not tokens:
        raise ScheduleError(f"No days given. {_DAYS_HELP}")
    chosen: set[int] = set()
    for token in tokens:
        if token in DAY_GROUPS:
            chosen.update(DAY_NAMES.index(day) for day in DAY_GROUPS[token])
            continue
        parts = token.split("-")
        if len(parts) > 2:
            raise _bad_day(token)
        indexes = []
        for part in parts:
            index = _day_index(part)
            if index is None:
                raise _bad_day(token, part)
            indexes.append(index)
        start, end = indexes[0], indexes[-1]
        chosen.update((start + step) % 7 for step in range((end - start) % 7 + 1))
    return tuple(DAY_NAMES[i] for i in sorted(chosen))


def looks_like_days(text: str) -> bool:
    """Whether ``text`` was meant as days: some part of it is a day name or a day group."""
    for token in _day_tokens(text):
        if token in DAY_GROUPS:
            return True
        if any(_day_index(part) is not None for part in token.split("-")):
            return True
    return False


_DURATION_HELP = "Use a number and a unit: 6h, 90m, 1h30m or 2d."


def parse_duration(
    text: str,
    *,
    minimum: dt.timedelta = MIN_ANSWER_WINDOW,
    maximum: dt.timedelta = MAX_ANSWER_WINDOW,
    what: str = "A duration",
) -> dt.timedelta:
    """``6h``, ``90m``, ``1h30m``, ``2d`` (also ``1h 30m``, ``6 hours``), within the bounds
    (both inclusive). ``what`` names the setting in errors, e.g. "The answer window"."""
    cleaned = text.strip()
    if not cleaned:
        raise ScheduleError(f"No duration given. {_DURATION_HELP}")
    minutes = 0
    seen: set[str] = set()
    position = 0
    while position < len(cleaned):
        match = _DURATION_PART.match(cleaned, position)
        unit = match[2][0].lower() if match else ""
        if match is None or unit in seen:
            raise ScheduleError(f"`{cleaned}` is not a duration. {_DURATION_HELP}")
        seen.add(unit)
        minutes += int(match[1]) * _DURATION_UNITS[unit]
        position = match.end()
    if minutes < minimum / dt.timedelta(minutes=1):
        raise ScheduleError(
            f"`{cleaned}` is too short: {what.lower()} must be at least {format_duration(minimum)}."
        )
    if minutes > maximum / dt.timedelta(minutes=1):
        raise ScheduleError(
            f"`{cleaned}` is too long: {what.lower()} can be at most {format_duration(maximum)}."
        )
    return dt.timedelta(minutes=minutes)


def _parse_list(text: str) -> tuple[str, ...]:
    """A comma (or space) list of identifiers, lower-cased, in order, without repeats;
    ``all`` gives ``()`` (no filter)."""
    items = [item for item in re.split(r"[,\s]+", text.strip().lower()) if item]
    if not items or any(item in ALL_WORDS for item in items):
        return ()
    return tuple(dict.fromkeys(items))


def _parse_leaderboard(text: str) -> tuple[str, dt.time]:
    tokens = text.split()
    example = "Use a day and a time, e.g. fri 16:00."
    day_words = [t for t in tokens if not looks_like_time(t) and t.lower() not in ("am", "pm")]
    time_words = [t for t in tokens if t not in day_words]
    if len(day_words) != 1 or not time_words:
        raise ScheduleError(f"`{text.strip()}` is not a leaderboard slot. {example}")
    index = _day_index(day_words[0])
    if index is None:
        raise ScheduleError(f"`{day_words[0]}` is not a day of the week. {example}")
    return DAY_NAMES[index], parse_time(" ".join(time_words))


# --- describing --------------------------------------------------------------------------------


def format_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


def format_duration(value: dt.timedelta) -> str:
    """``6 hours``, ``1 hour 30 minutes``, ``7 days``."""
    minutes = int(value / dt.timedelta(minutes=1))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts) or "0 minutes"


def _runs(indexes: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def format_days(days: Iterable[str]) -> str:
    """``Mon–Fri``, ``Mon, Wed, Fri``, ``Fri–Mon``, ``every day``; runs of three or more days
    become ranges, and a run through Sunday into Monday is kept together."""
    indexes = sorted({DAY_NAMES.index(day) for day in days})
    if not indexes:
        return "no days"
    if len(indexes) == 7:
        return "every day"
    runs = _runs(indexes)
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        wrapped = runs[-1] + runs[0]
        if len(wrapped) >= 3:
            runs = [wrapped, *runs[1:-1]]

    def label(index: int) -> str:
        return DAY_NAMES[index].title()

    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{label(run[0])}–{label(run[-1])}")
        else:
            parts.extend(label(index) for index in run)
    return ", ".join(parts)


def describe(schedule: Schedule) -> str:
    """A one-paragraph summary of a channel's schedule, for people."""
    days = format_days(schedule.days)
    sentences = [
        f"Drills post at {format_time(schedule.post_time)} ({schedule.timezone}) on {days}"
    ]
    if schedule.mcq_days:
        sentences[0] += f", as a multiple-choice question on {format_days(schedule.mcq_days)}"
    sentences[0] += "."
    if schedule.mcq_time is not None:
        sentences.append(
            f"An extra multiple-choice question posts at {format_time(schedule.mcq_time)} "
            "on the same days."
        )
    sentences.append(
        f"Answers stay open for {format_duration(schedule.answer_window)}, "
        "then the answer is revealed."
    )
    leaderboard_day = FULL_DAY_NAMES[DAY_NAMES.index(schedule.leaderboard_day)].title()
    sentences.append(
        f"The weekly leaderboard posts every {leaderboard_day} "
        f"at {format_time(schedule.leaderboard_time)}."
    )
    if schedule.topics or schedule.levels or schedule.packs:
        filters = [
            f"{label}: {', '.join(values) if values else 'all'}"
            for label, values in (
                ("Topics", schedule.topics),
                ("levels", schedule.levels),
                ("packs", schedule.packs),
            )
        ]
        sentences.append("; ".join(filters) + ".")
    else:
        sentences.append("Questions come from every pack, topic and level.")
    if schedule.paused:
        sentences.append("Paused: no drills post until an admin runs `resume`.")
    return " ".join(sentences)


# --- changing a schedule -----------------------------------------------------------------------


def _setting_key(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def unknown_setting(key: str) -> str:
    """The message for a setting key ``apply_changes`` does not know."""
    message = f"Unknown setting `{key}`."
    normal = _setting_key(key)
    if normal in ("paused", "pause", "resume"):
        message += " Use the `pause` and `resume` commands to stop and restart drills."
    elif found := difflib.get_close_matches(normal, SETTING_KEYS, n=1, cutoff=0.6):
        message += f" Did you mean `{found[0]}`?"
    return message + " Settings: " + ", ".join(SETTING_KEYS) + "."


def is_setting_key(key: str) -> bool:
    return _setting_key(key) in SETTING_KEYS


def _min_gap_days(days: Collection[str]) -> int:
    indexes = sorted(DAY_NAMES.index(day) for day in days)
    if len(indexes) <= 1:
        return 7
    return min((b - a) % 7 or 7 for a, b in zip(indexes, [*indexes[1:], indexes[0]], strict=True))


@functools.cache
def _offset_swing(zone: str) -> dt.timedelta:
    """How far the zone's UTC offset swings (its DST shift; zero for UTC).

    Sampled twice a month over 2024-2028: validation has no clock, and a margin taken from the
    zone's current rules is all the answer-window check needs.
    """
    tz = zoneinfo.ZoneInfo(zone)
    offsets = {
        dt.datetime(year, month, day, 12, tzinfo=UTC).astimezone(tz).utcoffset()
        for year in range(2024, 2029)
        for month in range(1, 13)
        for day in (1, 15)
    }
    known = [offset for offset in offsets if offset is not None]
    return max(known) - min(known) if known else dt.timedelta(0)


def _drills_on(days: Collection[str]) -> str:
    return "daily drills" if len(set(days)) == 7 else f"drills on {format_days(days)}"


def shortest_gap(schedule: Schedule) -> dt.timedelta:
    """The least real time between two drills of the same slot, a clock change included."""
    return dt.timedelta(days=_min_gap_days(schedule.days)) - _offset_swing(schedule.timezone)


def validate(schedule: Schedule) -> None:
    """Raise ScheduleError if the schedule's settings do not fit together."""
    if not schedule.days:
        raise ScheduleError(f"A schedule needs at least one drill day. {_DAYS_HELP}")
    extra = [day for day in schedule.mcq_days if day not in schedule.days]
    if extra:
        raise ScheduleError(
            f"MCQ days must be drill days: {format_days(extra)} "
            f"{'is' if len(extra) == 1 else 'are'} not among the drill days "
            f"({format_days(schedule.days)}). Add {'it' if len(extra) == 1 else 'them'} to days, "
            "or change mcq-days (mcq-days=none turns MCQ days off)."
        )
    if schedule.mcq_time is not None and schedule.mcq_time == schedule.post_time:
        raise ScheduleError(
            f"The MCQ slot (mcq-time={format_time(schedule.mcq_time)}) must not be at the same "
            "time as the daily drill. Pick another time, or mcq-time=none."
        )
    gap = shortest_gap(schedule)
    if schedule.answer_window >= gap:
        nominal = dt.timedelta(days=_min_gap_days(schedule.days))
        across = f" across a clock change in {schedule.timezone}" if gap != nominal else ""
        raise ScheduleError(
            f"The answer window ({format_duration(schedule.answer_window)}) must end before the "
            f"next drill: {_drills_on(schedule.days)} can be {format_duration(gap)} "
            f"apart{across}. Use a window shorter than {format_duration(gap)}, e.g. window=6h."
        )


def apply_changes(schedule: Schedule, changes: Mapping[str, str]) -> Schedule:
    """Apply ``key=value`` settings (keys in ``SETTING_KEYS``) and check the result fits together.

    ``mcq-days`` and ``mcq-time`` take ``none`` to turn them off; ``topics``, ``levels`` and
    ``packs`` take a comma list or ``all``.
    """
    changed = schedule
    for raw_key, value in changes.items():
        key = _setting_key(raw_key)
        off = value.strip().lower() in NONE_WORDS
        if key == "time":
            changed = dataclasses.replace(changed, post_time=parse_time(value))
        elif key == "zone":
            changed = dataclasses.replace(changed, timezone=parse_zone(value))
        elif key == "days":
            changed = dataclasses.replace(changed, days=parse_days(value))
        elif key == "mcq-days":
            changed = dataclasses.replace(changed, mcq_days=() if off else parse_days(value))
        elif key == "mcq-time":
            changed = dataclasses.replace(changed, mcq_time=None if off else parse_time(value))
        elif key == "window":
            window = parse_duration(value, what="The answer window")
            changed = dataclasses.replace(changed, answer_window=window)
        elif key == "leaderboard":
            day, time = _parse_leaderboard(value)
            changed = dataclasses.replace(changed, leaderboard_day=day, leaderboard_time=time)
        elif key == "topics":
            changed = dataclasses.replace(changed, topics=_parse_list(value))
        elif key == "levels":
            changed = dataclasses.replace(changed, levels=_parse_list(value))
        elif key == "packs":
            changed = dataclasses.replace(changed, packs=_parse_list(value))
        else:
            raise ScheduleError(unknown_setting(raw_key))
    validate(changed)
    return changed


# --- time-zone math ----------------------------------------------------------------------------


def _tz(zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"`{zone}` is not an IANA time zone.") from exc


def _require_aware(instant: dt.datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} has no time zone; pass an aware datetime")


def local_datetime(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    """The UTC instant of local ``time`` on ``day`` in ``zone``.

    A time in a spring-forward gap gives the first valid instant after the gap (02:30 on the
    change day in Europe/Berlin gives 03:00 local); an ambiguous fall-back time gives its first
    occurrence.
    """
    tz = _tz(zone)
    naive = dt.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    instant = naive.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant
    # In a gap: fold=0 and fold=1 bracket the transition; find its first second.
    other = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = sorted((instant, other))
    low_s, high_s = int(low.timestamp()), int(high.timestamp()) + 1
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        wall = dt.datetime.fromtimestamp(middle, UTC).astimezone(tz).replace(tzinfo=None)
        if wall >= naive:
            high_s = middle
        else:
            low_s = middle
    return dt.datetime.fromtimestamp(high_s, UTC)


def local_date(instant: dt.datetime, zone: str) -> dt.date:
    """The calendar date in ``zone`` at ``instant`` (which must be aware)."""
    _require_aware(instant)
    return instant.astimezone(_tz(zone)).date()


def occurrence_on(
    day: dt.date, time: dt.time, days: Collection[str], zone: str
) -> dt.datetime | None:
    """The UTC instant of the slot on ``day``, or None if ``day`` is not one of ``days``."""
    if DAY_NAMES[day.weekday()] not in days:
        return None
    return local_datetime(day, time, zone)


def latest_occurrence(
    now: dt.datetime, time: dt.time, days: Collection[str], zone: str
) -> tuple[dt.date, dt.datetime] | None:
    """The most recent (local date, UTC instant) of the slot at or before ``now``, looking back
    at most eight days; None if there is none (no days)."""
    today = local_date(now, zone)
    for back in range(SEARCH_DAYS + 1):
        day = today - dt.timedelta(days=back)
        instant = occurrence_on(day, time, days, zone)
        if instant is not None and instant <= now:
            return day, instant
    return None


def next_occurrence(
    after: dt.datetime, time: dt.time, days: Collection[str], zone: str
) -> tuple[dt.date, dt.datetime] | None:
    """The first (local date, UTC instant) of the slot strictly after ``after``; None if there
    is none (no days)."""
    today = local_date(after, zone)
    for ahead in range(SEARCH_DAYS + 1):
        day = today + dt.timedelta(days=ahead)
        instant = occurrence_on(day, time, days, zone)
        if instant is not None and instant > after:
            return day, instant
    return None


# --- weeks and periods -------------------------------------------------------------------------


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday and Sunday of ``day``'s ISO week."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def week_key(day: dt.date) -> str:
    """``2026-W48``: the ISO year and week (so 2027-01-01 is ``2026-W53``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``day``'s month."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def period_bounds(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Inclusive date bounds of a leaderboard period; ``all`` has no bounds."""
    if period == "this-week":
        return week_bounds(today)
    if period == "last-week":
        return week_bounds(today - dt.timedelta(days=7))
    if period == "month":
        return month_bounds(today)
    if period == "all":
        return None, None
    raise ScheduleError(f"`{period}` is not a period. Use one of: {', '.join(PERIODS)}.")
