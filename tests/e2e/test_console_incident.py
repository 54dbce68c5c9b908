"""A mock incident in the console, as a transcript: the guide's scenario from the alert to the
debrief, and a session that survives a restart of the bot on the same SQLite database."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from bot.bootstrap import ConsoleOptions, run_console
from bot.config import Settings
from bot.content.loader import load_library
from bot.domain import incident_rules as ir
from bot.domain.items import Incident

START = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
"""A Saturday: no daily drill comes between the lines."""

ASSESS = (
    "I acknowledge the page and post in the incident channel so the team knows I am on it. "
    "Then I confirm the alert on the Grafana dashboard: p99 latency, the error rate, and which "
    "endpoints are affected. I look at the pods: cpu and memory. I check the health dashboards "
    "of our dependencies. And I ask what changed: a recent deploy, since a rollback is often "
    "the quickest fix."
)
LOGS = (
    "High cpu with flat memory means synchronous cpu bound work is blocking the event loop, so "
    "it is not a leak. I search the logs in Kibana since the deploy for warnings and stack "
    "traces, and the access logs per route to see which endpoint is slow. The admin deploy "
    "stays a suspect because it runs in the same process and the same event loop."
)
FIX = (
    "Node runs our code on a single thread, so while the export runs every other request waits "
    "in the queue. First I roll back the admin deploy. The permanent fix is to move the export "
    "to a background job queue like BullMQ and stream the rows with a cursor."
)
POSTMORTEM = "I would restart everything and close the incident and move on."


async def run(database: Path, script: list[str], start: dt.datetime = START) -> str:
    settings = Settings(
        database_url=f"sqlite:///{database}", content_dir=None, data_dir=database.parent
    )
    out = io.StringIO()
    code = await run_console(
        settings, ConsoleOptions(start=start, zone="UTC"), io.StringIO("\n".join(script)), out
    )
    assert code == 0
    return out.getvalue()


def after(transcript: str, marker: str) -> str:
    """The transcript from the first line containing ``marker`` on."""
    assert marker in transcript, f"{marker!r} not in transcript:\n{transcript}"
    return transcript[transcript.index(marker) :]


def header_of(transcript: str, text: str) -> str:
    """The header line (who sees it, where) of the message that contains ``text``."""
    lines = transcript.splitlines()
    found = next(n for n, line in enumerate(lines) if text in line)
    before = reversed(lines[:found])
    return next(line for line in before if line and not line.startswith((" ", "─")))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "drillbot.db"


@pytest.fixture(scope="module")
def catalog() -> Incident:
    """The guide's scenario as the console loads it (the wording may be tuned; the tests read
    it from the content instead of repeating it)."""
    item = load_library().get("incident-catalog-latency")
    assert isinstance(item, Incident)
    return item


def points(catalog: Incident, index: int, answer: str, hinted: bool = False) -> int:
    return ir.grade_stage(catalog, catalog.stages[index], answer, hinted).points


async def test_the_guide_scenario_from_the_alert_to_the_debrief(
    database: Path, catalog: Incident
) -> None:
    transcript = await run(
        database,
        [
            "@alice /drill incident catalog-latency",
            ":advance 4m",
            f"@alice dm: {ASSESS}",
            ":advance 6m",
            "@alice dm: /drill hint",
            f"@alice dm: {LOGS}",
            ":advance 5m",
            f"@alice dm: {FIX}",
            ":advance 5m",
            f"@alice dm: {POSTMORTEM}",
        ],
    )
    titles = [stage.title for stage in catalog.stages]
    earned = [
        points(catalog, 0, ASSESS),
        points(catalog, 1, LOGS, hinted=True),
        points(catalog, 2, FIX),
        points(catalog, 3, POSTMORTEM),
    ]

    start = after(transcript, "DM to alice · drillbot")
    assert f"Mock incident: {catalog.title}" in start
    assert "senior · 4 stages · up to 40 points" in start
    for part in (catalog.setup.role, catalog.setup.alert, catalog.opening):
        assert part in start
    assert f"Stage 1 of 4 · {titles[0]}\n    {catalog.stages[0].prompt}" in start
    assert "(Reply here with your answer. `/drill hint` for a nudge (−2 points)" in start
    # In the channel only a private pointer to the DM: the scenario itself is not posted there.
    assert header_of(transcript, "is waiting for you in a direct message").startswith("#team")
    assert header_of(transcript, "Your role").startswith("DM to alice")

    stage1 = after(start, f"Stage 1 of 4 · {titles[0]} · {earned[0]} points of 10")
    assert earned[0] >= 8 and "Strong answer." in stage1
    assert "What you find out" in stage1
    assert str(catalog.stages[0].reveal) in stage1
    assert f"Stage 2 of 4 · {titles[1]}\n" in stage1

    hint = after(stage1, "Hint for stage 2 (−2 points on this stage):")
    assert str(catalog.stages[1].hint) in hint
    stage2 = after(hint, f"Stage 2 of 4 · {titles[1]} · {earned[1]} points of 10 (hint −2)")
    assert str(catalog.stages[1].reveal) in stage2

    stage3 = after(stage2, f"Stage 3 of 4 · {titles[2]} · {earned[2]} points of 10")
    assert "You covered" in stage3 and "You missed" in stage3
    assert str(catalog.stages[2].reveal) in stage3

    stage4 = after(stage3, f"Stage 4 of 4 · {titles[3]} · 0 points of 10")
    flags = {m.id: m.text for m in catalog.red_flags}
    assert f"Red flags\n    • {flags['blind-restart']}" in stage4
    assert flags["skip-postmortem"] in stage4

    debrief = after(stage4, f"Debrief: {catalog.title}")
    assert "All 4 stages done in 20 min." in debrief
    assert f"{sum(earned)} of 40 points · 1 hint" in debrief
    assert f"• 2. {titles[1]}:" in debrief and f"{earned[1]} points (hint −2)" in debrief
    assert "Red flags you showed" in debrief
    assert "Model walk-through" in debrief
    for stage in catalog.stages:
        assert stage.strong_answer in debrief
    assert "Post-mortem checklist" in debrief
    for item in catalog.debrief:
        assert item in debrief
    assert "incident practice on the leaderboard" in debrief


async def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    database: Path, catalog: Incident
) -> None:
    transcript = await run(
        database,
        [
            "@bob dm: I would check the dashboards.",
            "@bob /drill incident kafka-meltdown",
            "@bob /drill incident list",
            "@bob /drill incident catalog-latency",
            "@bob /drill incident memory-oom",
            "@bob dm: " + "x" * 3001,
            f"@bob dm: {ASSESS}",
        ],
    )
    assert "There is no mock incident waiting for an answer from you" in transcript
    assert "There is no scenario `kafka-meltdown`. Scenarios:" in transcript
    assert f"`catalog-latency` {catalog.title} · senior · 4 stages" in transcript
    assert f"You are already in {catalog.title} (stage 1 of 4)" in transcript
    assert "Your answer is 3,001 characters; the limit is 3,000." in transcript
    first = f"Stage 1 of 4 · {catalog.stages[0].title} · {points(catalog, 0, ASSESS)} points"
    assert transcript.count(first) == 1


async def test_a_session_survives_a_restart_and_resumes_at_its_stage(
    database: Path, catalog: Incident
) -> None:
    titles = [stage.title for stage in catalog.stages]
    first = await run(
        database,
        ["@alice /drill incident catalog-latency", f"@alice dm: {ASSESS}"],
    )
    assert f"Stage 2 of 4 · {titles[1]}\n" in first

    second = await run(
        database,
        [
            "@alice dm: /drill resume",
            f"@alice dm: {LOGS}",
            "@alice dm: /drill skip",
            "@alice dm: /drill stop",
        ],
        start=START + dt.timedelta(hours=1),
    )
    resumed = after(second, f"Back to: {catalog.title}")
    assert f"Stage 2 of 4 · {titles[1]}\n    {catalog.stages[1].prompt}" in resumed
    assert f"Stage 2 of 4 · {titles[1]} · {points(catalog, 1, LOGS)} points of 10" in resumed
    assert f"Stage 3 of 4 · {titles[2]} · 0 points of 10" in resumed
    debrief = after(resumed, f"Debrief: {catalog.title}")
    assert "Stopped after 3 of 4 stages" in debrief
    assert f"• 3. {titles[2]}: skipped · 0 points" in debrief
    assert f"• 4. {titles[3]}: not answered" in debrief
    earned = points(catalog, 0, ASSESS) + points(catalog, 1, LOGS)
    assert f"{earned} of 40 points" in debrief


async def test_an_idle_session_is_closed_with_a_partial_debrief_in_a_dm(database: Path) -> None:
    transcript = await run(
        database,
        [
            "@alice /drill incident catalog-latency",
            ":advance 2m",
            f"@alice dm: {ASSESS}",
            ":advance 1d",
            f"@alice dm: {LOGS}",
        ],
    )
    debrief = after(transcript, "Debrief: ")
    assert "Closed after 1 of 4 stages: no answer for a long while." in debrief
    assert "you spent 2 min" in debrief
    assert "There is no mock incident waiting for an answer from you" in debrief
