"""The tables, as SQLAlchemy 2 declarative classes.

The schema itself is owned by the Alembic migrations in ``migrations/``; these classes describe
it for queries, and a test checks that the two agree. Every row belongs to a workspace, directly
(``workspace_id``) or through its channel or person. Constraint and index names follow
``NAMING_CONVENTION``; the migrations spell the same names out, so later ones can refer to them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.types import UtcDateTime
from bot.domain.model import DrillState, Slot

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(128)
"""Platform ids (workspace, channel, user): short today, but a prefix may be added."""
NAME = String(255)


def _one_of(column: str, values: type[Slot] | type[DrillState]) -> str:
    quoted = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkspaceRow(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(NAME)


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"), Index(None, "schedule_seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"))
    external_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str] = mapped_column(NAME)
    # The schedule columns always hold values (the defaults until setup); has_schedule says
    # whether an admin has set them, so a channel seen once is never drilled by accident.
    has_schedule: Mapped[bool] = mapped_column(Boolean)
    post_time: Mapped[dt.time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[list[str]] = mapped_column(JSON)
    packs: Mapped[list[str]] = mapped_column(JSON)
    topics: Mapped[list[str]] = mapped_column(JSON)
    levels: Mapped[list[str]] = mapped_column(JSON)
    mcq_days: Mapped[list[str]] = mapped_column(JSON)
    mcq_time: Mapped[dt.time | None] = mapped_column(Time)
    answer_window_minutes: Mapped[int] = mapped_column(Integer)
    leaderboard_day: Mapped[str] = mapped_column(String(16))
    leaderboard_time: Mapped[dt.time] = mapped_column(Time)
    paused: Mapped[bool] = mapped_column(Boolean)
    # One more than the largest when the schedule is saved: the scheduler reads only channels
    # whose number is at least the last it saw (see Tx.channels_changed_since).
    schedule_seq: Mapped[int] = mapped_column(Integer, server_default="0")
    # Set by `setup share-answers=on` (migration 0011): reveals may quote answers people gave.
    # Off by default: no answer text is shown to anyone but its author.
    share_answers: Mapped[bool] = mapped_column(Boolean, server_default=false())


# ``WHERE people.opted_out`` as SQLAlchemy writes it on each dialect (SQLite has no boolean
# type), so both planners match the query (Tx.opted_out_people) to the partial index.
OPTED_OUT_PG = "opted_out"
OPTED_OUT_SQLITE = "opted_out = 1"


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        # Boards leave out who opted out, read on every board: only those rows are indexed.
        Index(
            "ix_people_opted_out",
            "workspace_id",
            postgresql_where=text(OPTED_OUT_PG),
            sqlite_where=text(OPTED_OUT_SQLITE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"))
    external_id: Mapped[str] = mapped_column(ID)
    display_name: Mapped[str] = mapped_column(NAME)
    # `/drill optout` (migration 0011): left out of public boards and shout-outs.
    opted_out: Mapped[bool] = mapped_column(Boolean, server_default=false())


class AwayPeriodRow(Base):
    __tablename__ = "away_periods"
    __table_args__ = (Index(None, "person_id", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)


DUE_REVEAL = "state = 'posted' AND revealed_at IS NULL"
TO_RETRY = "state IN ('claimed', 'failed')"
_POSTED = "state = 'posted'"


class DrillRow(Base):
    __tablename__ = "drills"
    __table_args__ = (
        # The exactly-once key: whichever process inserts first posts the drill.
        UniqueConstraint("channel_id", "slot", "local_date"),
        CheckConstraint(_one_of("slot", Slot), name="slot"),
        CheckConstraint(_one_of("state", DrillState), name="state"),
        # Partial indexes: the scheduler polls these every tick, and they stay tiny.
        Index(
            "ix_drills_due_reveals",
            "reveal_at",
            postgresql_where=text(DUE_REVEAL),
            sqlite_where=text(DUE_REVEAL),
        ),
        Index(
            "ix_drills_to_retry",
            "scheduled_at",
            postgresql_where=text(TO_RETRY),
            sqlite_where=text(TO_RETRY),
        ),
        # Each answer's streak update seeks the channel's previous posted day here, so the
        # answer path does not slow down as the channel's history grows.
        Index(
            "ix_drills_posted_days",
            "channel_id",
            "local_date",
            postgresql_where=text(_POSTED),
            sqlite_where=text(_POSTED),
        ),
        # A workspace's drills of a period (team insights, migration 0012).
        Index(None, "workspace_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"))
    channel_id: Mapped[int] = mapped_column(Integer, ForeignKey("channels.id"))
    slot: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[dt.date] = mapped_column(Date)
    item_id: Mapped[str] = mapped_column(NAME)
    kind: Mapped[str] = mapped_column(String(16))
    scheduled_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reveal_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    message_ref: Mapped[str | None] = mapped_column(Text)
    revealed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("drill_id", "person_id"),
        # workspace_id, channel_id and local_date copy the drill's, so a leaderboard is one
        # GROUP BY over one of these indexes, with no join to drills; they cover every column
        # the board sums, so the database never reads the answers' rows themselves.
        Index(None, "channel_id", "local_date", "person_id", "points", "correct"),
        Index(None, "workspace_id", "local_date", "person_id", "points", "correct"),
        Index(None, "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drill_id: Mapped[int] = mapped_column(Integer, ForeignKey("drills.id"))
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"))
    # Copies of the drill's (no foreign keys of their own: the drill's key already names
    # them, and each check cost the answer path; migration 0012).
    workspace_id: Mapped[str] = mapped_column(ID)
    channel_id: Mapped[int] = mapped_column(Integer)
    local_date: Mapped[dt.date] = mapped_column(Date)
    choice: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    coverage: Mapped[float | None] = mapped_column(Float)
    covered: Mapped[list[str]] = mapped_column(JSON)
    mistakes: Mapped[list[str]] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(Integer)
    # The score of the answer's first version, stored at its first edit (migration 0008);
    # NULL while it has not been edited. Points count from it (bot.domain.scoring).
    first_score: Mapped[float | None] = mapped_column(Float)
    delivery: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class WeekTotalRow(Base):
    """A person's points in one workspace and ISO week (``week_start``, a Monday), while they
    have an answer in it. Written only by triggers on ``answers`` (migration 0007), so the
    weekly board, `/drill stats` and the Home tab rank a week without summing its answers."""

    __tablename__ = "week_totals"
    __table_args__ = (
        # In points order, and covering what the board and a rank count read.
        Index(
            "ix_week_totals_ranking",
            "workspace_id",
            "week_start",
            "points",
            "correct",
            "person_id",
            "answers",
            # and what a lead's view ranks people by (migration 0012)
            "day_count",
            "last_date",
        ),
    )

    # Primary key in this order: a person's weeks (their all-time row) are one range of it.
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"), primary_key=True)
    week_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
    # What a lead's view sums per person and week (migration 0012): MCQ answers and how many
    # were right, open answers and their coverage summed, the days answered as a bitmask
    # (bit 0 Monday) and how many they are, the last day answered.
    mcq: Mapped[int] = mapped_column(Integer, server_default="0")
    mcq_right: Mapped[int] = mapped_column(Integer, server_default="0")
    open_answers: Mapped[int] = mapped_column(Integer, server_default="0")
    coverage: Mapped[float] = mapped_column(Float, server_default="0")
    days: Mapped[int] = mapped_column(Integer, server_default="0")
    day_count: Mapped[int] = mapped_column(Integer, server_default="0")
    last_date: Mapped[dt.date | None] = mapped_column(Date)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(Text)
    # Set by the database: the port passes no clock here. Kept so old keys can be pruned.
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, server_default=func.now())


class StreakRow(Base):
    __tablename__ = "streaks"

    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, ForeignKey("channels.id"), primary_key=True)
    current: Mapped[int] = mapped_column(Integer)
    best: Mapped[int] = mapped_column(Integer)
    last_date: Mapped[dt.date | None] = mapped_column(Date)


class ChannelPostRow(Base):
    __tablename__ = "channel_posts"
    __table_args__ = (UniqueConstraint("channel_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, ForeignKey("channels.id"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(NAME)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, server_default=func.now())


_UNFINISHED = "done_at IS NULL"


class DeliveryRow(Base):
    """One message that must be posted exactly once, and the lease of whoever is posting it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("key"),
        Index(
            "ix_deliveries_unfinished",
            "key",
            postgresql_where=text(_UNFINISHED),
            sqlite_where=text(_UNFINISHED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(NAME)
    owner: Mapped[str | None] = mapped_column(ID)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    first_claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    message_ref: Mapped[str | None] = mapped_column(Text)


class PracticeRow(Base):
    __tablename__ = "practice"

    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(NAME)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ListedAdminRow(Base):
    """People an admin allowed to run admin commands, beyond the platform's own admins."""

    __tablename__ = "listed_admins"

    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)


class LeadRow(Base):
    """People an admin listed as leads of a workspace (migration 0011): they see the team's
    insights, they cannot change schedules."""

    __tablename__ = "leads"

    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, server_default=func.now())


