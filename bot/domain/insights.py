"""Team insights: pure rules and the records they produce (`/drill team`, `drillbot report`).

The store sums answers (``bot.services.store.Tx.insight_*``); these rules turn the sums into
rates, trends, movers and shout-outs, and order what is shown. Nothing here reads an answer's
text: insights carry counts, ratios and the names of key points and misconceptions only.

``TeamInsights.weeks`` (``WeekFigures``) and ``TeamInsights.topics`` (``TopicFigures``) are
plain data a chart can be drawn from: participation and accuracy per week, coverage per topic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_WEEKS = 4
MIN_WEEKS = 1
MAX_WEEKS = 26
SILENT_DAYS = 14
"""People with no answer for this long are listed as silent."""
POOL_WEEKS = 4
"""Participation counts people who answered in the week among those who took part in the last
four weeks (the week included)."""
TREND_STEP = 0.05
"""A score that moves less than this between the halves of the period is "steady"."""
HIDDEN_NAME = "someone"
"""How an opted-out person appears to leads and in reports."""


class WeeksError(ValueError):
    """A number of weeks outside ``MIN_WEEKS``..``MAX_WEEKS`` or not a number."""


def parse_weeks(raw: str | int | None) -> int:
    """The number of weeks asked for; ``DEFAULT_WEEKS`` when none; ``WeeksError`` otherwise."""
    if raw is None or raw == "":
        return DEFAULT_WEEKS
    try:
        weeks = int(raw)
    except (TypeError, ValueError):
        raise WeeksError(
            f"weeks must be a whole number from {MIN_WEEKS} to {MAX_WEEKS}, not {raw!r}"
        ) from None
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise WeeksError(f"weeks must be from {MIN_WEEKS} to {MAX_WEEKS}, not {weeks}")
    return weeks


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def under_way(monday: dt.date, today: dt.date) -> bool:
    """Whether the week starting ``monday`` is the one ``today`` falls in (not over yet)."""
    return monday <= today < monday + dt.timedelta(days=7)


def period(today: dt.date, weeks: int) -> tuple[dt.date, dt.date]:
    """First and last day of the last ``weeks`` ISO weeks, the current one included."""
    last = week_start(today) + dt.timedelta(days=6)
    first = week_start(today) - dt.timedelta(weeks=weeks - 1)
    return first, last


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``; None when there is nothing to divide by (no answers is not 0%)."""
    return part / whole if whole else None


# --- what the store sums -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSums:
    """One person's sums over the period (``Tx.insight_people``)."""

    person_id: int
    user: str
    display_name: str
    opted_out: bool
    days_answered: int
    mcq_answers: int
    mcq_correct: int
    open_answers: int
    coverage_sum: float
    early_answers: int
    """Answers (MCQ or open) dated in the first half of the period, and their score's sum
    (1 per right MCQ, the coverage of an open answer); ``late_*`` in the second half."""
    early_score: float
    late_answers: int
    late_score: float
    last_date: dt.date


@dataclass(frozen=True)
class WeekSums:
    """One ISO week's sums (``Tx.insight_weeks``)."""

    week_start: dt.date
    active: int
    """People with at least one answer in the week."""
    pool: int
    """People with at least one answer in the ``POOL_WEEKS`` weeks ending with this one."""
    answers: int
    mcq_answers: int
    mcq_correct: int
    open_answers: int
    coverage_sum: float


@dataclass(frozen=True)
class ItemSums:
    """One question's sums (``Tx.insight_items``)."""

    item_id: str
    mcq_answers: int
    mcq_correct: int
    open_answers: int
    coverage_sum: float


@dataclass(frozen=True)
class SilentSums:
    """Someone who answered in the period and then stopped (``Tx.insight_silent``)."""

    person_id: int
    display_name: str
    opted_out: bool
    last_date: dt.date


@dataclass(frozen=True)
class TagCount:
    """How many answers to ``item_id`` named key point or mistake ``tag``."""

    item_id: str
    tag: str
    count: int


@dataclass(frozen=True)
class Roster:
    """Who answered in the period (``Tx.insight_roster``): how many, the first people by
    ``Tx.insight_people``'s order, and who went quiet as ``Tx.insight_silent`` counts them."""

    total: int
    people: list[PersonSums]
    silent_total: int
    silent: list[SilentSums]


@dataclass(frozen=True)
class DrillSums:
    """One drill's answers summed: what the SQL store keeps per closed drill (``drill_totals``,
    migration 0012). ``covered`` and ``mistakes`` count answers per key point or mistake id."""

    drill_id: int
    workspace_id: str
    channel_id: int
    local_date: dt.date
    item_id: str
    answers: int
    mcq_answers: int
    mcq_correct: int
    open_answers: int
    coverage_sum: float
    covered: dict[str, int]
    mistakes: dict[str, int]
    revealed_at: dt.datetime | None = None


