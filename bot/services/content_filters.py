"""Checks of a channel's content filters (``topics=``, ``levels=``, ``packs=``) against the
loaded library: a filter that matches nothing would make drills stop without a word."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

from bot.content.loader import Library
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Schedule
from bot.domain.rotation import eligible

FILTER_KEYS: tuple[str, ...] = ("topics", "levels", "packs")


def _known(library: Library) -> dict[str, list[str]]:
    return {
        "topics": list(library.topics()),
        "levels": library.levels(),
        "packs": [pack.manifest.name for pack in library.packs],
    }


def _chosen(schedule: Schedule) -> dict[str, tuple[str, ...]]:
    return {"topics": schedule.topics, "levels": schedule.levels, "packs": schedule.packs}


def _unknown(key: str, unknown: Sequence[str], known: Sequence[str]) -> str:
    noun = key[:-1]
    shown = ", ".join(f"`{value}`" for value in unknown)
    message = f"Unknown {noun}{'s' if len(unknown) > 1 else ''} {shown}."
    close = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.6)
    if close:
        message += f" Did you mean `{close[0]}`?"
    accepted = ", ".join(known) or "none loaded"
    return f"{message} {key.capitalize()}: {accepted} (or `{key}=all`). Nothing was changed."


def _counts(library: Library, schedule: Schedule) -> tuple[int, int]:
    def count(items: Sequence[OpenQuestion | MultipleChoice]) -> int:
        return len(
            eligible(items, library.pack_of, schedule.packs, schedule.topics, schedule.levels)
        )

    return count(library.open_questions()), count(library.mcqs())


def filter_problem(library: Library, schedule: Schedule, changed: Collection[str]) -> str | None:
    """Why the new schedule's filters cannot be accepted, or None.

    Checked only when ``changed`` (the setting keys given) includes a filter, so an older
    schedule can still get a new time: values unknown to the library are named with what is
    accepted, and filters that together leave no question at all are refused.
    """
    if not any(key in changed for key in FILTER_KEYS):
        return None
    known, chosen = _known(library), _chosen(schedule)
    for key in FILTER_KEYS:
        unknown = [value for value in chosen[key] if value not in known[key]]
        if key in changed and unknown:
            return _unknown(key, unknown, known[key])
    if _counts(library, schedule) == (0, 0):
        given = " ".join(f"{key}={','.join(chosen[key])}" for key in FILTER_KEYS if chosen[key])
        return (
            f"No question matches {given}: not one open or multiple choice question, so no "
            "drill would post. Widen a filter (`all` clears one); `/drill topics` lists what "
            "there is. Nothing was changed."
        )
    return None


def filter_caveat(library: Library, schedule: Schedule) -> str | None:
    """A warning for an accepted schedule some of whose slots would find nothing to post."""
    opens, mcqs = _counts(library, schedule)
    open_days = [day for day in schedule.days if day not in schedule.mcq_days]
    if opens == 0 and open_days:
        return "Note: no open question matches the filters, so days without an MCQ post nothing."
    if mcqs == 0 and (schedule.mcq_days or schedule.mcq_time is not None):
        return "Note: no multiple-choice question matches the filters, so MCQ slots post nothing."
    return None
