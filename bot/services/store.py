"""The storage port: what services need from a database, whatever the database is.

``bot.db.sql_store.SqlStore`` implements it on SQLite and PostgreSQL; ``bot.testing.memory_store``
is the in-memory fake the unit tests use. The same contract tests run against both.

Every method runs inside a transaction (``async with store.transaction() as tx``): all of it
commits, or none of it does. Uniqueness that the rules depend on (one drill per channel, slot
and local date; one answer per person and drill; one delivery per submission key) is enforced by
the store, so two processes sharing one database still agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.domain.insights import (
    InsightTodo,
    ItemSums,
    PersonSums,
    Roster,
    SilentSums,
    TagCount,
    WeekSums,
)
from bot.domain.model import (
    Answer,
    AwayPeriod,
    Channel,
    Drill,
    DrillState,
    LeaderboardRow,
    Lease,
    Person,
    Schedule,
    Slot,
    Streak,
)
from bot.domain.reviews import Reminder, Review


@dataclass(frozen=True)
class NewPick:
    """An MCQ choice to record (``Tx.insert_picks``)."""

    drill: Drill
    person_id: int
    choice: str
    correct: bool
    points: int
    now: dt.datetime


@dataclass(frozen=True)
class ItemResults:
    """One person's answers to the drills of one item (``Tx.item_results``): MCQ picks and how
    many were right, open answers and the sum of their scores."""

    item_id: str
    picks: int
    right: int
    open_answers: int
    coverage_sum: float


FORGET_TABLES: tuple[str, ...] = (
    "answers",
    "week_totals",
    "streaks",
    "away_periods",
    "practice",
    "reviews",
    "reminders",
    "incident_sessions",
    "leads",
    "listed_admins",
    "people",
)
"""What ``Tx.forget_person`` deletes from, in the order it reports them."""


PRUNABLE = ("submissions", "deliveries", "channel_posts")
"""Per-request records that only matter for a while (see ``bot.services.housekeeping``)."""


class StoreUnavailable(Exception):
    """The database could not be reached; the caller may retry later."""


class Tx(Protocol):
    # --- workspaces, channels, people -------------------------------------------------------
    async def ensure_workspace(self, workspace_id: str, platform: str, name: str) -> None: ...

    async def ensure_channel(self, workspace_id: str, external_id: str, name: str) -> Channel:
        """Return the channel, creating it (with no schedule) the first time it is seen."""
        ...

    async def get_channel(self, channel_id: int) -> Channel | None: ...

    async def find_channel(self, workspace_id: str, external_id: str) -> Channel | None: ...

    async def channels(self, workspace_id: str | None = None) -> list[Channel]:
        """Channels with a schedule, of one workspace or of all, ordered by id."""
        ...

    async def save_schedule(self, channel_id: int, schedule: Schedule) -> Channel:
        """Save it, stamped with the next schedule sequence number."""
        ...

    async def channels_changed_since(self, seq: int) -> tuple[int, list[Channel]]:
        """(the largest schedule sequence number, the scheduled channels stamped ``seq`` or
        later). Numbers equal to ``seq`` come again: two processes saving at once may share
        one, and the second may commit after the first was read."""
        ...

    async def ensure_person(self, workspace_id: str, external_id: str, display_name: str) -> Person:
        """Return the person, creating them the first time; a changed display name is updated."""
        ...

    async def ensure_people(
        self, workspace_id: str, people: Sequence[tuple[str, str]]
    ) -> list[Person]:
        """``ensure_person`` for many (external id, display name) at once: each person as they
        stand afterwards, in the order asked. A burst of clicks from people the bot has not met
        costs a statement or two, not two each."""
        ...

    async def get_person(self, person_id: int) -> Person | None: ...

    async def people(self, limit: int) -> list[Person]:
        """Up to ``limit`` people, most recently created first (warming caches at start)."""
        ...

    async def find_person(self, workspace_id: str, external_id: str) -> Person | None: ...

    async def add_away(self, person_id: int, start: dt.date, end: dt.date) -> AwayPeriod: ...

    async def away_periods(self, person_id: int) -> list[AwayPeriod]: ...

    async def away_for(self, person_ids: Sequence[int]) -> list[AwayPeriod]:
        """Away periods of many people at once (leaderboards)."""
        ...

    async def remove_away(self, person_id: int, start: dt.date, end: dt.date) -> bool:
        """Delete one of the person's away periods from ``start`` to ``end``; False when they
        have none with exactly those days."""
        ...

    async def shorten_away(
        self, person_id: int, start: dt.date, end: dt.date, last_day: dt.date
    ) -> bool:
        """Make one of the person's away periods from ``start`` to ``end`` end on ``last_day``
        instead (cancelling the rest of a period under way keeps the days already past);
        False when they have none with exactly those days."""
        ...

    # --- drills ----------------------------------------------------------------------------
    async def claim_drill(
        self,
        *,
        workspace_id: str,
        channel_id: int,
        slot: Slot,
        local_date: dt.date,
        item_id: str,
        kind: str,
        scheduled_at: dt.datetime,
        reveal_at: dt.datetime,
        state: DrillState = DrillState.CLAIMED,
    ) -> Drill | None:
        """Insert the drill unless (channel, slot, local date) exists; None when it does."""
        ...

    async def set_drill_state(
        self, drill_id: int, state: DrillState, message_ref: str | None = None
    ) -> None: ...

    async def get_drill(self, drill_id: int) -> Drill | None: ...

    async def drills_to_retry(self, not_before: dt.datetime) -> list[Drill]:
        """CLAIMED or FAILED drills scheduled at or after ``not_before`` (still worth posting;
        the delivery lease decides who may try)."""
        ...

    async def existing_drills(
        self, keys: Sequence[tuple[int, Slot, dt.date]]
    ) -> set[tuple[int, Slot, dt.date]]:
        """Which of these (channel, slot, local date) already have a drill row (any state)."""
        ...

    async def next_reveal_at(self, after: dt.datetime) -> dt.datetime | None:
        """The earliest reveal time after ``after`` of a posted, unrevealed drill."""
        ...

    async def open_drills(self, channel_id: int, now: dt.datetime) -> list[Drill]:
        """POSTED drills of the channel not yet revealed, newest first."""
        ...

    async def due_reveals(self, now: dt.datetime) -> list[Drill]:
        """POSTED drills whose reveal time has come and that are not revealed yet."""
        ...

    async def mark_revealed(self, drill_id: int, now: dt.datetime) -> bool:
        """Set revealed_at once; False when it was already set (another process won)."""
        ...

    async def unmark_revealed(self, drill_id: int) -> None:
        """Clear revealed_at after a reveal could not be posted, so a later tick retries it."""
        ...

    async def channel_items(self, channel_id: int) -> list[tuple[str, dt.date]]:
        """(item id, local date) of every drill ever claimed in the channel, oldest first."""
        ...

    async def channels_items(self, channel_ids: Sequence[int]) -> dict[int, list[str]]:
        """The item ids of every drill claimed in each channel, oldest first (skipped slots,
        which use no item, left out); one read for a whole fan-out."""
        ...

    async def drill_dates(self, channel_id: int, before: dt.date, limit: int) -> list[dt.date]:
        """Distinct dates with a posted drill in the channel before ``before``, newest first."""
        ...

    # --- answers ---------------------------------------------------------------------------
    async def claim_submission(self, workspace_id: str, key: str) -> bool:
        """Remember a delivery key; False when it was seen before (a retry or a double click)."""
        ...

    async def get_answer(self, drill_id: int, person_id: int) -> Answer | None: ...

    async def insert_answer(
        self,
        *,
        drill: Drill,
        person_id: int,
        choice: str | None,
        text: str | None,
        correct: bool | None,
        coverage: float | None,
        covered: Sequence[str],
        mistakes: Sequence[str],
        points: int,
        now: dt.datetime,
        delivery: str | None = None,
    ) -> Answer | None:
        """Insert the person's answer unless one exists for the drill; None when it does.

        The same step counts the drill's day for the person's streak in the channel
        (``bot.domain.streaks.advance``: it goes on when their last counted day is the
        channel's previous posted drill day they were not away on, stays when the day was
        already counted, and starts again at 1 otherwise), so every answer recorded counts
        and no second statement is needed."""
        ...

    async def insert_picks(self, picks: Sequence[NewPick]) -> list[bool]:
        """Insert MCQ choices in one go, each as ``insert_answer`` would (streak included);
        per pick, whether it went in. A person's first choice for a drill wins, including
        over a later one in the same call."""
        ...

    async def update_answer(
        self,
        answer_id: int,
        *,
        text: str,
        coverage: float,
        covered: Sequence[str],
        mistakes: Sequence[str],
        points: int,
        correct: bool | None,
        now: dt.datetime,
        delivery: str | None = None,
    ) -> Answer: ...

    async def keep_first_score(self, answer_id: int) -> float | None:
        """Before an answer's version is replaced: keep the score of its first version, the
        one points are counted from (``bot.domain.scoring.counted_score``), and return it.

        The first edit stores the answer's current score as its first; later edits find it
        stored and leave it. None for an answer without a score (an MCQ pick)."""
        ...

    async def first_score(self, answer_id: int) -> float | None:
        """The score of the answer's first version once it has been edited; None while it
        has not (its score is then its first)."""
        ...

    async def drill_answers(self, drill_id: int) -> list[Answer]: ...

    async def answer_count(self, drill_id: int) -> int:
        """How many people answered the drill, without reading the answers themselves."""
        ...

    async def recent_answers(self, person_id: int, limit: int) -> list[Answer]:
        """The person's answers, newest first."""
        ...

    async def item_results(self, person_id: int) -> list[ItemResults]:
        """The person's answers summed per item of their drills (`/drill stats` per topic),
        in item id order; counted by the database, no answer read."""
        ...

    # --- streaks and leaderboards ----------------------------------------------------------
    async def get_streak(self, person_id: int, channel_id: int) -> Streak | None: ...

    async def save_streak(self, streak: Streak) -> None: ...

    async def streaks(self, person_ids: Sequence[int]) -> list[Streak]: ...

    async def leaderboard(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> list[LeaderboardRow]:
        """Sum of points, answers and correct answers per person, between local dates
        ``start`` and ``end`` inclusive (None: unbounded). Streak fields are left at 0; the
        service fills them in. Not sorted."""
        ...

    async def board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        limit: int | None,
    ) -> list[LeaderboardRow]:
        """The first ``limit`` places (every place with None) of the period's board, in the
        board's order (``bot.domain.standings.ranked``): only people with an answer in the
        period. ``best_streak`` is the stored best (of the channel, or the person's best channel
        for the workspace); ``current_streak`` and ``incident_points`` are left at 0."""
        ...

    async def board_row(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        person_id: int,
    ) -> LeaderboardRow | None:
        """One person's row of that board (as ``board`` fills it), read from their own answers
        or weekly totals only; None without an answer in the period."""
        ...

    async def place_on_board(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        row: LeaderboardRow,
    ) -> int:
        """The place of ``row`` (from ``board_row``) on that board: 1 + the people ahead of it
        in the board's order, counted by the database rather than listed."""
        ...

    async def board_and_place(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date | None,
        end: dt.date | None,
        limit: int,
        row: LeaderboardRow,
    ) -> tuple[list[LeaderboardRow], int]:
        """``board`` and ``place_on_board`` together, from one read of the period."""
        ...

    async def first_zone(self, workspace_id: str) -> str | None:
        """The time zone of the workspace's first scheduled channel (by id): the zone its
        workspace boards count weeks in. None without a scheduled channel."""
        ...

    async def get_drills(self, drill_ids: Sequence[int]) -> list[Drill]:
        """The drills with these ids that exist, in no particular order."""
        ...

    async def drills_after(
        self, since: Mapping[int, dt.date], per_channel: int | None = None
    ) -> list[Drill]:
        """The posted drills of each channel in ``since`` dated after its day, oldest first
        (only the first ``per_channel`` of each channel with a number): what a current streak
        (``bot.domain.streaks.current_length``) is checked against."""
        ...

    async def claim_post(self, channel_id: int, kind: str, key: str) -> bool:
        """Claim a one-off channel post such as the weekly leaderboard; False if taken."""
        ...

    async def prune_old(self, table: str, before: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` of the oldest records of ``table`` (one of ``PRUNABLE``)
        made, or for deliveries finished, before ``before``; how many went."""
        ...

    async def release_post(self, channel_id: int, kind: str, key: str) -> None:
        """Give back a claim whose post failed, so a later tick retries it."""
        ...

    # --- delivery leases: each scheduled message posted exactly once -------------------------
    async def take_lease(
        self,
        key: str,
        owner: str,
        now: dt.datetime,
        until: dt.datetime,
        steal_from: str | None = None,
    ) -> Lease | None:
        """Take the lease of ``key`` for ``owner`` until ``until``: when it is new, or not done
        and free (released, or expired at ``now``), or still held by ``steal_from`` (a holder
        known to be dead). None when it is done or someone else holds it."""
        ...

    async def lease_holder(self, key: str) -> str | None:
        """Who holds the lease of ``key`` now (whether or not it has expired); None when it is
        done, released or new."""
        ...

    async def renew_lease(self, key: str, owner: str, until: dt.datetime) -> bool:
        """Extend a lease ``owner`` still holds; False when it is lost or done."""
        ...

    async def release_lease(self, key: str, owner: str) -> None:
        """Give back a lease (the post failed, or was never tried), so any tick may take it."""
        ...

    async def finish_lease(self, key: str, now: dt.datetime, message_ref: str | None) -> bool:
        """Mark the delivery done with the message posted; False when it was done already."""
        ...

    async def lease_done(self, key: str) -> bool:
        """Whether the delivery of ``key`` is done."""
        ...

    async def leases_done(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are done."""
        ...

    async def stale_leases(self, prefix: str, now: dt.datetime) -> list[str]:
        """Keys starting with ``prefix`` that are not done and that nobody holds at ``now``."""
        ...

    # --- team insights (bot.domain.insights, bot.db.insights_sql) ---------------------------
    # Each sums the answers of a workspace, or of one channel when ``channel_id`` is given,
    # dated from ``start`` to ``end`` inclusive. Nothing returned holds an answer's text.
    async def insight_people(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        end: dt.date,
        middle: dt.date,
        limit: int | None,
    ) -> tuple[int, list[PersonSums]]:
        """(how many people answered in the period, the sums of the first ``limit`` of them,
        or of all with None): most drill days answered first, then most answers, then by
        person id. Answers dated before ``middle`` are the early half, the others the late."""
        ...

    async def insight_roster(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        end: dt.date,
        middle: dt.date,
        before: dt.date,
        limit: int | None,
        settled_before: dt.date | None = None,
    ) -> Roster:
        """``insight_people(start, end, middle, limit)`` and ``insight_silent(start, before,
        limit)`` in one read (the SQL store groups the period's people once for both). Weeks
        ending before ``settled_before`` no longer change: a store may keep their sums."""
        ...

    async def insight_weeks(
        self,
        workspace_id: str,
        channel_id: int | None,
        weeks: Sequence[dt.date],
        settled_before: dt.date | None = None,
    ) -> list[WeekSums]:
        """The sums of each ISO week starting on one of ``weeks`` (Mondays), in that order;
        ``pool`` counts people who answered in the ``POOL_WEEKS`` weeks ending with it. Weeks
        ending before ``settled_before`` no longer change: a store may keep their pools."""
        ...

    def insight_todo(self) -> InsightTodo:
        """Sums this transaction's insights reads worked out from answers that the store may
        keep (nothing for a store that keeps none)."""
        ...

    async def save_insight_todo(self, todo: InsightTodo, now: dt.datetime) -> None:
        """Keep what ``todo`` holds that can no longer change at ``now`` (a drill revealed a
        while ago, an ended week's pool), so the next read need not sum it again."""
        ...

    async def insight_items(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> list[ItemSums]:
        """Per question answered in the period: MCQ picks (answers without a coverage) and
        how many were right, open answers and their coverage's sum. By item id."""
        ...

    async def insight_tags(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> tuple[list[TagCount], list[TagCount]]:
        """(per question and key point, how many answers covered it; per question and
        mistake, how many answers showed it), in no particular order."""
        ...

    async def insight_silent(
        self,
        workspace_id: str,
        channel_id: int | None,
        start: dt.date,
        before: dt.date,
        limit: int | None,
    ) -> tuple[int, list[SilentSums]]:
        """People who answered on or after ``start`` but not on or after ``before``: how
        many, and the first ``limit`` (all with None), longest silent first."""
        ...

    async def posted_days(
        self, workspace_id: str, channel_id: int | None, start: dt.date, end: dt.date
    ) -> int:
        """Distinct local dates with a posted drill (in any of the workspace's channels)."""
        ...

    # --- leads: people an admin listed to see the team's insights ---------------------------
    async def leads(self, workspace_id: str) -> list[Person]:
        """The workspace's leads, by display name then id."""
        ...

    async def is_lead(self, workspace_id: str, person_id: int) -> bool: ...

    async def set_lead(self, workspace_id: str, person_id: int, lead: bool) -> bool:
        """Add or remove a lead; False when nothing changed."""
        ...

    # --- admins an admin listed ------------------------------------------------------------
    async def listed_admins(self, workspace_id: str) -> list[str]:
        """User ids an admin allowed to run admin commands, sorted."""
        ...

    async def set_listed_admin(self, workspace_id: str, user_id: str, listed: bool) -> bool:
        """Add or remove a listed admin; False when nothing changed."""
        ...

    # --- privacy (issue 12) -----------------------------------------------------------------
    async def set_opted_out(self, person_id: int, opted_out: bool) -> bool:
        """`/drill optout` and `optin`: hide the person from public boards and shout-outs, or
        show them again; False when it was already so."""
        ...

    async def opted_out_people(self, workspace_id: str) -> set[int]:
        """Ids of the workspace's people who opted out (public boards leave them out)."""
        ...

    async def set_share_answers(self, channel_id: int, share: bool) -> bool:
        """`setup share-answers=on|off`: whether the channel's reveals may quote answers;
        False when it was already so."""
        ...

    async def forget_person(self, person_id: int) -> dict[str, int]:
        """A deletion request: delete the person's answers (taking them off the week totals),
        streaks, away periods, practice, review cards, reminder, incident sessions, lead and
        listed-admin rows, then the person. How many rows went from each table, by table name
        (``FORGET_TABLES``, every key present); all zero when there is no such person."""
        ...

    # --- on-demand practice ----------------------------------------------------------------
    async def set_practice(self, person_id: int, item_id: str | None, now: dt.datetime) -> None:
        """Remember (or, with None, forget) the practice question a person is answering."""
        ...

    async def get_practice(self, person_id: int) -> str | None: ...

    # --- spaced repetition (migration 0013) ------------------------------------------------
    async def get_review(self, person_id: int, item_id: str) -> Review | None:
        """The person's card for the item, or None before their first review of it."""
        ...

    async def save_review(self, review: Review) -> None:
        """Insert or replace the person's card for the item."""
        ...

    async def item_reviews(self, item_id: str, person_ids: Sequence[int]) -> dict[int, Review]:
        """The cards of these people for one item, by person id (those with one)."""
        ...

    async def save_reviews(self, reviews: Sequence[Review]) -> None:
        """``save_review`` of each, together (a revealed drill's answers)."""
        ...

    async def reviews(self, person_id: int) -> list[Review]:
        """All of the person's cards, soonest due first."""
        ...

    async def set_reminder(self, reminder: Reminder) -> None:
        """Switch the person's practice nudge on, or change its channel and time."""
        ...

    async def drop_reminder(self, person_id: int) -> bool:
        """Switch the person's nudge off; False when it was not on."""
        ...

    async def get_reminder(self, person_id: int) -> Reminder | None: ...

    async def all_reminders(self) -> list[Reminder]:
        """Every nudge that is on, by person id."""
        ...


class Store(Protocol):
    def transaction(self, *, read_only: bool = False) -> AbstractAsyncContextManager[Tx]:
        """One transaction. ``read_only`` promises that the block only reads: the store may
        then skip taking the write lock (SQLite), so the block never queues behind a writer."""
        ...

    async def close(self) -> None: ...