@dataclass(frozen=True)
class SettledWeek:
    """``WeekSums.active`` and ``pool`` of a week that can no longer change, as the SQL store
    keeps them (``team_weeks``)."""

    workspace_id: str
    channel_id: int | None
    week_start: dt.date
    active: int
    pool: int


@dataclass(frozen=True)
class RosterPart:
    """A run of settled weeks whose per-person sums the SQL store may keep (``roster_parts``)."""

    workspace_id: str
    first_week: dt.date
    last_week: dt.date


@dataclass
class InsightTodo:
    """Sums an insights read worked out from the answers because none were kept yet, for the
    store to keep (``Tx.save_insight_todo``) once they can no longer change."""

    drills: list[DrillSums] = field(default_factory=list)
    weeks: list[SettledWeek] = field(default_factory=list)
    rosters: list[RosterPart] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.drills or self.weeks or self.rosters)


# --- what is shown -------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFigures:
    """Chart data: one week of participation and accuracy."""

    week_start: dt.date
    active: int
    pool: int
    participation: float | None
    """active / pool."""
    answers: int
    accuracy: float | None
    """MCQs answered right / MCQs answered."""
    coverage: float | None
    """Average key-point coverage of open answers: each answer's graded score (the share of
    its key points covered, less the penalty for a misconception shown)."""


@dataclass(frozen=True)
class TopicFigures:
    """Chart data: one topic's MCQ accuracy and key-point coverage."""

    topic: str
    title: str
    mcq_answers: int
    mcq_correct: int
    accuracy: float | None
    open_answers: int
    coverage: float | None

    @property
    def score(self) -> float | None:
        """The topic's standing: the mean of its accuracy and coverage (those it has)."""
        known = [v for v in (self.accuracy, self.coverage) if v is not None]
        return sum(known) / len(known) if known else None


@dataclass(frozen=True)
class PersonFigures:
    person_id: int
    name: str
    """The display name, or ``HIDDEN_NAME`` for someone who opted out."""
    days_answered: int
    days_posted: int
    accuracy: float | None
    coverage: float | None
    current_streak: int
    best_streak: int
    trend: float | None
    """Late score minus early score (see ``PersonSums``); None without both halves."""

    @property
    def trend_word(self) -> str:
        return trend_word(self.trend)


@dataclass(frozen=True)
class MissedPoint:
    item_id: str
    question: str
    key_point: str
    count: int


@dataclass(frozen=True)
class Misconception:
    item_id: str
    question: str
    mistake: str
    count: int


@dataclass(frozen=True)
class SilentPerson:
    person_id: int
    name: str
    last_date: dt.date


@dataclass(frozen=True)
class TeamInsights:
    workspace_id: str
    channel: str | None
    """The channel's name, or None for the whole workspace."""
    weeks_count: int
    start: dt.date
    end: dt.date
    today: dt.date
    days_posted: int
    people_total: int
    """Everyone with an answer in the period; ``people`` may hold only the first of them."""
    people: list[PersonFigures]
    weeks: list[WeekFigures]
    topics: list[TopicFigures]
    """Weakest first."""
    missed: list[MissedPoint]
    misconceptions: list[Misconception]
    silent_total: int
    silent: list[SilentPerson] = field(default_factory=list)

    @property
    def participation(self) -> float | None:
        """The last week's participation rate."""
        return self.weeks[-1].participation if self.weeks else None


# --- rules ---------------------------------------------------------------------------------


def trend_of(
    early_answers: int, early_score: float, late_answers: int, late_score: float
) -> float | None:
    early = ratio(early_score, early_answers)
    late = ratio(late_score, late_answers)
    if early is None or late is None:
        return None
    return late - early


def trend_word(trend: float | None) -> str:
    if trend is None:
        return "–"
    if trend >= TREND_STEP:
        return "up"
    if trend <= -TREND_STEP:
        return "down"
    return "steady"


def shown_name(display_name: str, opted_out: bool) -> str:
    return HIDDEN_NAME if opted_out else display_name


def person_figures(
    sums: PersonSums, days_posted: int, current_streak: int, best_streak: int
) -> PersonFigures:
    return PersonFigures(
        person_id=sums.person_id,
        name=shown_name(sums.display_name, sums.opted_out),
        days_answered=sums.days_answered,
        days_posted=days_posted,
        accuracy=ratio(sums.mcq_correct, sums.mcq_answers),
        coverage=ratio(sums.coverage_sum, sums.open_answers),
        current_streak=current_streak,
        best_streak=best_streak,
        trend=trend_of(sums.early_answers, sums.early_score, sums.late_answers, sums.late_score),
    )


def week_figures(weeks: Iterable[WeekSums]) -> list[WeekFigures]:
    return [
        WeekFigures(
            week_start=w.week_start,
            active=w.active,
            pool=w.pool,
            participation=ratio(w.active, w.pool),
            answers=w.answers,
            accuracy=ratio(w.mcq_correct, w.mcq_answers),
            coverage=ratio(w.coverage_sum, w.open_answers),
        )
        for w in sorted(weeks, key=lambda w: w.week_start)
    ]


