"""Leaderboards: points per person over a period, with streaks as they stand today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from bot.domain import schedule_rules as rules
from bot.domain.model import Answer, AwayPeriod, LeaderboardRow
from bot.domain.standings import place_of, ranked
from bot.domain.streaks import closed_days, current_length, takes_answers
from bot.services.deps import Deps
from bot.services.incident_port import IncidentHandler

PERIODS = rules.PERIODS

STREAK_DAYS = 400
"""How many of a channel's latest drill days a current streak is checked against."""


@dataclass(frozen=True)
class Standing:
    """Where one person stands: this week, all time, rank, and their latest answers."""

    week: LeaderboardRow | None
    total: LeaderboardRow | None
    rank: int | None
    week_rows: list[LeaderboardRow]
    recent: list[tuple[Answer, str]]
    """(answer, the question's title), newest first."""


class Boards:
    def __init__(self, deps: Deps, incidents: IncidentHandler | None = None) -> None:
        self.d = deps
        self.incidents = incidents

    async def standing(self, workspace_id: str, user_id: str, recent: int = 5) -> Standing:
        week = await self.rows(workspace_id, None, "this-week")
        total = await self.rows(workspace_id, None, "all")
        async with self.d.store.transaction() as tx:
            person = await tx.find_person(workspace_id, user_id)
            answers = await tx.recent_answers(person.id, recent) if person else []
            titled = []
            for a in answers:
                drill = await tx.get_drill(a.drill_id)
                item = self.d.library.get(drill.item_id) if drill else None
                titled.append((a, item.summary if item else "a retired question"))
        return Standing(
            week=next((r for r in week if r.user == user_id), None),
            total=next((r for r in total if r.user == user_id), None),
            rank=place_of(week, user_id),
            week_rows=week,
            recent=titled,
        )

    async def today(self, workspace_id: str, channel_id: int | None) -> dt.date:
        """Today's date in the channel's zone (the first scheduled channel's for a workspace)."""
        now = self.d.clock.now()
        async with self.d.store.transaction() as tx:
            if channel_id is not None:
                channel = await tx.get_channel(channel_id)
                channels = [channel] if channel else []
            else:
                channels = await tx.channels(workspace_id)
        zone = next((c.schedule.timezone for c in channels if c.schedule), "UTC")
        return rules.local_date(now, zone)

    async def rows(
        self,
        workspace_id: str,
        channel_id: int | None,
        period: str,
        today: dt.date | None = None,
    ) -> list[LeaderboardRow]:
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
        today = today or await self.today(workspace_id, channel_id)
        start, end = rules.period_bounds(period, today)
        now = self.d.clock.now()
        incident_points = (
            await self.incidents.points(workspace_id, start, end) if self.incidents else {}
        )
        async with self.d.store.transaction() as tx:
            rows = await tx.leaderboard(workspace_id, channel_id, start, end)
            # People who only practised incidents still show, with their practice points.
            listed = {r.person_id for r in rows}
            for person_id in incident_points.keys() - listed:
                person = await tx.get_person(person_id)
                if person is not None:
                    rows.append(
                        LeaderboardRow(
                            person_id, person.external_id, person.display_name, 0, 0, 0, 0, 0
                        )
                    )
            streaks = await tx.streaks([r.person_id for r in rows])
            channel_ids = {s.channel_id for s in streaks}
            drill_days: dict[int, list[dt.date]] = {}
            closed: dict[int, set[dt.date]] = {}
            for cid in channel_ids:
                # Every posted drill day, whatever this reader's today is (see current_length).
                days = await tx.drill_dates(cid, dt.date.max, STREAK_DAYS)
                answerable = [d for d in await tx.open_drills(cid, now) if takes_answers(d, now)]
                drill_days[cid] = days
                closed[cid] = closed_days(days, answerable)
            away: dict[int, list[AwayPeriod]] = {}
            for period_ in await tx.away_for([r.person_id for r in rows]):
                away.setdefault(period_.person_id, []).append(period_)
        best: dict[int, tuple[int, int]] = {}
        for s in streaks:
            if channel_id is not None and s.channel_id != channel_id:
                continue
            current = current_length(
                s,
                drill_days.get(s.channel_id, []),
                away.get(s.person_id, []),
                closed.get(s.channel_id, set()),
            )
            cur, top = best.get(s.person_id, (0, 0))
            best[s.person_id] = (max(cur, current), max(top, s.best))
        filled = [
            replace(
                r,
                current_streak=best.get(r.person_id, (0, 0))[0],
                best_streak=best.get(r.person_id, (0, 0))[1],
                incident_points=incident_points.get(r.person_id, 0),
            )
            for r in rows
        ]
        return ranked(filled)
