"""A scripted month through the harness (issue 12): the team's insights, number by number.

Four weeks of drills, Monday to Friday, an MCQ on Wednesdays (tests/e2e/pack: every score is
known in advance):

- alice answers every drill fully (both key points) and picks the right option;
- bob covers one key point of two and picks wrong for two weeks, then answers like alice;
- carol answers the first week only, covering one point, showing the "never stale"
  misconception and picking wrong; then she goes silent. She opted out: leads see "someone";
- dave is a lead and never answers; erin is a member.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.content.loader import load_library
from bot.db.sql_store import open_store
from bot.domain.insights import TeamInsights
from bot.domain.model import DrillState
from bot.messaging.message import Image, images
from bot.services.insights import Insights
from bot.services.report import PEOPLE_FIELDS, report_csv, report_data, report_html
from bot.services.store import Store
from bot.testing.harness import WORKSPACE, Harness, text_of

PACK = Path(__file__).parent / "pack"
FULL = "/drill answer keep hot data close and expire it with a ttl"
HALF = "/drill answer keep the hot data close to the app"
MISTAKEN = "/drill answer we cache hot data and it is never stale"
SECRETS = (FULL, HALF, MISTAKEN)
MONDAY = dt.date(2026, 11, 2)


async def month(h: Harness, monday: dt.date) -> None:
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=wed")
    for week in range(4):
        for n in range(5):
            day = monday + dt.timedelta(weeks=week, days=n)
            await h.at(f"{day}T09:30")
            mcq = n == 2
            await h.say("alice", "/drill pick B" if mcq else FULL)
            if week < 2:
                await h.say("bob", "/drill pick A" if mcq else HALF)
            else:
                await h.say("bob", "/drill pick B" if mcq else FULL)
            if week == 0:
                await h.say("carol", "/drill pick A" if mcq else MISTAKEN)
    await h.at(f"{monday + dt.timedelta(weeks=3, days=4)}T20:00")
    async with h.store.transaction() as tx:
        carol = await tx.find_person(WORKSPACE, "carol")
        assert carol is not None
        await tx.set_opted_out(carol.id, True)
    await h.say("lead", "/drill leads add <@dave>", admin=True)


async def drills_by_item(store: Store) -> dict[str, list[dt.date]]:
    async with store.transaction(read_only=True) as tx:
        found: dict[str, list[dt.date]] = {}
        channels = await tx.channels(WORKSPACE)
        for date in (MONDAY + dt.timedelta(days=n) for n in range(28)):
            for c in channels:
                for d in await tx.drills_after({c.id: date - dt.timedelta(days=1)}, 1):
                    if d.local_date == date and d.state is DrillState.POSTED:
                        found.setdefault(d.item_id, []).append(d.local_date)
        return found


@pytest.fixture(scope="module")
def run() -> tuple[Harness, TeamInsights]:
    async def go() -> tuple[Harness, TeamInsights]:
        h = Harness(start=f"{MONDAY}T08:00", library=load_library([PACK]))
        await month(h, MONDAY)
        insights = await Insights(h.deps).team(WORKSPACE, None, 4, people=None, tags=50)
        return h, insights

    return asyncio.run(go())


def test_the_period_and_the_people_number_by_number(run: tuple[Harness, TeamInsights]) -> None:
    _, t = run
    assert (t.start, t.end, t.today) == (MONDAY, dt.date(2026, 11, 29), dt.date(2026, 11, 27))
    assert t.days_posted == 20 and t.people_total == 3
    rows = {p.name: p for p in t.people}
    assert list(rows) == ["Alice", "Bob", "someone"]  # most days answered first
    alice, bob, carol = rows["Alice"], rows["Bob"], rows["someone"]
    assert (alice.days_answered, alice.days_posted) == (20, 20)
    assert (alice.accuracy, alice.coverage) == (1.0, 1.0)
    assert (alice.current_streak, alice.best_streak) == (20, 20)
    assert alice.trend == 0.0 and alice.trend_word == "steady"
    assert (bob.days_answered, bob.accuracy, bob.coverage) == (20, 0.5, 0.75)
    assert (bob.current_streak, bob.best_streak) == (20, 20)
    # Weeks 1-2: 8 open answers at 50% and 2 wrong picks (4/10); weeks 3-4: all full (10/10).
    assert bob.trend == pytest.approx(0.6) and bob.trend_word == "up"
    # Her answers cover one point of two (50%), less the misconception's penalty (20%).
    assert (carol.days_answered, carol.accuracy) == (5, 0.0)
    assert carol.coverage == pytest.approx(0.3)
    assert (carol.current_streak, carol.best_streak, carol.trend) == (0, 5, None)


def test_weeks_participation_and_accuracy(run: tuple[Harness, TeamInsights]) -> None:
    _, t = run
    got = [(w.week_start, w.active, w.pool, w.answers) for w in t.weeks]
    assert got == [
        (MONDAY, 3, 3, 15),
        (MONDAY + dt.timedelta(weeks=1), 2, 3, 10),
        (MONDAY + dt.timedelta(weeks=2), 2, 3, 10),
        (MONDAY + dt.timedelta(weeks=3), 2, 3, 10),
    ]
    assert [w.participation for w in t.weeks] == pytest.approx([1.0, 2 / 3, 2 / 3, 2 / 3])
    assert [w.accuracy for w in t.weeks] == pytest.approx([1 / 3, 0.5, 1.0, 1.0])
    assert [w.coverage for w in t.weeks] == pytest.approx([0.6, 0.75, 1.0, 1.0])
    assert t.participation == pytest.approx(2 / 3)


def test_topics_missed_points_misconceptions_and_silence(
    run: tuple[Harness, TeamInsights],
) -> None:
    h, t = run
    items = asyncio.run(drills_by_item(h.store))
    library = load_library([PACK])
    # What each answer scored, by the script: (mcq answers, right, open answers, coverage sum).
    expected: dict[str, list[float]] = {}
    ttl_missed = 0
    stale: dict[str, int] = {}
    for item_id, dates in items.items():
        item = library.get(item_id)
        assert item is not None
        sums = expected.setdefault(item.topic, [0, 0, 0, 0.0])
        for date in dates:
            week = (date - MONDAY).days // 7
            people = 3 if week == 0 else 2
            if item.kind == "mcq":
                sums[0] += people
                sums[1] += 1 if week < 2 else 2
            else:
                sums[2] += people
                sums[3] += {0: 1.8, 1: 1.5}.get(week, 2.0)
                ttl_missed += {0: 2, 1: 1}.get(week, 0)
                if week == 0:
                    stale[item_id] = stale.get(item_id, 0) + 1
    got = {tp.topic: [tp.mcq_answers, tp.mcq_correct, tp.open_answers] for tp in t.topics}
    assert got == {k: [int(v[0]), int(v[1]), int(v[2])] for k, v in expected.items()}
    for tp in t.topics:
        mcq, right, opened, cover = expected[tp.topic]
        assert tp.accuracy == (pytest.approx(right / mcq) if mcq else None)
        assert tp.coverage == (pytest.approx(cover / opened) if opened else None)
    scores = [tp.score for tp in t.topics]
    assert scores == sorted(scores, key=lambda s: 2.0 if s is None else s)  # weakest first
    assert {m.key_point for m in t.missed} == {"Expire entries with a TTL."}
    assert sum(m.count for m in t.missed) == ttl_missed == 12
    assert all(m.question.startswith("Caching question") for m in t.missed)
    assert {m.item_id: m.count for m in t.misconceptions} == stale
    assert {m.mistake for m in t.misconceptions} == {"Claiming a cache is never stale."}
    assert sum(stale.values()) == 4
    assert t.silent_total == 1
    assert [(s.name, s.last_date) for s in t.silent] == [("someone", MONDAY + dt.timedelta(4))]


def test_a_lead_sees_team_privately_and_cannot_change_the_schedule(
    run: tuple[Harness, TeamInsights],
) -> None:
    h, _ = run

    async def go() -> None:
        replies = await h.command("dave", "/drill team")
        assert len(replies.items) == 1 and replies.items[0].visibility == "private"
        shown = text_of(replies.items[0].message)
        assert "Team insights — #team, last 4 weeks" in shown
        assert "Participation this week so far: 67% (last week: 67%)" in shown
        assert "Alice" in shown and "someone" in shown and "Carol" not in shown
        assert "20/20" in shown and "5/20" in shown and "up (+60 pts)" in shown
        assert "Expire entries with a TTL." in shown and "Claiming a cache is never stale." in shown
        assert "No answer for two weeks" in shown
        for secret in SECRETS:
            assert secret.removeprefix("/drill answer ") not in shown
        # The chart comes with it: a PNG whose alt text says the weeks' figures.
        [chart] = images(replies.items[0].message)
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n") and chart.filename.endswith(".png")
        assert "participation" in chart.alt.lower()
        refused = await h.say("dave", "/drill setup 10:00")
        assert "Only workspace admins" in refused
        assert "Only admins" in await h.say("dave", "/drill leads add <@erin>")
        assert "Only admins and the leads" in await h.say("erin", "/drill team")
        assert "Leads: Dave" in await h.say("erin", "/drill leads")
        assert "Team insights" in await h.say("lead", "/drill team 8", admin=True)
        assert "from 1 to 26" in await h.say("lead", "/drill team 27", admin=True)
        assert "whole number" in await h.say("lead", "/drill team soon", admin=True)
        assert "no longer a lead" in await h.say("lead", "/drill leads remove <@dave>", admin=True)
        assert "Only admins and the leads" in await h.say("dave", "/drill team")
        await h.say("lead", "/drill leads add <@dave>", admin=True)

    asyncio.run(go())


# --- the report formats ------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.values: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "data-value" and value is not None:
                self.values.append(value)
            if name in ("src", "href") and value is not None:
                self.sources.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _numbers(value: Any) -> list[float | int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def test_json_csv_and_html_hold_the_same_numbers_and_no_answer(
    run: tuple[Harness, TeamInsights],
) -> None:
    _, t = run
    data = report_data(t)
    assert list(data) == [
        "workspace",
        "channel",
        "weeks",
        "start",
        "end",
        "today",
        "days_posted",
        "people_total",
        "participation",
        "people",
        "weekly",
        "topics",
        "missed_key_points",
        "misconceptions",
        "silent_total",
        "silent",
    ]
    assert list(data["people"][0]) == list(PEOPLE_FIELDS)
    assert data["participation"] == 0.667 and data["people"][1]["trend"] == 0.6
    rows = list(csv.DictReader(io.StringIO(report_csv(t))))
    assert [r["name"] for r in rows] == ["Alice", "Bob", "someone"]
    assert rows[1]["coverage"] == "0.75" and rows[2]["trend"] == ""
    page = report_html(t, b"\x89PNG fake")
    parser = _Page()
    parser.feed(page)
    parser.close()
    shown = "".join(parser.text)
    for number in _numbers(data):
        assert str(number) in shown or str(number) in parser.values, number
    assert all(s.startswith("data:image/png;base64,") for s in parser.sources)
    assert "http" not in page.replace("http-equiv", "")
    for secret in SECRETS:
        assert secret.removeprefix("/drill answer ") not in page
        assert secret.removeprefix("/drill answer ") not in json.dumps(data)


# --- `drillbot report` on SQLite -----------------------------------------------------------------


async def _seed_sqlite(url: str, monday: dt.date) -> None:
    store = await open_store(url, upgrade=True)
    try:
        h = Harness(start=f"{monday}T08:00", store=store, library=load_library([PACK]))
        await month(h, monday)
    finally:
        await store.close()


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'drills.db'}"
    # Ending last week, so the command's clock (the system's) finds it in its last 5 weeks.
    this_monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    asyncio.run(_seed_sqlite(url, this_monday - dt.timedelta(weeks=4)))
    return url


@pytest.fixture
def report(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DRILLBOT_CONTENT_DIR", str(PACK))
    capsys.readouterr()

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["report", *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_the_cli_report_matches_the_chats_numbers(report: Any, tmp_path: Path) -> None:
    code, out, err = report("--weeks", "5", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["weeks"] == 5 and data["days_posted"] == 20 and data["people_total"] == 3
    people = {p["name"]: p for p in data["people"]}
    assert people["Bob"]["coverage"] == 0.75 and people["Bob"]["accuracy"] == 0.5
    assert people["someone"]["days_answered"] == 5
    assert [w["active"] for w in data["weekly"]] == [3, 2, 2, 2, 0]
    assert sum(m["count"] for m in data["missed_key_points"]) == 12
    code, out, _ = report("--weeks", "5", "--channel", "team", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == ",".join(PEOPLE_FIELDS)
    assert len(out.splitlines()) == 4
    code, out, _ = report("--weeks", "1", "--format", "csv")  # this week: nobody yet
    assert code == 0 and out.splitlines() == [",".join(PEOPLE_FIELDS)]
    target = tmp_path / "team.html"
    code, out, _ = report("--weeks", "5", "--format", "html", "--output", str(target))
    assert code == 0 and out == ""
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    code, out, _ = report("--weeks", "5")
    assert code == 0 and "Team report" in out and "Bob" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--workspace", "nope"), "no workspace 'nope'"),
        (("--channel", "nope"), "no channel 'nope'"),
        (("--weeks", "0"), "from 1 to 26"),
        (("--weeks", "many"), "whole number"),
    ],
)
def test_the_cli_report_refuses_what_names_nothing(
    report: Any, args: tuple[str, ...], message: str
) -> None:
    code, out, err = report(*args)
    assert (code, out) == (1, "")
    assert message in err


def test_the_weekly_post_adds_participation_movers_and_shout_outs(
    run: tuple[Harness, TeamInsights],
) -> None:
    h, _ = run
    posts = [text_of(m) for m in h.posted("leaderboard")]
    assert len(posts) == 4
    assert "Participation: 3 of 3 (100%) answered this week" in posts[0]
    assert "Participation: 2 of 3 (67%) answered this week" in posts[3]
    # Bob's accuracy: 4 of 5 in week 2 (a wrong pick), 5 of 5 in week 3.
    assert "most improved: Bob (accuracy +20 pts)" in posts[2]
    assert "longest streak: Alice (20 drill days in a row)" in posts[3]
    assert "first answer: Alice (first to answer this week)" in posts[3]
    for post in posts:
        assert len(post.splitlines()) < 30  # one screen
        for secret in SECRETS:
            assert secret.removeprefix("/drill answer ") not in post
    # Each comes with the channel's chart, whose numbers the text and its alt text also say.
    charts = [[b for b in m.blocks if isinstance(b, Image)] for m in h.posted("leaderboard")]
    assert [len(c) for c in charts] == [1, 1, 1, 1]
    assert all(c[0].png.startswith(b"\x89PNG") for c in charts)
    assert "67%" in charts[3][0].alt