class DrillTotalRow(Base):
    """A closed drill's answers summed (migration 0012): written at its reveal, or by the
    first insights read that finds it missing. ``covered`` and ``mistakes`` map each key point
    or mistake id to how many answers showed it."""

    __tablename__ = "drill_totals"
    __table_args__ = (Index(None, "workspace_id", "local_date"),)

    drill_id: Mapped[int] = mapped_column(Integer, ForeignKey("drills.id"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID)
    channel_id: Mapped[int] = mapped_column(Integer)
    local_date: Mapped[dt.date] = mapped_column(Date)
    item_id: Mapped[str] = mapped_column(NAME)
    answers: Mapped[int] = mapped_column(Integer)
    mcq: Mapped[int] = mapped_column(Integer)
    mcq_right: Mapped[int] = mapped_column(Integer)
    open_answers: Mapped[int] = mapped_column(Integer)
    coverage: Mapped[float] = mapped_column(Float)
    covered: Mapped[dict[str, int]] = mapped_column(JSON)
    mistakes: Mapped[dict[str, int]] = mapped_column(JSON)


class TeamWeekRow(Base):
    """A settled week's participation (migration 0012), per workspace (``channel_id`` 0) or
    channel: people who answered in it, and in the four weeks up to it. Counted once."""

    __tablename__ = "team_weeks"

    workspace_id: Mapped[str] = mapped_column(ID, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    active: Mapped[int] = mapped_column(Integer)
    pool: Mapped[int] = mapped_column(Integer)


class RosterPartRow(Base):
    """Each person's sums over a run of settled weeks of a workspace (migration 0012): days
    answered and answers packed in ``k`` (days * 2**20 + answers), and the last day answered.
    A row with ``person_id`` 0 marks the run as summed (``k`` holds how many people)."""

    __tablename__ = "roster_parts"

    workspace_id: Mapped[str] = mapped_column(ID, primary_key=True)
    first_week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    k: Mapped[int] = mapped_column(BigInteger)
    last_date: Mapped[dt.date | None] = mapped_column(Date)


class ReviewRow(Base):
    """One person's FSRS card for one item (migration 0013): every graded answer, daily or
    practice, is a review of it. ``grade`` and ``before`` (the card before that review) let a
    self-rating replace the last review's grade rather than add a second review."""

    __tablename__ = "reviews"
    __table_args__ = (Index(None, "person_id", "due"),)

    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    topic: Mapped[str] = mapped_column(NAME)
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_review: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    reps: Mapped[int] = mapped_column(Integer)
    lapses: Mapped[int] = mapped_column(Integer)
    grade: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    practice_reviews: Mapped[int] = mapped_column(Integer)
    """How many of ``reps`` came from practice rather than daily drills (``/drill stats``)."""


class ReminderRow(Base):
    """A person's opt-in practice nudge (migration 0013): on the drill days of ``channel_id``
    at ``at_time`` in that channel's zone, when something is due."""

    __tablename__ = "reminders"

    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, ForeignKey("channels.id"))
    at_time: Mapped[dt.time] = mapped_column(Time)


metadata = Base.metadata
