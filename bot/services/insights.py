"""Team insights for leads and admins: `/drill team`, `drillbot report`, the weekly post.

One read-only transaction of aggregate queries (``Tx.insight_*``); the rules of
``bot.domain.insights`` turn the sums into what is shown. Answer texts are never read.
"""

from __future__ import annotations

import datetime as dt

from bot.domain import insights as rules
from bot.domain.insights import TeamInsights
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import LeaderboardRow
from bot.services.boards import Boards
from bot.services.deps import Deps

SHOWN_PEOPLE = 10
"""Rows of people `/drill team` lists (the rest are counted: "and N more")."""
SHOWN_TAGS = 5
"""Most-missed key points and most-shown misconceptions listed."""
SETTLED_DAYS = 2
"""A week's answers are final this many days after it ends (the last drill's window is
closed by then): its participation and its people's sums may be kept."""


class Insights:
    def __init__(self, deps: Deps) -> None:
        self.d = deps

    async def team(
        self,
        workspace_id: str,
        channel_id: int | None = None,
        weeks: int = rules.DEFAULT_WEEKS,
        people: int | None = SHOWN_PEOPLE,
        tags: int = SHOWN_TAGS,
    ) -> TeamInsights:
        """The team's insights over the last ``weeks`` ISO weeks (this one included), of one
        channel or of the whole workspace; ``people`` rows of people (all with None)."""
        weeks = rules.parse_weeks(weeks)
        now = self.d.clock.now()
        async with self.d.store.transaction(read_only=True) as tx:
            today = await Boards._today(tx, workspace_id, channel_id, now)
            start, end = rules.period(today, weeks)
            mondays = [start + dt.timedelta(weeks=i) for i in range(weeks)]
            middle = mondays[weeks // 2] if weeks > 1 else start + dt.timedelta(days=3)
            channel = await tx.get_channel(channel_id) if channel_id is not None else None
            days_posted = await tx.posted_days(workspace_id, channel_id, start, end)
            before = today - dt.timedelta(days=rules.SILENT_DAYS - 1)
            settled = today - dt.timedelta(days=SETTLED_DAYS)
            roster = await tx.insight_roster(
                workspace_id, channel_id, start, end, middle, before, people, settled
            )
            total, sums = roster.total, roster.people
            silent_total, silent = roster.silent_total, roster.silent
            week_sums = await tx.insight_weeks(workspace_id, channel_id, mondays, settled)
            items = await tx.insight_items(workspace_id, channel_id, start, end)
            covered, shown = await tx.insight_tags(workspace_id, channel_id, start, end)
            stub = [LeaderboardRow(s.person_id, s.user, "", 0, 0, 0, 0, 0) for s in sums]
            streaks = await Boards._current_streaks(tx, stub, channel_id, now)
            todo = tx.insight_todo()
        if todo:
            # Sums worked out from answers that can no longer change: kept for the next read.
            async with self.d.store.transaction() as tx:
                await tx.save_insight_todo(todo, now)
        topic_of: dict[str, str] = {}
        questions: dict[str, str] = {}
        key_points: dict[str, list[tuple[str, str]]] = {}
        mistakes: dict[str, dict[str, str]] = {}
        for item in items:
            found = self.d.library.get(item.item_id)
            if found is None:
                continue
            topic_of[item.item_id] = found.topic
            if isinstance(found, OpenQuestion):
                questions[item.item_id] = found.title
                key_points[item.item_id] = [(k.id, k.text) for k in found.key_points]
                mistakes[item.item_id] = {m.id: m.text for m in found.mistakes}
            elif isinstance(found, MultipleChoice):
                questions[item.item_id] = found.summary
        return TeamInsights(
            workspace_id=workspace_id,
            channel=channel.name if channel else None,
            weeks_count=weeks,
            start=start,
            end=end,
            today=today,
            days_posted=days_posted,
            people_total=total,
            people=[
                rules.person_figures(s, days_posted, *streaks.get(s.person_id, (0, 0)))
                for s in sums
            ],
            weeks=rules.week_figures(week_sums),
            topics=rules.topic_figures(items, topic_of, self.d.library.topics()),
            missed=rules.missed_points(items, covered, key_points, questions, tags),
            misconceptions=rules.misconceptions(shown, mistakes, questions, tags),
            silent_total=silent_total,
            silent=[
                rules.SilentPerson(
                    s.person_id, rules.shown_name(s.display_name, s.opted_out), s.last_date
                )
                for s in silent
            ],
        )
