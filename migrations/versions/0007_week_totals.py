"""Each person's points per workspace and ISO week, kept by the database as answers change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:00:00+00:00

`/drill stats`, the Home tab and the workspace's weekly board rank everyone who answered this
week. Summing a week of answers for that (a GROUP BY over tens of thousands of rows at 10,000
people) costs more than those reads may take, so triggers on ``answers`` keep one row per
workspace, week and person: an insert adds the answer, an edit takes the old values off and
adds the new ones, a delete takes them off. The triggers are the only writers, so every path
that writes answers keeps the totals right, and the board reads one row per person, in points
order from an index. ``week_start`` is the Monday of the answer's local date (ISO weeks, as the
boards count them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_WEEK = "date({}.local_date, 'weekday 0', '-6 days')"
POSTGRES_WEEK = "date_trunc('week', {}.local_date)::date"
CORRECT = "CASE WHEN {}.correct THEN 1 ELSE 0 END"


def _add(week: str) -> str:
    return (
        "INSERT INTO week_totals (workspace_id, week_start, person_id, points, answers, correct) "
        f"VALUES (NEW.workspace_id, {week.format('NEW')}, NEW.person_id, NEW.points, 1, "
        f"{CORRECT.format('NEW')}) "
        "ON CONFLICT (workspace_id, person_id, week_start) DO UPDATE SET "
        "points = week_totals.points + excluded.points, "
        "answers = week_totals.answers + 1, "
        "correct = week_totals.correct + excluded.correct"
    )


def _take_off(week: str) -> str:
    """Take the old answer off; a week left with no answer goes (no row: no place)."""
    row = (
        "WHERE workspace_id = OLD.workspace_id "
        f"AND week_start = {week.format('OLD')} AND person_id = OLD.person_id"
    )
    return (
        "UPDATE week_totals SET points = points - OLD.points, answers = answers - 1, "
        f"correct = correct - {CORRECT.format('OLD')} {row}; "
        f"DELETE FROM week_totals {row} AND answers = 0"
    )


COLUMNS = "points, correct, local_date, person_id, workspace_id"


def upgrade() -> None:
    op.create_table(
        "week_totals",
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_week_totals_workspace_id_workspaces"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_week_totals_person_id_people"
        ),
        # Person before week: a person's weeks (their all-time row) are one range of it.
        sa.PrimaryKeyConstraint("workspace_id", "person_id", "week_start", name="pk_week_totals"),
    )
    # In points order, and covering what the board and a rank count read.
    op.create_index(
        "ix_week_totals_ranking",
        "week_totals",
        ["workspace_id", "week_start", "points", "correct", "person_id", "answers"],
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    week = POSTGRES_WEEK if postgres else SQLITE_WEEK
    # The weeks answered so far, then the triggers that keep them.
    op.execute(
        "INSERT INTO week_totals (workspace_id, week_start, person_id, points, answers, correct) "
        f"SELECT workspace_id, {week.format('answers')}, person_id, sum(points), count(*), "
        f"sum({CORRECT.format('answers')}) FROM answers "
        f"GROUP BY workspace_id, {week.format('answers')}, person_id"
    )
    if postgres:
        op.execute(
            "CREATE FUNCTION week_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_take_off(week)}; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_add(week)}; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER answers_week_totals AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} "
            "ON answers FOR EACH ROW EXECUTE FUNCTION week_totals_keep()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER answers_week_totals_insert AFTER INSERT ON answers "
            f"BEGIN {_add(week)}; END"
        )
        op.execute(
            f"CREATE TRIGGER answers_week_totals_update AFTER UPDATE OF {COLUMNS} ON answers "
            f"BEGIN {_take_off(week)}; {_add(week)}; END"
        )
        op.execute(
            f"CREATE TRIGGER answers_week_totals_delete AFTER DELETE ON answers "
            f"BEGIN {_take_off(week)}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER answers_week_totals ON answers")
        op.execute("DROP FUNCTION week_totals_keep()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER answers_week_totals_{event}")
    op.drop_index(
        "ix_week_totals_ranking",
        table_name="week_totals",
    )
    op.drop_table("week_totals")
