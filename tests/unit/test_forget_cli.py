"""`drillbot forget` against a SQLite file the engine wrote: a deletion request as an operator
runs it. The summary is all that reaches stdout; the prompt goes to stderr."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.db.sql_store import open_store
from bot.testing.harness import WORKSPACE, Harness

ANSWER = "/drill answer hot data with a ttl"


async def seed(url: str) -> None:
    store = await open_store(url, upgrade=True)
    try:
        h = Harness(store=store)
        await h.setup()
        for day in ("2026-11-30", "2026-12-01"):
            await h.at(f"{day}T09:30")
            await h.say("alice", ANSWER)
            await h.say("bob", ANSWER)
        await h.say("alice", "/drill away 2026-12-20 2026-12-24")
        await h.at("2026-12-01T16:00")  # after the reveal: both answers are reviews
    finally:
        await store.close()


async def people_and_board(url: str) -> tuple[list[str], list[tuple[str, int]]]:
    store = await open_store(url, upgrade=True)
    try:
        async with store.transaction() as tx:
            people = [p.external_id for p in await tx.people(10)]
            board = await tx.board(WORKSPACE, None, None, None, None)
        return sorted(people), [(r.user, r.points) for r in board]
    finally:
        await store.close()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    found = f"sqlite:///{tmp_path / 'drills.db'}"
    asyncio.run(seed(found))
    monkeypatch.setenv("DATABASE_URL", found)
    return found


def call(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    try:
        code = main(["forget", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_forget_with_yes_deletes_and_prints_only_the_counts(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = call(capsys, monkeypatch, "--workspace", WORKSPACE, "--user", "alice", "--yes")
    assert code == 0, err
    assert out.splitlines() == [
        f"forgot alice in {WORKSPACE}",
        "answers 2",
        "week_totals 1",
        "streaks 1",
        "away_periods 1",
        "practice 0",
        "reviews 2",
        "reminders 0",
        "incident_sessions 0",
        "leads 0",
        "listed_admins 0",
        "people 1",
    ]
    people, board = asyncio.run(people_and_board(url))
    assert "alice" not in people and "bob" in people
    assert [user for user, _ in board] == ["bob"]


def test_forget_asks_first_and_a_no_deletes_nothing(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = call(
        capsys, monkeypatch, "--workspace", WORKSPACE, "--user", "alice", stdin="n\n"
    )
    assert code == 1 and out == ""
    assert "[y/N]" in err and "nothing was deleted" in err
    assert "alice" in asyncio.run(people_and_board(url))[0]
    code, out, err = call(
        capsys, monkeypatch, "--workspace", WORKSPACE, "--user", "alice", stdin="yes\n"
    )
    assert code == 0 and out.startswith("forgot alice") and "[y/N]" in err
    assert "alice" not in asyncio.run(people_and_board(url))[0]


def test_forget_of_an_unknown_person_says_so(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args: Any = ("--workspace", WORKSPACE, "--user", "nobody", "--yes")
    code, out, err = call(capsys, monkeypatch, *args)
    assert code == 1 and out == ""
    assert "no person 'nobody'" in err and "nothing was deleted" in err
    code, _, err = call(capsys, monkeypatch, "--user", "alice")
    assert code == 2 and "--workspace" in err
