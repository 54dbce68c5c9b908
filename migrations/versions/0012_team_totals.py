"""Team insights from kept totals: richer weekly rows, each closed drill's totals, past weeks'
participation pools; and the answer row checks only the keys that say something.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 00:00:00+00:00

`/drill team` for a workspace of 10,000 people summed a month of answers (80,000 rows, their
key points through the JSON lists) on every call: about half a second. It now reads:

- ``week_totals`` (0007), which gains what a lead's view needs per person and week: MCQ answers
  and how many were right, open answers and their summed coverage, the days answered as a
  bitmask (bit 0 Monday ... bit 6 Sunday; a person answering in two channels on one day
  answered one day), and the last day answered. The answers trigger keeps them as it keeps the
  points; a deleted answer takes its counts off but leaves the day's bit and the last day (the
  only delete is ``drillbot forget``, which removes all of a person's answers and so the row).
- ``drill_totals``: one row per drill whose answer window has closed, written when it is
  revealed (or by the first insights read that finds it missing): its answers, MCQ right,
  coverage summed, and per key point and per mistake how many answers showed it. A closed
  drill's answers no longer change, so the row stays right; ``forget`` deletes the rows of the
  drills the person answered and they are summed again.
- ``team_weeks``: per workspace (``channel_id`` 0) or channel and settled week (ended two days
  ago: its last drill's window has closed), how many people answered in it and in the four
  weeks up to it (the participation rate), counted once when first read.
- ``roster_parts``: per workspace and run of settled weeks, each person's days answered and
  answers (packed in one number, ``k``) and last day answered, summed once when first read: a
  lead's period is then those sums plus the weeks not settled yet, a third or less of the rows.
  ``forget`` clears the workspace's ``team_weeks`` and ``roster_parts``.

The answer row loses its foreign keys to ``workspaces`` and ``channels``: the drill's key names
both (the service copies them from the drill), and checking each on every answer was a fifth of
what an answer costs beyond a plain INSERT on PostgreSQL. On SQLite that means rebuilding the
table, so the answers triggers are dropped first and created again after, in their new form.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_WEEK = "date({}.local_date, 'weekday 0', '-6 days')"
POSTGRES_WEEK = "date_trunc('week', {}.local_date)::date"
SQLITE_DAY_BIT = "(1 << ((CAST(strftime('%w', {}.local_date) AS INTEGER) + 6) % 7))"
POSTGRES_DAY_BIT = "(1 << (extract(isodow FROM {}.local_date)::int - 1))"
CORRECT = "CASE WHEN {}.correct THEN 1 ELSE 0 END"
MCQ = "CASE WHEN {}.coverage IS NULL THEN 1 ELSE 0 END"
MCQ_RIGHT = "CASE WHEN {0}.coverage IS NULL AND {0}.correct THEN 1 ELSE 0 END"
OPEN = "CASE WHEN {}.coverage IS NULL THEN 0 ELSE 1 END"
COVERAGE = "COALESCE({}.coverage, 0.0)"
COLUMNS = "points, correct, coverage, local_date, person_id, workspace_id"

RANKING = [
    "workspace_id",
    "week_start",
    "points",
    "correct",
    "person_id",
    "answers",
    "day_count",
    "last_date",
]
NEW_COLUMNS = ("mcq", "mcq_right", "open_answers", "coverage", "days", "day_count", "last_date")


def _sql(postgres: bool) -> dict[str, str]:
    return {
        "week": POSTGRES_WEEK if postgres else SQLITE_WEEK,
        "day": POSTGRES_DAY_BIT if postgres else SQLITE_DAY_BIT,
        "later": "greatest" if postgres else "max",
    }


def _add(postgres: bool) -> str:
    s = _sql(postgres)
    values = ", ".join(
        [
            "NEW.workspace_id",
            s["week"].format("NEW"),
            "NEW.person_id",
            "NEW.points",
            "1",
            CORRECT.format("NEW"),
            MCQ.format("NEW"),
            MCQ_RIGHT.format("NEW"),
            OPEN.format("NEW"),
            COVERAGE.format("NEW"),
            s["day"].format("NEW"),
            "1",
            "NEW.local_date",
        ]
    )
    return (
        "INSERT INTO week_totals (workspace_id, week_start, person_id, points, answers, correct, "
        f"mcq, mcq_right, open_answers, coverage, days, day_count, last_date) VALUES ({values}) "
        "ON CONFLICT (workspace_id, person_id, week_start) DO UPDATE SET "
        "points = week_totals.points + excluded.points, "
        "answers = week_totals.answers + 1, "
        "correct = week_totals.correct + excluded.correct, "
        "mcq = week_totals.mcq + excluded.mcq, "
        "mcq_right = week_totals.mcq_right + excluded.mcq_right, "
        "open_answers = week_totals.open_answers + excluded.open_answers, "
        "coverage = week_totals.coverage + excluded.coverage, "
        "day_count = week_totals.day_count "
        "+ CASE WHEN week_totals.days & excluded.days = 0 THEN 1 ELSE 0 END, "
        "days = week_totals.days | excluded.days, "
        f"last_date = {s['later']}(week_totals.last_date, excluded.last_date)"
    )


def _take_off(postgres: bool) -> str:
    """Take the old answer off; a week left with no answer goes (no row: no place)."""
    row = (
        "WHERE workspace_id = OLD.workspace_id "
        f"AND week_start = {_sql(postgres)['week'].format('OLD')} AND person_id = OLD.person_id"
    )
    return (
        "UPDATE week_totals SET points = points - OLD.points, answers = answers - 1, "
        f"correct = correct - {CORRECT.format('OLD')}, mcq = mcq - {MCQ.format('OLD')}, "
        f"mcq_right = mcq_right - {MCQ_RIGHT.format('OLD')}, "
        f"open_answers = open_answers - {OPEN.format('OLD')}, "
        f"coverage = coverage - {COVERAGE.format('OLD')} {row}; "
        f"DELETE FROM week_totals {row} AND answers = 0"
    )


# The streak upsert of 0010, unchanged (a migration is a snapshot: it does not import another).
PREVIOUS_DAY = (
    "(SELECT d.local_date FROM drills d "
    "WHERE d.channel_id = NEW.channel_id AND d.state = 'posted' "
    "AND d.local_date < NEW.local_date "
    "AND NOT EXISTS (SELECT 1 FROM away_periods a WHERE a.person_id = NEW.person_id "
    "AND a.start_date <= d.local_date AND a.end_date >= d.local_date) "
    "ORDER BY d.local_date DESC LIMIT 1)"
)
_FOLLOWING = (
    "CASE WHEN streaks.last_date >= NEW.local_date THEN streaks.current "
    f"WHEN streaks.last_date = {PREVIOUS_DAY} THEN streaks.current + 1 ELSE 1 END"
)
STREAK = (
    "INSERT INTO streaks (person_id, channel_id, current, best, last_date) "
    "VALUES (NEW.person_id, NEW.channel_id, 1, 1, NEW.local_date) "
    "ON CONFLICT (person_id, channel_id) DO UPDATE SET "
    f"current = {_FOLLOWING}, "
    f"best = CASE WHEN {_FOLLOWING} > streaks.best THEN {_FOLLOWING} ELSE streaks.best END, "
    "last_date = CASE WHEN streaks.last_date >= NEW.local_date THEN streaks.last_date "
    "ELSE NEW.local_date END"
)
OLD_COLUMNS = "points, correct, local_date, person_id, workspace_id"


def _backfill_week_totals(postgres: bool) -> None:
    s = _sql(postgres)
    week = s["week"].format("answers")
    op.execute("DELETE FROM week_totals")
    # A sum of distinct powers of two is their OR: the days answered, on both databases.
    op.execute(
        "INSERT INTO week_totals (workspace_id, week_start, person_id, points, answers, correct, "
        "mcq, mcq_right, open_answers, coverage, days, day_count, last_date) "
        f"SELECT workspace_id, {week}, person_id, sum(points), count(*), "
        f"sum({CORRECT.format('answers')}), sum({MCQ.format('answers')}), "
        f"sum({MCQ_RIGHT.format('answers')}), sum({OPEN.format('answers')}), "
        f"sum({COVERAGE.format('answers')}), sum(DISTINCT {s['day'].format('answers')}), "
        "count(DISTINCT local_date), "
        f"max(local_date) FROM answers GROUP BY workspace_id, {week}, person_id"
    )


def _triggers(postgres: bool) -> None:
    if postgres:
        op.execute(
            # An insert, by far the most frequent, runs one statement: the week's upsert as a
            # data-modifying WITH of the streak's (each statement plpgsql runs costs a call).
            "CREATE OR REPLACE FUNCTION answers_keep() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'INSERT' THEN WITH week AS ({_add(True)} RETURNING 1) {STREAK}; "
            f"ELSIF TG_OP = 'UPDATE' THEN {_take_off(True)}; {_add(True)}; "
            f"ELSE {_take_off(True)}; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER answers_keep AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} "
            "ON answers FOR EACH ROW EXECUTE FUNCTION answers_keep()"
        )
        return
    op.execute(
        "CREATE TRIGGER answers_week_totals_insert AFTER INSERT ON answers "
        f"BEGIN {_add(False)}; END"
    )
    op.execute(
        f"CREATE TRIGGER answers_week_totals_update AFTER UPDATE OF {COLUMNS} ON answers "
        f"BEGIN {_take_off(False)}; {_add(False)}; END"
    )
    op.execute(
        f"CREATE TRIGGER answers_week_totals_delete AFTER DELETE ON answers "
        f"BEGIN {_take_off(False)}; END"
    )
    op.execute(f"CREATE TRIGGER answers_streak AFTER INSERT ON answers BEGIN {STREAK}; END")


def _drop_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER answers_keep ON answers")
        return
    for name in (
        "answers_week_totals_insert",
        "answers_week_totals_update",
        "answers_week_totals_delete",
        "answers_streak",
    ):
        op.execute(f"DROP TRIGGER {name}")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgres)
    with op.batch_alter_table("answers") as batch:
        batch.drop_constraint("fk_answers_workspace_id_workspaces", type_="foreignkey")
        batch.drop_constraint("fk_answers_channel_id_channels", type_="foreignkey")
    with op.batch_alter_table("week_totals") as batch:
        for name in ("mcq", "mcq_right", "open_answers", "days", "day_count"):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("coverage", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_date", sa.Date(), nullable=True))
    _backfill_week_totals(postgres)
    _triggers(postgres)

    op.create_table(
        "drill_totals",
        sa.Column("drill_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("item_id", sa.String(255), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("mcq", sa.Integer(), nullable=False),
        sa.Column("mcq_right", sa.Integer(), nullable=False),
        sa.Column("open_answers", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("covered", sa.JSON(), nullable=False),
        sa.Column("mistakes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name="fk_drill_totals_drill_id_drills"
        ),
        sa.PrimaryKeyConstraint("drill_id", name="pk_drill_totals"),
    )
    op.create_index(
        "ix_drill_totals_workspace_id_local_date", "drill_totals", ["workspace_id", "local_date"]
    )
    # A workspace's drills of a period (posted days, drills still to be summed).
    op.create_index("ix_drills_workspace_id_local_date", "drills", ["workspace_id", "local_date"])
    # The board's covering index, now covering what a lead's view sums too: the same one index
    # entry changes per answer, only wider.
    op.drop_index("ix_week_totals_ranking", table_name="week_totals")
    op.create_index("ix_week_totals_ranking", "week_totals", RANKING)
    op.create_table(
        "team_weeks",
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("pool", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "channel_id", "week_start", name="pk_team_weeks"),
    )
    op.create_table(
        "roster_parts",
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("first_week", sa.Date(), nullable=False),
        sa.Column("last_week", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("k", sa.BigInteger(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint(
            "workspace_id", "first_week", "last_week", "person_id", name="pk_roster_parts"
        ),
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("roster_parts")
    op.drop_table("team_weeks")
    op.drop_index("ix_drills_workspace_id_local_date", table_name="drills")
    op.drop_index("ix_week_totals_ranking", table_name="week_totals")
    op.create_index("ix_week_totals_ranking", "week_totals", RANKING[:6])
    op.drop_index("ix_drill_totals_workspace_id_local_date", table_name="drill_totals")
    op.drop_table("drill_totals")
    _drop_triggers(postgres)
    with op.batch_alter_table("week_totals") as batch:
        for name in NEW_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table("answers") as batch:
        batch.create_foreign_key(
            "fk_answers_workspace_id_workspaces", "workspaces", ["workspace_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_answers_channel_id_channels", "channels", ["channel_id"], ["id"]
        )
    # The triggers of 0010, as they were.
    week = _sql(postgres)["week"]
    add = (
        "INSERT INTO week_totals (workspace_id, week_start, person_id, points, answers, correct) "
        f"VALUES (NEW.workspace_id, {week.format('NEW')}, NEW.person_id, NEW.points, 1, "
        f"{CORRECT.format('NEW')}) "
        "ON CONFLICT (workspace_id, person_id, week_start) DO UPDATE SET "
        "points = week_totals.points + excluded.points, "
        "answers = week_totals.answers + 1, "
        "correct = week_totals.correct + excluded.correct"
    )
    old_row = (
        "WHERE workspace_id = OLD.workspace_id "
        f"AND week_start = {week.format('OLD')} AND person_id = OLD.person_id"
    )
    take_off = (
        "UPDATE week_totals SET points = points - OLD.points, answers = answers - 1, "
        f"correct = correct - {CORRECT.format('OLD')} {old_row}; "
        f"DELETE FROM week_totals {old_row} AND answers = 0"
    )
    if postgres:
        op.execute(
            "CREATE OR REPLACE FUNCTION answers_keep() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP IN ('UPDATE', 'DELETE') THEN {take_off}; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {add}; END IF; "
            f"IF TG_OP = 'INSERT' THEN {STREAK}; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER answers_keep AFTER INSERT OR DELETE OR UPDATE OF {OLD_COLUMNS} "
            "ON answers FOR EACH ROW EXECUTE FUNCTION answers_keep()"
        )
        return
    op.execute(
        f"CREATE TRIGGER answers_week_totals_insert AFTER INSERT ON answers BEGIN {add}; END"
    )
    op.execute(
        f"CREATE TRIGGER answers_week_totals_update AFTER UPDATE OF {OLD_COLUMNS} ON answers "
        f"BEGIN {take_off}; {add}; END"
    )
    op.execute(
        f"CREATE TRIGGER answers_week_totals_delete AFTER DELETE ON answers BEGIN {take_off}; END"
    )
    op.execute(f"CREATE TRIGGER answers_streak AFTER INSERT ON answers BEGIN {STREAK}; END")