def topic_figures(
    items: Iterable[ItemSums], topic_of: dict[str, str], titles: dict[str, str]
) -> list[TopicFigures]:
    """Sum items into their topics (items no longer in the content are left out), weakest
    first: lowest score, then fewest answers, then by name."""
    sums: dict[str, list[float]] = {}
    for item in items:
        topic = topic_of.get(item.item_id)
        if topic is None:
            continue
        s = sums.setdefault(topic, [0, 0, 0, 0.0])
        s[0] += item.mcq_answers
        s[1] += item.mcq_correct
        s[2] += item.open_answers
        s[3] += item.coverage_sum
    topics = [
        TopicFigures(
            topic=topic,
            title=titles.get(topic, topic),
            mcq_answers=int(s[0]),
            mcq_correct=int(s[1]),
            accuracy=ratio(s[1], s[0]),
            open_answers=int(s[2]),
            coverage=ratio(s[3], s[2]),
        )
        for topic, s in sums.items()
    ]
    return weakest_first(topics)


def weakest_first(topics: Iterable[TopicFigures]) -> list[TopicFigures]:
    def key(t: TopicFigures) -> tuple[float, int, str]:
        score = t.score
        return (2.0 if score is None else score, t.mcq_answers + t.open_answers, t.topic)

    return sorted(topics, key=key)


def missed_points(
    items: Iterable[ItemSums],
    covered: Iterable[TagCount],
    key_points: dict[str, list[tuple[str, str]]],
    questions: dict[str, str],
    limit: int,
) -> list[MissedPoint]:
    """Key points missed most: per open item, its answers minus those covering the point;
    ``key_points`` maps an item to its (id, text) points. Most missed first."""
    hits = {(c.item_id, c.tag): c.count for c in covered}
    out: list[MissedPoint] = []
    for item in items:
        if not item.open_answers:
            continue
        for point_id, text in key_points.get(item.item_id, []):
            missed = item.open_answers - hits.get((item.item_id, point_id), 0)
            if missed > 0:
                out.append(
                    MissedPoint(
                        item.item_id, questions.get(item.item_id, item.item_id), text, missed
                    )
                )
    out.sort(key=lambda m: (-m.count, m.item_id, m.key_point))
    return out[:limit]


def misconceptions(
    shown: Iterable[TagCount],
    mistakes: dict[str, dict[str, str]],
    questions: dict[str, str],
    limit: int,
) -> list[Misconception]:
    """Misconceptions shown most; ``mistakes`` maps an item to its mistake ids' texts."""
    out = [
        Misconception(
            m.item_id,
            questions.get(m.item_id, m.item_id),
            mistakes.get(m.item_id, {}).get(m.tag, m.tag),
            m.count,
        )
        for m in shown
        if m.count > 0
    ]
    out.sort(key=lambda m: (-m.count, m.item_id, m.mistake))
    return out[:limit]


# --- the weekly post -----------------------------------------------------------------------


@dataclass(frozen=True)
class Mover:
    name: str
    place: int
    previous: int | None
    """Last week's place; None for someone new on the board."""

    @property
    def change(self) -> int:
        return 0 if self.previous is None else self.previous - self.place


def movers(
    this_week: Sequence[tuple[int, str]], last_week: Sequence[int], limit: int = 3
) -> list[Mover]:
    """People whose place rose most against last week. ``this_week`` is (person id, name) in
    board order, ``last_week`` person ids in board order. Newcomers are not movers."""
    before = {pid: place for place, pid in enumerate(last_week, start=1)}
    out = [
        Mover(name, place, before[pid])
        for place, (pid, name) in enumerate(this_week, start=1)
        if pid in before and before[pid] > place
    ]
    out.sort(key=lambda m: (-m.change, m.place))
    return out[:limit]


@dataclass(frozen=True)
class ShoutOut:
    what: str
    """"longest streak", "most improved", "first answer"."""
    name: str
    detail: str


def shout_outs(
    streaks: Sequence[tuple[str, int]],
    improvements: Sequence[tuple[str, float]],
    first_answer: tuple[str, dt.datetime] | None,
) -> list[ShoutOut]:
    """Up to three shout-outs: the longest current streak (of at least 2), the most improved
    accuracy (by at least ``TREND_STEP``), the week's first answer. Ties go to the name first
    in alphabetical order, so the post is the same whichever process writes it."""
    out: list[ShoutOut] = []
    best = sorted((s for s in streaks if s[1] >= 2), key=lambda s: (-s[1], s[0]))
    if best:
        out.append(ShoutOut("longest streak", best[0][0], f"{best[0][1]} drill days in a row"))
    up = sorted((i for i in improvements if i[1] >= TREND_STEP), key=lambda i: (-i[1], i[0]))
    if up:
        out.append(ShoutOut("most improved", up[0][0], f"accuracy +{round(up[0][1] * 100)} pts"))
    if first_answer is not None:
        out.append(ShoutOut("first answer", first_answer[0], "first to answer this week"))
    return out


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"
