"""The streak is counted by the database as the answer is inserted: one statement per answer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 00:00:00+00:00

Until now the answer path inserted the answer and then ran a second statement to advance the
person's streak in the channel. On SQLite every statement is several hops to the driver's
thread, on PostgreSQL a round trip, and the answer path is meant to cost no more than about two
plain INSERTs (bench/engine_bench.py). A trigger on ``answers`` now does it inside the
INSERT, like the week totals (0007), so every path that records an answer counts its day.

The rule is ``bot.domain.streaks.advance``: the streak goes on when the person's last counted
day is the channel's previous posted drill day they were not away on, stays when the day was
already counted, and starts again at 1 otherwise. The previous day is found newest first
with LIMIT 1 over ``ix_drills_posted_days``, so the cost does not grow with history.
Existing streak rows are left as they are: they were kept by the same rule.

On PostgreSQL each trigger call has a fixed cost (about 0.1 ms, measured with pgbench), so the
week totals' trigger of 0007 and this one become one function, ``answers_keep``, with the week
totals' statements as 0007 wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREVIOUS_DAY = (
    "SELECT d.local_date FROM drills d "
    "WHERE d.channel_id = NEW.channel_id AND d.state = 'posted' "
    "AND d.local_date < NEW.local_date "
    "AND NOT EXISTS (SELECT 1 FROM away_periods a WHERE a.person_id = NEW.person_id "
    "AND a.start_date <= d.local_date AND a.end_date >= d.local_date) "
    "ORDER BY d.local_date DESC LIMIT 1"
)


def _upsert(previous: str) -> str:
    # The subquery walks ix_drills_posted_days newest first and stops at the first day that
    # counts. It depends on NEW only, so each of its three copies runs at most once per
    # statement (SQLite's Once, PostgreSQL's InitPlan): three index seeks at worst, cheaper
    # than a second statement.
    following = (
        "CASE WHEN streaks.last_date >= NEW.local_date THEN streaks.current "
        f"WHEN streaks.last_date = {previous} THEN streaks.current + 1 ELSE 1 END"
    )
    return (
        "INSERT INTO streaks (person_id, channel_id, current, best, last_date) "
        "VALUES (NEW.person_id, NEW.channel_id, 1, 1, NEW.local_date) "
        "ON CONFLICT (person_id, channel_id) DO UPDATE SET "
        f"current = {following}, "
        f"best = CASE WHEN {following} > streaks.best THEN {following} ELSE streaks.best END, "
        "last_date = CASE WHEN streaks.last_date >= NEW.local_date THEN streaks.last_date "
        "ELSE NEW.local_date END"
    )


# The week totals' statements of 0007, unchanged (a migration is a snapshot: it does not
# import another one).
POSTGRES_WEEK = "date_trunc('week', {}.local_date)::date"
CORRECT = "CASE WHEN {}.correct THEN 1 ELSE 0 END"
COLUMNS = "points, correct, local_date, person_id, workspace_id"
ADD_TO_WEEK = (
    "INSERT INTO week_totals (workspace_id, week_start, person_id, points, answers, correct) "
    f"VALUES (NEW.workspace_id, {POSTGRES_WEEK.format('NEW')}, NEW.person_id, NEW.points, 1, "
    f"{CORRECT.format('NEW')}) "
    "ON CONFLICT (workspace_id, person_id, week_start) DO UPDATE SET "
    "points = week_totals.points + excluded.points, "
    "answers = week_totals.answers + 1, "
    "correct = week_totals.correct + excluded.correct"
)
_OLD_ROW = (
    "WHERE workspace_id = OLD.workspace_id "
    f"AND week_start = {POSTGRES_WEEK.format('OLD')} AND person_id = OLD.person_id"
)
TAKE_OFF_WEEK = (
    "UPDATE week_totals SET points = points - OLD.points, answers = answers - 1, "
    f"correct = correct - {CORRECT.format('OLD')} {_OLD_ROW}; "
    f"DELETE FROM week_totals {_OLD_ROW} AND answers = 0"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # One statement per table, as every statement plpgsql runs costs a call of its own.
        op.execute("DROP TRIGGER answers_week_totals ON answers")
        op.execute("DROP FUNCTION week_totals_keep()")
        op.execute(
            "CREATE FUNCTION answers_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {TAKE_OFF_WEEK}; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {ADD_TO_WEEK}; END IF; "
            f"IF TG_OP = 'INSERT' THEN {_upsert(f'({PREVIOUS_DAY})')}; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER answers_keep AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} "
            "ON answers FOR EACH ROW EXECUTE FUNCTION answers_keep()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER answers_streak AFTER INSERT ON answers "
            f"BEGIN {_upsert(f'({PREVIOUS_DAY})')}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER answers_keep ON answers")
        op.execute("DROP FUNCTION answers_keep()")
        op.execute(
            "CREATE FUNCTION week_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {TAKE_OFF_WEEK}; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {ADD_TO_WEEK}; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER answers_week_totals AFTER INSERT OR DELETE OR UPDATE OF {COLUMNS} "
            "ON answers FOR EACH ROW EXECUTE FUNCTION week_totals_keep()"
        )
    else:
        op.execute("DROP TRIGGER answers_streak")
