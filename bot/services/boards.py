"""Leaderboards: points per person over a period, with streaks as they stand today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.domain import privacy
from bot.domain import schedule_rules as rules
from bot.domain.items import OpenQuestion
from bot.domain.model import Answer, AwayPeriod, Drill, LeaderboardRow, Person, Streak
from bot.domain.standings import ranked
from bot.domain.streaks import closed_days, current_length, takes_answers
from bot.services.deps import Deps
from bot.services.incident_port import IncidentHandler
from bot.services.store import ItemResults, Tx

PERIODS = rules.PERIODS

SHOWN = 10
"""Places a board in the chat shows (``views.leaderboard_message``'s limit)."""

FIRST_DRILLS = 4
"""Drills of a channel a current streak is first checked against (see _current_streaks)."""


@dataclass(frozen=True)
class Standing:
    """Where one person stands: this week, all time, rank, and their latest answers."""

    week: LeaderboardRow | None
    total: LeaderboardRow | None
    rank: int | None
    week_rows: list[LeaderboardRow]
    """The workspace's weekly board as ``Boards.rows`` gives it (empty unless asked for)."""
    recent: list[tuple[Answer, str]]
    """(answer, the question's title), newest first."""
    key_points: dict[int, int] = field(default_factory=dict)
    """How many key points each recent open answer's question has, by drill id ("k of n")."""
    item_results: list[ItemResults] = field(default_factory=list)
    """The person's answers summed per question (read when asked for: ``topics``)."""
    also: str | None = None
    """What ``standing``'s ``also`` read for the person (a line `/drill stats` adds)."""
    listed_admin: bool = False
    """Whether an admin listed the person (`admins add`), when ``standing`` was asked."""


class Boards:
    """Boards and standings read only the rows they show: the store ranks and counts in the
    database, and current streaks are worked out here for those rows alone."""

    def __init__(self, deps: Deps, incidents: IncidentHandler | None = None) -> None:
        self.d = deps
        self.incidents = incidents

    async def standing(
        self,
        workspace_id: str,
        user_id: str,
        recent: int = 5,
        board: int = 0,
        topics: bool = False,
        also: Callable[[Tx, int], Awaitable[str | None]] | None = None,
        known: Person | None = None,
        listed: bool = False,
    ) -> Standing:
        """The person's week and all-time rows and weekly rank; with ``board``, the weekly
        board's first ``board`` places too (the Home tab shows them); with ``topics``, their
        answers summed per question (``Tx.item_results``); with ``also``, what it reads for the
        person; all in the same transaction. ``known``: the person as the caller has just read
        them (a command reads who is acting first), so they are not read again. ``listed``:
        whether an admin listed the person is read too (the Home tab's admin part), rather than
        in a transaction of its own."""
        now = self.d.clock.now()
        async with self.d.store.transaction(read_only=True) as tx:
            today = await self._today(tx, workspace_id, None, now)
            start, end = rules.period_bounds("this-week", today)
            person = known or await tx.find_person(workspace_id, user_id)
            week = total = None
            rank: int | None = None
            week_rows: list[LeaderboardRow] = []
            titled: list[tuple[Answer, str]] = []
            key_points: dict[int, int] = {}
            if person is not None:
                week = await tx.board_row(workspace_id, None, start, end, person.id)
                total = await tx.board_row(workspace_id, None, None, None, person.id)
            # The board shown (the Home tab's) leaves out who opted out (bot.domain.privacy):
            # read as many more places as there are such people, then drop theirs.
            hidden = await tx.opted_out_people(workspace_id) if board else set()
            wider = board + len(hidden)
            if week is not None and board:
                week_rows, rank = await tx.board_and_place(
                    workspace_id, None, start, end, wider, week
                )
            elif week is not None:
                rank = await tx.place_on_board(workspace_id, None, start, end, week)
            elif board:
                week_rows = await tx.board(workspace_id, None, start, end, wider)
            week_rows = privacy.public_rows(week_rows, hidden)[:board]
            if person is not None and recent:
                answers = await tx.recent_answers(person.id, recent)
                drills = {d.id: d for d in await tx.get_drills([a.drill_id for a in answers])}
                for a in answers:
                    drill = drills.get(a.drill_id)
                    item = self.d.library.get(drill.item_id) if drill else None
                    titled.append((a, item.summary if item else "a retired question"))
                    if isinstance(item, OpenQuestion):
                        key_points[a.drill_id] = len(item.key_points)
            results = await tx.item_results(person.id) if person is not None and topics else []
            also_read = await also(tx, person.id) if person is not None and also else None
            listed_admin = listed and user_id in await tx.listed_admins(workspace_id)
            mine = [r for r in (week, total) if r is not None]
            currents = await self._current_streaks(tx, [*week_rows, *mine], None, now)
        week_incidents: dict[int, int] = {}
        all_incidents: dict[int, int] = {}
        if self.incidents:
            week_incidents, all_incidents = await self.incidents.points_of(
                workspace_id, [(start, end), (None, None)]
            )
        extra: list[LeaderboardRow] = []
        if week_incidents and board:
            async with self.d.store.transaction(read_only=True) as tx:
                extra = await self._incident_rows(tx, week_incidents, week_rows, board)
                extra = privacy.public_rows(extra, hidden)
                currents |= await self._current_streaks(tx, extra, None, now)
        week_fill = self._filler(currents, week_incidents)
        total_fill = self._filler(currents, all_incidents)
        if person is not None:
            # Someone with incident points and no answer still has a row: those points.
            week = week or self._bare(person, week_incidents)
            total = total or self._bare(person, all_incidents)
        return Standing(
            week=week_fill(week) if week else None,
            total=total_fill(total) if total else None,
            rank=rank,
            week_rows=[week_fill(r) for r in [*week_rows, *extra]],
            recent=titled,
            key_points=key_points,
            item_results=results,
            also=also_read,
            listed_admin=listed_admin,
        )

    async def today(self, workspace_id: str, channel_id: int | None) -> dt.date:
        """Today's date in the channel's zone (the first scheduled channel's for a workspace)."""
        now = self.d.clock.now()
        async with self.d.store.transaction(read_only=True) as tx:
            return await self._today(tx, workspace_id, channel_id, now)

    @staticmethod
    async def _today(
        tx: Tx, workspace_id: str, channel_id: int | None, now: dt.datetime
    ) -> dt.date:
        zone = None
        if channel_id is not None:
            channel = await tx.get_channel(channel_id)
            zone = channel.schedule.timezone if channel and channel.schedule else None
        else:
            zone = await tx.first_zone(workspace_id)
        return rules.local_date(now, zone or "UTC")

    async def rows(
        self,
        workspace_id: str,
        channel_id: int | None,
        period: str,
        today: dt.date | None = None,
        limit: int | None = SHOWN,
    ) -> list[LeaderboardRow]:
        """The board's first ``limit`` places (every place with None) in order, then the people
        among the ``limit`` with most incident points who have no place here, with only their
        incident points (``ranked`` puts people without answers last, ``placed`` skips them).

        A public board: people who opted out are left out (``bot.domain.privacy``)."""
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
        now = self.d.clock.now()
        async with self.d.store.transaction(read_only=True) as tx:
            today = today or await self._today(tx, workspace_id, channel_id, now)
            start, end = rules.period_bounds(period, today)
            hidden = await tx.opted_out_people(workspace_id)
            wider = None if limit is None else limit + len(hidden)
            rows = await tx.board(workspace_id, channel_id, start, end, wider)
            rows = privacy.public_rows(rows, hidden)[:limit]
            currents = await self._current_streaks(tx, rows, channel_id, now)
        incident_points = await self._incident_points(workspace_id, start, end)
        if incident_points:
            async with self.d.store.transaction(read_only=True) as tx:
                extra = await self._incident_rows(tx, incident_points, rows, limit)
                extra = privacy.public_rows(extra, hidden)
                # Their streaks too, as a reader of every row (the CLI's export) expects.
                currents |= await self._current_streaks(tx, extra, channel_id, now)
            rows += extra
        fill = self._filler(currents, incident_points)
        return [fill(r) for r in rows]

    # --- the parts ---------------------------------------------------------------------------
    async def _incident_points(
        self, workspace_id: str, start: dt.date | None, end: dt.date | None
    ) -> dict[int, int]:
        return await self.incidents.points(workspace_id, start, end) if self.incidents else {}

    @staticmethod
    async def _incident_rows(
        tx: Tx, points: dict[int, int], placed: list[LeaderboardRow], limit: int | None
    ) -> list[LeaderboardRow]:
        """Rows for the people a board's incident line names who have no place on it."""
        if not points or limit == 0:
            return []
        listed = {r.person_id for r in placed}
        if limit is not None:
            # Everyone with at least the limit-th most points: ties are then ordered by name
            # (``incident_practice``), which only the people's rows can tell.
            floor = sorted(points.values(), reverse=True)[:limit][-1]
            wanted = [p for p, n in points.items() if n >= floor and p not in listed]
        else:
            wanted = [p for p in points if p not in listed]
        extra = []
        for person_id in sorted(wanted):
            person = await tx.get_person(person_id)
            if person is not None:
                extra.append(
                    LeaderboardRow(
                        person_id, person.external_id, person.display_name, 0, 0, 0, 0, 0
                    )
                )
        return ranked([replace(r, incident_points=points.get(r.person_id, 0)) for r in extra])

    @staticmethod
    def _bare(person: Person, incident_points: dict[int, int]) -> LeaderboardRow | None:
        """A row for someone with no answer in the period: only when they practised."""
        if not incident_points.get(person.id):
            return None
        return LeaderboardRow(person.id, person.external_id, person.display_name, 0, 0, 0, 0, 0)

    @staticmethod
    def _filler(
        currents: dict[int, tuple[int, int]], incident_points: dict[int, int]
    ) -> Callable[[LeaderboardRow], LeaderboardRow]:
        def fill(row: LeaderboardRow) -> LeaderboardRow:
            current, best = currents.get(row.person_id, (0, 0))
            return replace(
                row,
                current_streak=current,
                best_streak=best,
                incident_points=incident_points.get(row.person_id, 0),
            )

        return fill

    @staticmethod
    async def _current_streaks(
        tx: Tx, rows: Sequence[LeaderboardRow], channel_id: int | None, now: dt.datetime
    ) -> dict[int, tuple[int, int]]:
        """(current, best) streak of each row's person: of the channel, or their best channel.

        Only these people's streaks are read, and each is checked (``current_length``) against
        the drill days its channel posted after the streak's last counted day: a streak stands
        unless one of those days closed unanswered, and earlier days cannot break it. The first
        of those days nearly always decides, so each channel's first few drills are read, and
        the rest only for a streak they leave standing.
        """
        people = sorted({r.person_id for r in rows})
        streaks = [
            s for s in await tx.streaks(people) if channel_id is None or s.channel_id == channel_id
        ]
        since: dict[int, dt.date] = {}
        for s in streaks:
            if s.last_date is not None:
                since[s.channel_id] = min(since.get(s.channel_id, s.last_date), s.last_date)
        away: dict[int, list[AwayPeriod]] = {}

        def by_channel(drills: list[Drill]) -> dict[int, list[Drill]]:
            grouped: dict[int, list[Drill]] = {}
            for drill in drills:
                grouped.setdefault(drill.channel_id, []).append(drill)
            return grouped

        # Each channel's drill days and which of them have closed, worked out once per list of
        # drills (a report asks for thousands of people in a few channels).
        days_of: dict[int, tuple[list[dt.date], set[dt.date]]] = {}

        def current(s: Streak, posted: list[Drill]) -> int:
            known = days_of.get(s.channel_id)
            if known is None:
                days = sorted({d.local_date for d in posted}, reverse=True)
                known = days, closed_days(days, [d for d in posted if takes_answers(d, now)])
                days_of[s.channel_id] = known
            days, closed = known
            return current_length(s, days, away.get(s.person_id, []), closed)

        first = by_channel(await tx.drills_after(since, FIRST_DRILLS))
        # Away days matter only on drill days after a streak's last one: often there are none.
        for period in await tx.away_for(people) if first else []:
            away.setdefault(period.person_id, []).append(period)
        # A channel cut at FIRST_DRILLS may have cut a day in two (its other drill may still
        # take answers): that day is left out, and a streak still standing is checked again
        # against all of its channel's drills.
        unsure: set[int] = set()
        for cid, posted in first.items():
            if len(posted) >= FIRST_DRILLS:
                last = posted[-1].local_date
                first[cid] = [d for d in posted if d.local_date != last]
                unsure.add(cid)
        again = {
            s.channel_id
            for s in streaks
            if s.channel_id in unsure and current(s, first[s.channel_id])
        }
        if again:
            first |= by_channel(await tx.drills_after({c: since[c] for c in again}))
            days_of.clear()  # those channels' drills were read again, in full
        best: dict[int, tuple[int, int]] = {}
        for s in streaks:
            now_length = current(s, first.get(s.channel_id, []))
            cur, top = best.get(s.person_id, (0, 0))
            best[s.person_id] = (max(cur, now_length), max(top, s.best))
        return best
