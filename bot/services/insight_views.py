"""Team insights as a chat message (`/drill team`): one screen, the first rows of each part
and "and N more" for the rest. Every number is in the blocks' text, so screen readers, the
console and a failed chart upload lose nothing."""

from __future__ import annotations

import datetime as dt

from bot.domain.insights import (
    POOL_WEEKS,
    TeamInsights,
    TopicFigures,
    WeekFigures,
    percent,
    under_way,
)
from bot.messaging.message import Block, Context, Message, Section, Table, literal

SHOWN = 5
"""Rows of topics, key points, misconceptions and silent people shown."""


def _more(shown: int, total: int) -> list[Block]:
    return [Context(f"and {total - shown} more")] if total > shown else []


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100):+d} pts"


def _topic_text(tp: TopicFigures) -> str:
    """What was answered on the topic: MCQs right, open answers' key points, or both."""
    said = []
    if tp.mcq_answers:
        said.append(f"MCQs right {percent(tp.accuracy)} ({tp.mcq_correct}/{tp.mcq_answers})")
    if tp.open_answers:
        plural = "" if tp.open_answers == 1 else "s"
        said.append(f"key points {percent(tp.coverage)} ({tp.open_answers} open answer{plural})")
    return ", ".join(said) or "no answers"


def _week_text(w: WeekFigures, today: dt.date) -> str:
    # The week under way is marked: on its Monday morning "0/3 answered" would read as a week
    # nobody took part in.
    current = under_way(w.week_start, today)
    label = f"{w.week_start:%b %d}" + (" (so far)" if current else "")
    if not w.pool:
        # Before anyone had answered (a team's first weeks): no "0/0 (–)" to decode.
        return f"{label}: no answers yet" if current else f"{label}: no answers"
    said = f"{label}: {w.active}/{w.pool} answered ({percent(w.participation)})"
    if not w.answers:
        return said
    return f"{said}, MCQs right {percent(w.accuracy)}, key points {percent(w.coverage)}"


def participation_parts(t: TeamInsights) -> tuple[str, str, str]:
    """("Participation this week[ so far]", the rate, " (last week: …)" or ""): the week
    under way is said to be so, next to the last whole week's rate."""
    if not t.weeks:
        return "Participation this week", "–", ""
    last = t.weeks[-1]
    rate = percent(last.participation) if last.pool else f"nobody answered in {POOL_WEEKS} weeks"
    if not under_way(last.week_start, t.today):
        return "Participation this week", rate, ""
    before = t.weeks[-2] if len(t.weeks) > 1 else None
    note = f" (last week: {percent(before.participation)})" if before and before.pool else ""
    return "Participation this week so far", rate, note


def _participation(t: TeamInsights) -> str:
    label, rate, note = participation_parts(t)
    return f"{label}: {rate}{note}"


LEGEND = (
    "days: drill days answered of those posted · MCQ right: share of multiple-choice picks "
    "right · key points: average share of key points an open answer covered · trend: the "
    "average score (a right pick 100%, an open answer its coverage) of the period's second "
    "half against its first, in points"
)


def team_message(t: TeamInsights, rows: int = 10) -> Message:
    scope = f"#{t.channel}" if t.channel else "whole workspace"
    weeks = "week" if t.weeks_count == 1 else f"{t.weeks_count} weeks"
    title = f"Team insights — {scope}, last {weeks} ({t.start:%Y-%m-%d} to {t.end:%Y-%m-%d})"
    blocks: list[Block] = [Section(f"*{title}*")]
    if not t.people_total:
        blocks.append(Section("No answers yet in this period."))
        return Message(text=f"{title}: no answers yet.", blocks=tuple(blocks), kind="team")
    week_line = "; ".join(_week_text(w, t.today) for w in t.weeks)
    blocks.append(
        Section(
            f"{_participation(t)}. "
            f"Drill days posted: {t.days_posted}. People who answered: {t.people_total}.\n"
            f"Per week — {week_line}"
        )
    )
    people = t.people[:rows]
    blocks.append(
        Table(
            ("name", "days", "MCQ right", "key points", "streak", "best", "trend"),
            tuple(
                (
                    literal(p.name),
                    f"{p.days_answered}/{p.days_posted}",
                    percent(p.accuracy),
                    percent(p.coverage),
                    str(p.current_streak),
                    str(p.best_streak),
                    f"{p.trend_word} ({_signed(p.trend)})" if p.trend is not None else "–",
                )
                for p in people
            ),
        )
    )
    blocks += _more(len(people), t.people_total)
    blocks.append(Context(LEGEND))
    if t.topics:
        topics = t.topics[:SHOWN]
        blocks.append(
            Section(
                "*Topics, weakest first*\n"
                + "\n".join(f"• {literal(tp.title)}: {_topic_text(tp)}" for tp in topics)
            )
        )
        blocks += _more(len(topics), len(t.topics))
    if t.missed:
        blocks.append(
            Section(
                "*Key points missed most*\n"
                + "\n".join(
                    f"• {m.count}× {literal(m.key_point)} — {literal(m.question)}"
                    for m in t.missed[:SHOWN]
                )
            )
        )
    if t.misconceptions:
        blocks.append(
            Section(
                "*Misconceptions shown most*\n"
                + "\n".join(
                    f"• {m.count}× {literal(m.mistake)} — {literal(m.question)}"
                    for m in t.misconceptions[:SHOWN]
                )
            )
        )
    if t.silent_total:
        silent = t.silent[:SHOWN]
        blocks.append(
            Section(
                "*No answer for two weeks*: "
                + ", ".join(f"{literal(s.name)} (last {s.last_date:%Y-%m-%d})" for s in silent)
            )
        )
        blocks += _more(len(silent), t.silent_total)
    blocks.append(Context("Only you see this. Nobody's answers are shown."))
    text = f"{title}: participation {percent(t.participation)}, {t.people_total} people."
    return Message(text=text, blocks=tuple(blocks), kind="team")
