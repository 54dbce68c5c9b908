"""Spaced practice in the console, read like a chat log: a missed practice MCQ, a self-rating,
the next drill day's reminder (once, at its time), practice with the due item first, stats;
a restart of the console on the same database sends no second reminder."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

from bot.bootstrap import ConsoleOptions, run_console
from bot.config import Settings

PACK = Path(__file__).parent / "pack"
NUDGE = "You have 1 practice question due."


def _run(db: Path, start: str, lines: list[str]) -> str:
    out = io.StringIO()
    settings = Settings(DATABASE_URL=f"sqlite:///{db}", DRILLBOT_CONTENT_DIR=PACK)
    options = ConsoleOptions(start=dt.datetime.fromisoformat(start), zone="Europe/Berlin")
    assert asyncio.run(run_console(settings, options, io.StringIO("\n".join(lines)), out)) == 0
    return out.getvalue()


def test_practice_reminders_and_ratings_in_the_console(tmp_path: Path) -> None:
    db = tmp_path / "drills.db"
    first = _run(
        db,
        "2026-12-03T08:00+01:00",  # a Thursday
        [
            "/drill setup 09:30 Europe/Berlin mon-fri",
            "@alice /drill remind on 25:00",
            "@alice /drill remind on 08:45",
            "@alice dm: /drill practice 0",
            "@alice dm: /drill practice rockets",
            "@alice dm: /drill mcq caching",
            "@alice dm: /drill pick A",
            "@alice dm: /drill practice rate again",
            ":at 2026-12-04T08:44",
            ":at 2026-12-04T08:46",
            "@alice dm: /drill practice",
            "@alice dm: /drill pick B",
            "@alice dm: /drill practice stats",
        ],
    )
    assert "`25:00` is not a time. Use 24-hour HH:MM" in first
    assert "Reminders are on: on #team's drill days (Mon–Fri) at 08:45 (Europe/Berlin)" in first
    assert "Practise 1 to 20 questions at a time (got 0)." in first
    assert "There is no topic `rockets`." in first
    assert "❌ A is not right." in first and "Counted as Again." in first
    assert "[Again]  [Hard]  [Good]  [Easy]" in first
    assert "Rated Again: “Which statement about caching is right" in first
    # The nudge: a direct message on Friday at 08:45 sharp, with its button, once.
    friday = first.split("── Fri 04 Dec 2026 08:45 CET ──")[1]
    assert friday.lstrip().startswith(f"DM to alice · drillbot\n    {NUDGE}")
    assert "[Start practice]" in friday
    assert first.count(NUDGE) == 1
    # Practice starts with the due item; a right pick now counts Good.
    assert "(Practice: 5 questions (1 due now).)" in first
    assert "✅ B is right." in first and "Counted as Good." in first
    # Relearnt: due again within the week, not today; the next new item follows.
    assert "Due today: 0 · this week: 1 · cards: 1" in first
    assert "Retention estimate: 100%" in first

    # A restart later the same day: the day's reminder was sent, so none is sent again.
    second = _run(
        db,
        "2026-12-04T10:00+01:00",
        ["@alice dm: /drill mcq queues", "@alice dm: /drill pick A", ":at 2026-12-04T18:00"],
    )
    assert NUDGE not in second and "practice question due" not in second
    # Monday brings it back (the queues MCQ missed on Friday is due).
    third = _run(db, "2026-12-07T08:00+01:00", [":at 2026-12-07T09:00", "@alice /drill remind off"])
    assert "practice question" in third.split("── Mon 07 Dec 2026 08:45 CET ──")[1]
    assert "Reminders are off." in third
