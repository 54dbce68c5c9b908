"""`drillbot leaderboard` against a SQLite file the engine wrote, like a team lead runs it.

The drills are dated weeks after the system clock (as a console run with `--start` leaves
them), so the command reads with another clock than the one that wrote them.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.db.incident_store import SqlIncidentStore
from bot.db.sql_store import open_store
from bot.domain.incident_rules import SessionState
from bot.domain.model import LeaderboardRow
from bot.testing.harness import WORKSPACE, Harness

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "/drill answer hot data with a ttl"
FIELDS = [
    "rank",
    "user",
    "name",
    "points",
    "answers",
    "correct",
    "accuracy",
    "current_streak",
    "best_streak",
    "incident_points",
]


@dataclass(frozen=True)
class Seeded:
    url: str
    board: list[LeaderboardRow]
    """The chat's workspace board, all time, read by the engine at the end of the run."""


def future_monday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=14 + (7 - today.weekday()) % 7)


async def seed(url: str) -> list[LeaderboardRow]:
    """alice answers Mon-Wed and misses Thu and Fri; bob answers all week; dave and alice
    practise incidents (dave only that)."""
    store = await open_store(url, upgrade=True)
    try:
        monday = future_monday()
        h = Harness(start=f"{monday}T08:00", store=store)
        await h.setup()
        for n in range(5):
            await h.at(f"{monday + dt.timedelta(days=n)}T09:30")
            if n < 3:
                await h.say("alice", ANSWER)
            await h.say("bob", ANSWER)
        await h.at(f"{monday + dt.timedelta(days=4)}T18:00")
        incidents = SqlIncidentStore.over(store)
        for user, points in (("dave", 30), ("alice", 12)):
            async with store.transaction() as tx:
                person = await tx.ensure_person(WORKSPACE, user, user.capitalize())
            async with incidents.transaction() as itx:
                session = await itx.start(
                    workspace_id=WORKSPACE,
                    person_id=person.id,
                    user_id=user,
                    display_name=user.capitalize(),
                    scenario_id="incident-catalog-latency",
                    now=h.clock.now(),
                    local_date=monday,
                )
                assert session is not None
                done = replace(session, state=SessionState.FINISHED, points=points)
                assert await itx.save(done) is not None
        return await h.engine.boards.rows(WORKSPACE, None, "all")
    finally:
        await store.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'drills.db'}"
    return Seeded(url, asyncio.run(seed(url)))


@pytest.fixture
def run(seeded: Seeded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setenv("DATABASE_URL", seeded.url)
    capsys.readouterr()

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["leaderboard", *args])
        except SystemExit as exc:  # argparse refusals
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


def records(out: str) -> dict[str, dict[str, Any]]:
    return {r["user"]: r for r in json.loads(out)}


# --- 1. one current streak --------------------------------------------------------------------


def test_the_cli_streak_is_the_chat_boards_streak(seeded: Seeded, run: Any) -> None:
    chat = {r.user: (r.current_streak, r.best_streak) for r in seeded.board}
    assert chat["alice"] == (0, 3)  # the two missed days broke it
    assert chat["bob"] == (5, 5)
    code, out, _ = run("--period", "all", "--format", "json")
    assert code == 0
    got = {u: (r["current_streak"], r["best_streak"]) for u, r in records(out).items()}
    assert got == {"alice": (0, 3), "bob": (5, 5), "dave": (0, 0)}


# --- 2. incident points -------------------------------------------------------------------------


def test_the_cli_shows_incident_points_apart_from_drill_points(seeded: Seeded, run: Any) -> None:
    code, out, _ = run("--period", "all", "--json")
    assert code == 0
    rows = records(out)
    assert {u: r["incident_points"] for u, r in rows.items()} == {
        "alice": 12,
        "bob": 0,
        "dave": 30,
    }
    chat = {r.user: r.points for r in seeded.board}
    assert {u: r["points"] for u, r in rows.items()} == {**chat, "dave": 0}
    code, out, _ = run("--period", "all")
    assert "Incident practice (kept apart): Dave 30, Alice 12" in out


# --- 3. the command's options and output ------------------------------------------------------


def test_no_migration_chatter_on_stderr(seeded: Seeded) -> None:
    env = {**os.environ, "DATABASE_URL": seeded.url}
    env.pop("LOG_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "leaderboard", "--period", "all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Alice" in done.stdout


def test_an_empty_csv_still_has_its_header(run: Any) -> None:
    code, out, _ = run("--period", "this-week", "--format", "csv")  # the drills are later
    assert code == 0
    assert out.splitlines() == [",".join(FIELDS)]


def test_a_csv_has_a_row_per_person_under_the_header(run: Any) -> None:
    code, out, _ = run("--period", "all", "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == FIELDS
    assert [(r["rank"], r["user"]) for r in table] == [("1", "bob"), ("2", "alice"), ("", "dave")]


@pytest.mark.parametrize(
    ("alias", "period"),
    [
        ("week", "this-week"),
        ("this-week", "this-week"),
        ("last", "last-week"),
        ("Last-Week", "last-week"),
        ("this-month", "month"),
        ("all-time", "all"),
        ("all", "all"),
    ],
)
def test_the_cli_takes_the_chat_commands_period_names(alias: str, period: str, run: Any) -> None:
    code, out, err = run("--period", alias, "--format", "json")
    assert (code, err) == (0, "")
    assert (0, out, "") == run("--period", period, "--format", "json")


def test_an_unknown_period_is_refused_with_the_accepted_names(run: Any) -> None:
    code, _, err = run("--period", "fortnight")
    assert code == 2
    assert "fortnight" in err and "this-week" in err and "week" in err


@pytest.mark.parametrize(
    "args",
    [("--json", "--format", "csv"), ("--format", "table", "--json")],
)
def test_conflicting_formats_are_refused(args: tuple[str, ...], run: Any) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert "--json" in err and "--format" in err


def test_json_twice_over_is_not_a_conflict(run: Any) -> None:
    code, out, _ = run("--period", "all", "--json", "--format", "json")
    assert code == 0 and json.loads(out)


# --- 4. no answers, no rank ---------------------------------------------------------------------


def test_people_with_no_answers_have_no_rank_or_accuracy(run: Any) -> None:
    code, out, _ = run("--period", "all", "--format", "json")
    assert code == 0
    rows = records(out)
    assert (rows["dave"]["rank"], rows["dave"]["accuracy"]) == (None, None)
    assert [rows[u]["rank"] for u in ("bob", "alice")] == [1, 2]
    code, out, _ = run("--period", "all")
    ranked = [line for line in out.splitlines() if line.strip()[:2].rstrip(".").isdigit()]
    assert [line.split()[1] for line in ranked] == ["Bob", "Alice"]
    assert [line for line in out.splitlines() if "Dave" in line] == [
        "Incident practice (kept apart): Dave 30, Alice 12"
    ]
