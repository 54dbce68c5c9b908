"""The console's own user: addressed as "you", but named like anyone else where others read.

Lines without `@name` come from the console's admin, whose user id is "you" ("visible only to
you"); texts about them in the third person ("<name>'s session", the boards) need a name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

from bot.bootstrap import ConsoleOptions, run_console
from bot.config import Settings


def test_the_console_admin_has_a_name_in_third_person_texts(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/drill setup 09:30 Europe/Berlin mon-fri",
            ":at 2026-11-30T10:00",
            "/drill answer Keep the hot data close to the app in Redis and expire it with a TTL.",
            "/drill incident catalog-latency here",
            "/drill stop",
            "/drill leaderboard",
        ]
    )
    out = io.StringIO()
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'drills.db'}")
    start = dt.datetime.fromisoformat("2026-11-30T08:00+01:00")
    options = ConsoleOptions(start=start, zone="Europe/Berlin")
    assert asyncio.run(run_console(settings, options, io.StringIO(script), out)) == 0
    transcript = out.getvalue()

    assert "admin's session (only admin can answer)" in transcript
    assert "you's" not in transcript and "only you can answer" not in transcript
    board = transcript.split("Leaderboard — This week · #team")[1]
    assert "1  admin  " in board
    # Second-person texts still speak to the person at the terminal.
    assert "#team · drillbot → visible only to you" in transcript
