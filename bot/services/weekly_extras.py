"""What the weekly post says beside the board (issue 12): the week's participation rate, the
movers against last week, and two or three shout-outs. Public: people who opted out are left
out (the boards already leave them out), and no answer text is read into it."""

from __future__ import annotations

import datetime as dt

from bot.domain import insights as rules
from bot.domain.model import Channel, DrillState
from bot.domain.standings import placed
from bot.messaging.message import Block, Context, Message, Section, literal
from bot.services.boards import Boards
from bot.services.deps import Deps
from bot.services.insights import Insights

COMPARED = 50
"""Places of this week's and last week's boards compared for movers and improvements."""


async def weekly_extras(
    deps: Deps, boards: Boards, channel: Channel, local_date: dt.date
) -> list[Block]:
    """Blocks to add under the weekly board of ``channel`` for the week of ``local_date``."""
    monday = rules.week_start(local_date)
    ws = channel.workspace_id
    now_rows = await boards.rows(ws, channel.id, "this-week", local_date, limit=COMPARED)
    last_rows = await boards.rows(ws, channel.id, "last-week", local_date, limit=COMPARED)
    async with deps.store.transaction(read_only=True) as tx:
        [week] = await tx.insight_weeks(ws, channel.id, [monday])
        hidden = await tx.opted_out_people(ws)
        first: tuple[str, dt.datetime] | None = None
        posted = await tx.drills_after({channel.id: monday - dt.timedelta(days=1)}, 10)
        for drill in posted:
            if drill.local_date > local_date or drill.state is not DrillState.POSTED:
                continue
            answers = [a for a in await tx.drill_answers(drill.id) if a.person_id not in hidden]
            if answers:
                earliest = min(answers, key=lambda a: (a.created_at, a.id))
                person = await tx.get_person(earliest.person_id)
                if person is not None:
                    first = (person.display_name, earliest.created_at)
                break
    this_week = [(r.person_id, r.display_name) for _, r in placed(now_rows)]
    last_week = [r.person_id for _, r in placed(last_rows)]
    moved = rules.movers(this_week[:10], last_week)
    before = {r.person_id: r.accuracy for r in last_rows}
    improved = [
        (r.display_name, r.accuracy - prior)
        for r in now_rows
        if r.accuracy is not None and (prior := before.get(r.person_id)) is not None
    ]
    streaks = [(r.display_name, r.current_streak) for r in now_rows]
    shouts = rules.shout_outs(streaks, improved, first)
    blocks: list[Block] = []
    lines = [
        f"Participation: {week.active} of {week.pool} "
        f"({rules.percent(rules.ratio(week.active, week.pool))}) answered this week"
    ]
    if moved:
        lines.append(
            "Movers: " + ", ".join(f"{literal(m.name)} ↑{m.change} to #{m.place}" for m in moved)
        )
    if shouts:
        lines.append(
            "Shout-outs: " + "; ".join(f"{s.what}: {literal(s.name)} ({s.detail})" for s in shouts)
        )
    blocks.append(Section("\n".join(lines)))
    if not week.pool:
        blocks = [Context("Nobody has answered in the last four weeks.")]
    return blocks


WEEKLY_CHART_WAIT = 5.0
"""Seconds the weekly post waits for its chart (drawings queue one at a time: many channels'
boards due at once must not hold their posts); past it the post goes without the picture,
whose every number the text already says."""


async def with_weekly_chart(deps: Deps, channel: Channel, message: Message) -> Message:
    """``message`` with the channel's chart of the last weeks (participation and accuracy per
    week, coverage per topic), as `/drill team` draws it; unchanged without any answer."""
    insights = await Insights(deps).team(channel.workspace_id, channel.id, rules.DEFAULT_WEEKS)
    if not insights.people_total:
        return message
    return await deps.charts.attach(message, insights, wait=WEEKLY_CHART_WAIT)
