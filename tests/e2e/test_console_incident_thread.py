"""`/drill incident here` in the console: the interview runs in a thread under its opening."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

from bot.bootstrap import ConsoleOptions, run_console
from bot.config import Settings
from bot.content.loader import load_library
from bot.domain.items import Incident

SCENARIO = load_library().get("incident-catalog-latency")
assert isinstance(SCENARIO, Incident)


def test_an_incident_runs_in_a_thread_only_its_owner_answers(tmp_path: Path) -> None:
    assert isinstance(SCENARIO, Incident)
    first = SCENARIO.stages[0]
    script = "\n".join(
        [
            "@alice /drill incident catalog-latency here",
            "@bob in m2: I would restart everything",
            f"@alice in m2: {first.strong_answer}",
            "@alice /drill stop",
        ]
    )
    out = io.StringIO()
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'drills.db'}")
    start = dt.datetime.fromisoformat("2026-11-30T10:00+01:00")
    options = ConsoleOptions(start=start, zone="Europe/Berlin")
    assert asyncio.run(run_console(settings, options, io.StringIO(script), out)) == 0
    transcript = out.getvalue()
    # m1 is the daily drill posted at start; the incident opens as m2 in the channel.
    assert f"#team · drillbot [m2]\n    Mock incident: {SCENARIO.title} · alice's session" in (
        transcript
    )
    assert "running in a thread in this channel" in transcript
    assert "bob wrote in the thread of [m2]; the bot is not waiting there" in transcript
    assert "in the thread of [m2] [m3]\n    Stage 1 of 4 · First look · 10 points of 10" in (
        transcript
    )
    assert f"in the thread of [m2] [m5]\n    Debrief: {SCENARIO.title}" in transcript
    assert "DM to alice" not in transcript
