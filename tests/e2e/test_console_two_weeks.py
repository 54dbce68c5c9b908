"""Two weeks in the console for three people: the transcript reads right and the scores add up.

alice answers every drill well; bob gives partial answers, picks wrong MCQ options and misses
Thursday 22 October; carol answers well but is away on Tuesday 27 October. Wednesdays post an
MCQ, and Europe/Berlin leaves summer time on Sunday 25 October.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from bot.bootstrap import ConsoleOptions, run_console
from bot.cli import main
from bot.config import Settings

HERE = Path(__file__).parent
SCRIPT = HERE / "scripts" / "two-weeks.txt"
PACK = HERE / "pack"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    db = tmp_path_factory.mktemp("e2e") / "drills.db"
    url = f"sqlite:///{db}"
    settings = Settings(DATABASE_URL=url, DRILLBOT_CONTENT_DIR=PACK)
    out = io.StringIO()
    options = ConsoleOptions(
        start=dt.datetime.fromisoformat("2026-10-19T08:00+02:00"),
        zone="Europe/Berlin",
    )
    code = asyncio.run(run_console(settings, options, io.StringIO(SCRIPT.read_text()), out))
    assert code == 0
    return out.getvalue(), url


def posts_at(transcript: str, marker: str) -> list[str]:
    """The time headers under which a line containing ``marker`` appears."""
    stamps: list[str] = []
    current = ""
    for line in transcript.splitlines():
        if line.startswith("── "):
            current = line.strip("─ ")
        elif marker in line:
            stamps.append(current)
    return stamps


def test_drills_post_at_0930_local_across_the_dst_change(run: tuple[str, str]) -> None:
    transcript, _ = run
    stamps = [s for s in posts_at(transcript, "#team · drillbot [m") if "16:00" not in s]
    drill_days = [s for s in stamps if "09:30" in s]
    assert len(drill_days) == 10  # ten weekdays, nothing on the weekend
    assert all(s.endswith("09:30 CEST") for s in drill_days[:5])
    assert all(s.endswith("09:30 CET") for s in drill_days[5:])
    assert not [s for s in stamps if s.startswith(("Sat", "Sun"))]


def test_answers_get_private_feedback_and_bad_input_is_explained(run: tuple[str, str]) -> None:
    transcript, _ = run
    assert (
        "#team · drillbot → visible only to alice\n"
        "    Answer recorded · key points covered: 2 of 2 · score 100% · 15 points" in transcript
    )
    assert (
        "visible only to bob\n"
        "    Answer recorded · key points covered: 1 of 2 · score 50% · 10 points" in transcript
    )
    # bob's missed point is named by its area only: the point itself comes with the reveal.
    bob = transcript.split("visible only to bob\n    Answer recorded")[1].split("#team ·")[0]
    assert "Not covered yet" in bob and "how entries go stale" in bob
    assert "Expire entries with a TTL." not in bob
    assert "visible only to bob\n    ❌ A is not right." in transcript
    assert "There is no multiple-choice question open in this channel right now" in transcript
    assert "Your answer is 3,001 characters; the limit is 3,000" in transcript
    assert "Marked you away Tue 27 Oct 2026 (1 day)" in transcript
    assert "That does not count as an answer yet: one word is not an answer" in transcript


def test_reveals_go_in_the_thread_with_stats(run: tuple[str, str]) -> None:
    transcript, _ = run
    reveals = re.findall(r"drillbot, in the thread of \[(m\d+)\] \[m\d+\]\n    Reveal", transcript)
    assert len(reveals) == 10
    assert "(3 answers · average score 83%)" in transcript  # Monday 19 Oct
    assert "✅ B. The right one — 2 picks" in transcript  # Wednesday: alice and carol


def test_friday_leaderboards(run: tuple[str, str]) -> None:
    transcript, _ = run
    week1 = transcript.split("── Fri 23 Oct 2026 16:00 CEST ──")[1].split("── ")[0]
    assert "Leaderboard — This week · #team" in week1
    rows = [line.split() for line in week1.splitlines() if re.match(r"\s+\d  ", line)]
    assert rows == [
        ["1", "alice", "75", "5", "100%", "5", "5"],
        ["2", "carol", "75", "5", "100%", "5", "5"],
        ["3", "bob", "35", "4", "75%", "1", "3"],
    ]
    week2 = transcript.split("── Fri 30 Oct 2026 16:00 CET ──")[1].split("── ")[0]
    rows = [line.split() for line in week2.splitlines() if re.match(r"\s+\d  ", line)]
    assert rows == [
        ["1", "alice", "75", "5", "100%", "10", "10"],
        ["2", "carol", "60", "4", "100%", "9", "9"],
        ["3", "bob", "45", "5", "80%", "6", "6"],
    ]


def test_cli_leaderboard_agrees(
    run: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = run
    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    assert main(["leaderboard", "--period", "all", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    got = [
        (r["user"], r["points"], r["answers"], r["correct"], r["current_streak"], r["best_streak"])
        for r in rows
    ]
    assert got == [
        ("alice", 150, 10, 10, 10, 10),
        ("carol", 135, 9, 9, 9, 9),  # the away day neither scored nor broke the streak
        ("bob", 80, 9, 7, 6, 6),  # the missed Thursday broke a 3-day streak
    ]
