"""Mock incident interviews: grading a stage, points, the idle limit and what a debrief says.

Pure rules over the content model (``bot.domain.items.Incident``); the service in
``bot/services/incidents.py`` keeps the session and talks to people.

Points: each stage is worth ``round(STAGE_POINTS * score)`` with the grader's score (rubric
coverage less red flags), less ``HINT_COST`` when a hint was taken, never below 0. A skipped
stage is worth nothing (a hint taken before skipping costs nothing more).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.grading import grade_points
from bot.domain.items import Incident, Stage

STAGE_POINTS = 10
HINT_COST = 2
DEFAULT_IDLE_LIMIT = dt.timedelta(hours=24)
"""A session with no activity for this long is closed with a partial debrief."""
STRONG_SCORE = 0.7
"""At or above this a stage reads as well handled; below WEAK_SCORE as a gap."""
WEAK_SCORE = 0.35
NAME_PREFIX = "incident-"
"""Scenario ids start with it; people may leave it out (`/drill incident catalog-latency`)."""


class SessionState(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    """Every stage answered or skipped."""
    STOPPED = "stopped"
    """The person stopped it (`/drill stop`), or its scenario left the content."""
    EXPIRED = "expired"
    """Closed after the idle limit."""


@dataclass(frozen=True)
class StageResult:
    stage_id: str
    score: float
    covered: tuple[str, ...] = ()
    """Rubric point ids the answer covered."""
    missed: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    """Red flag ids (of the scenario) the answer showed."""
    hinted: bool = False
    skipped: bool = False

    @property
    def points(self) -> int:
        return stage_points(self.score, self.hinted, self.skipped)


def stage_points(score: float, hinted: bool, skipped: bool) -> int:
    if skipped:
        return 0
    earned = round(STAGE_POINTS * max(0.0, min(1.0, score)))
    return max(0, earned - (HINT_COST if hinted else 0))


def total_points(results: Sequence[StageResult]) -> int:
    return sum(r.points for r in results)


def max_points(incident: Incident) -> int:
    return STAGE_POINTS * len(incident.stages)


def grade_stage(incident: Incident, stage: Stage, answer: str, hinted: bool) -> StageResult:
    """Grade an answer to one stage: its rubric as key points, the scenario's red flags as
    mistakes, and the stage prompt so that text copied from it counts for nothing."""
    grade = grade_points(answer, stage.rubric, incident.red_flags, prompt=stage.prompt)
    return StageResult(
        stage_id=stage.id,
        score=grade.score,
        covered=grade.covered,
        missed=grade.missed,
        red_flags=grade.mistakes,
        hinted=hinted,
    )


def skip_stage(stage: Stage, hinted: bool) -> StageResult:
    return StageResult(
        stage_id=stage.id,
        score=0.0,
        missed=tuple(p.id for p in stage.rubric),
        hinted=hinted,
        skipped=True,
    )


def is_idle(last_activity_at: dt.datetime, now: dt.datetime, limit: dt.timedelta) -> bool:
    return now - last_activity_at >= limit


def idle_cutoff(now: dt.datetime, limit: dt.timedelta) -> dt.datetime:
    """Sessions whose last activity is at or before this instant are idle."""
    return now - limit


# --- choosing a scenario ---------------------------------------------------------------------
def find_scenario(incidents: Sequence[Incident], name: str) -> Incident | None:
    """By id, with or without the ``incident-`` prefix, ignoring case."""
    wanted = name.strip().lower()
    for incident in incidents:
        if incident.id in (wanted, NAME_PREFIX + wanted):
            return incident
    return None


def short_name(incident: Incident) -> str:
    """The name people type: the id without its ``incident-`` prefix."""
    return incident.id.removeprefix(NAME_PREFIX)


def ordered(incidents: Sequence[Incident], levels: Sequence[str]) -> list[Incident]:
    """By level (the packs' order, junior first), then title."""
    rank = {level: n for n, level in enumerate(levels)}
    return sorted(incidents, key=lambda i: (rank.get(i.level, len(rank)), i.title.lower(), i.id))


def pick_random(
    incidents: Sequence[Incident], level: str | None, rng: random.Random | None = None
) -> Incident | None:
    pool = [i for i in incidents if level is None or i.level == level]
    if not pool:
        return None
    return (rng or random.Random()).choice(sorted(pool, key=lambda i: i.id))


# --- the debrief, as data ------------------------------------------------------------------
@dataclass(frozen=True)
class StageSummary:
    number: int
    title: str
    state: str
    """'answered', 'skipped' or 'not answered'."""
    score: float | None
    points: int
    hinted: bool
    covered: tuple[str, ...]
    """Rubric point texts."""
    missed: tuple[str, ...]
    strong_answer: str


@dataclass(frozen=True)
class Debrief:
    scenario_id: str
    title: str
    state: SessionState
    stages: tuple[StageSummary, ...]
    red_flags: tuple[str, ...]
    """Texts of the red flags shown anywhere in the session, in the scenario's order."""
    checklist: tuple[str, ...]
    points: int
    max_points: int
    hints: int
    duration: dt.timedelta

    @property
    def answered(self) -> int:
        return sum(1 for s in self.stages if s.state == "answered")

    @property
    def done(self) -> int:
        """Stages answered or skipped."""
        return sum(1 for s in self.stages if s.state != "not answered")

    @property
    def complete(self) -> bool:
        return self.state is SessionState.FINISHED


def build_debrief(
    incident: Incident,
    results: Sequence[StageResult],
    state: SessionState,
    started_at: dt.datetime,
    ended_at: dt.datetime,
) -> Debrief:
    by_stage = {r.stage_id: r for r in results}
    summaries: list[StageSummary] = []
    for number, stage in enumerate(incident.stages, start=1):
        texts = {p.id: p.text for p in stage.rubric}
        result = by_stage.get(stage.id)
        if result is None:
            summaries.append(
                StageSummary(
                    number, stage.title, "not answered", None, 0, False, (), (), stage.strong_answer
                )
            )
            continue
        summaries.append(
            StageSummary(
                number=number,
                title=stage.title,
                state="skipped" if result.skipped else "answered",
                score=None if result.skipped else result.score,
                points=result.points,
                hinted=result.hinted,
                covered=tuple(texts[i] for i in result.covered if i in texts),
                missed=tuple(texts[i] for i in result.missed if i in texts),
                strong_answer=stage.strong_answer,
            )
        )
    shown = {flag for r in results for flag in r.red_flags}
    return Debrief(
        scenario_id=incident.id,
        title=incident.title,
        state=state,
        stages=tuple(summaries),
        red_flags=tuple(m.text for m in incident.red_flags if m.id in shown),
        checklist=tuple(incident.debrief),
        points=total_points(results),
        max_points=max_points(incident),
        hints=sum(1 for r in results if r.hinted),
        duration=max(dt.timedelta(), ended_at - started_at),
    )


def describe_duration(duration: dt.timedelta) -> str:
    """``"under a minute"``, ``"12 min"``, ``"1 h 05 min"``, ``"2 d 3 h"``."""
    minutes = int(duration.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
