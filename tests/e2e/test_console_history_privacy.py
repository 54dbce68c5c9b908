"""History and privacy in the console (issue 12): a transcript as a team would read it.

alice and bob answer two days; alice reads her history, then her answer next to the model
answer after the reveal; bob's answer text never shows where alice reads, until the admin turns
on answer sharing; alice opts out and leaves the board, but keeps her own stats.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest

from bot.bootstrap import ConsoleOptions, run_console
from bot.config import Settings

PACK = Path(__file__).parent / "pack"
ALICE = "Keep the hot data close to the app in Redis and expire every entry with a TTL."
BOB = "Keep the hot data close to the app in Redis, says bob-the-builder."

SCRIPT = f"""
/drill setup 09:30 Europe/Berlin mon-fri window=6h
:at 2026-11-30T10:00
@alice /drill answer {ALICE}
@bob /drill answer {BOB}
@alice /drill history
@alice /drill history 0
@alice /drill history abc
@carol /drill history 99999
:at 2026-11-30T16:00
@alice /drill history #2
/drill setup share-answers=on
:at 2026-12-01T10:00
@alice /drill answer {ALICE}
@bob /drill answer {BOB}
@alice /drill optout
:at 2026-12-01T16:00
@bob /drill leaderboard
@alice /drill stats
"""


@pytest.fixture(scope="module")
def transcript(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("e2e") / "drills.db"
    settings = Settings(DATABASE_URL=f"sqlite:///{db}", DRILLBOT_CONTENT_DIR=PACK)
    out = io.StringIO()
    options = ConsoleOptions(
        start=dt.datetime.fromisoformat("2026-11-30T08:00+01:00"), zone="Europe/Berlin"
    )
    assert asyncio.run(run_console(settings, options, io.StringIO(SCRIPT), out)) == 0
    return out.getvalue()


def _at(text: str, header: str) -> str:
    """What the transcript shows under one time header (e.g. "Mon 30 Nov 2026 10:00")."""
    return text.split(f"── {header}", 1)[1].split("\n── ", 1)[0]


def test_history_lists_your_drill_privately_with_clear_errors(transcript: str) -> None:
    morning = _at(transcript, "Mon 30 Nov 2026 10:00")
    listing = morning.split("visible only to alice\n    Your 1 drill so far", 1)[1]
    listing = listing.split("#team · drillbot", 1)[0]
    assert "“Keep the hot data close to the app in Redis and expire" in listing
    assert "15 points · missed: nothing" in listing
    assert "bob-the-builder" not in listing
    assert "`0` is too small" in morning and "`abc` is not a number" in morning
    assert "visible only to carol\n    You have no answer to drill #99999" in morning


def test_after_the_reveal_history_shows_your_answer_next_to_the_model_answer(
    transcript: str,
) -> None:
    detail = _at(transcript, "Mon 30 Nov 2026 16:00").split("Answer sharing is on", 1)[0]
    assert "visible only to alice" in detail and "Your answer to #2" in detail
    assert "> Keep the hot data close to the app in Redis and expire every entry" in detail
    assert "Model answer" in detail
    assert "bob-the-builder" not in detail


def test_answers_reach_others_only_once_sharing_is_on(transcript: str) -> None:
    first_reveal = _at(transcript, "Mon 30 Nov 2026 15:30")
    assert "Reveal:" in first_reveal and "bob-the-builder" not in first_reveal
    assert "Best answer" not in first_reveal
    told = _at(transcript, "Mon 30 Nov 2026 16:00")
    assert "#team · drillbot [m3]\n    admin turned answer sharing on" in told
    second_reveal = _at(transcript, "Tue 01 Dec 2026 15:30")
    # alice opted out before the reveal: bob's is the answer quoted, with his name.
    assert "Best answer" in second_reveal
    assert "> bob: Keep the hot data close to the app in Redis, says bob-the-builder." in (
        second_reveal
    )
    assert "alice" not in second_reveal


def test_an_opted_out_person_leaves_the_board_but_keeps_her_stats(transcript: str) -> None:
    evening = _at(transcript, "Tue 01 Dec 2026 16:00")
    board, stats = evening.split("visible only to alice", 1)
    assert "1  bob" in board and "alice" not in board
    assert "Your drill stats, alice" in stats and "2 answers" in stats
    assert "By topic" in stats
