"""Statements on the answer path, written as SQL text.

SQLAlchemy does not cache the compiled form of dialect ``INSERT ... ON CONFLICT`` constructs,
so building them per answer costs more than running them. A ``text()`` statement is compiled
once and reused. The SQL is the same on SQLite (3.35+) and PostgreSQL; the contract tests run
both.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Text, bindparam, text

from bot.db.tables import AnswerRow, StreakRow
from bot.db.types import UtcDateTime

CLAIM_SUBMISSION = text(
    'INSERT INTO submissions (workspace_id, "key") VALUES (:workspace_id, :key) '
    'ON CONFLICT (workspace_id, "key") DO NOTHING RETURNING id'
).bindparams(bindparam("workspace_id", type_=String), bindparam("key", type_=Text))

_ANSWER_COLUMNS = (
    "drill_id, person_id, workspace_id, channel_id, local_date, choice, text, correct, "
    "coverage, covered, mistakes, points, delivery, created_at, updated_at"
)

INSERT_ANSWER = (
    text(
        f"INSERT INTO answers ({_ANSWER_COLUMNS}) VALUES (:drill_id, :person_id, :workspace_id, "
        ":channel_id, :local_date, :choice, :text, :correct, :coverage, :covered, :mistakes, "
        ":points, :delivery, :created_at, :updated_at) "
        "ON CONFLICT (drill_id, person_id) DO NOTHING RETURNING id"
    )
    .bindparams(
        bindparam("drill_id", type_=Integer),
        bindparam("person_id", type_=Integer),
        bindparam("workspace_id", type_=String),
        bindparam("channel_id", type_=Integer),
        bindparam("local_date", type_=Date),
        bindparam("choice", type_=String),
        bindparam("text", type_=Text),
        bindparam("correct", type_=Boolean),
        bindparam("coverage", type_=Float),
        bindparam("covered", type_=JSON),
        bindparam("mistakes", type_=JSON),
        bindparam("points", type_=Integer),
        bindparam("delivery", type_=Text),
        bindparam("created_at", type_=UtcDateTime()),
        bindparam("updated_at", type_=UtcDateTime()),
    )
    .columns(AnswerRow.__table__.c.id)
)

# The previous posted drill day of the channel that the person was not away on. Newest first
# with LIMIT 1 (not max()), so both databases walk ix_drills_posted_days backwards from ``day``
# and stop at the first day that counts, however long the channel's history. A CTE, so the
# three places that need it share one look-up: PostgreSQL and SQLite (3.35+) evaluate a CTE
# used more than once a single time.
_PREVIOUS_DAY_CTE = (
    "WITH previous AS (SELECT d.local_date AS prev_day FROM drills d "
    "WHERE d.channel_id = :channel_id AND d.state = 'posted' AND d.local_date < :day "
    "AND NOT EXISTS (SELECT 1 FROM away_periods a WHERE a.person_id = :person_id "
    "AND a.start_date <= d.local_date AND a.end_date >= d.local_date) "
    "ORDER BY d.local_date DESC LIMIT 1) "
)
_NEXT_CURRENT = (
    "CASE WHEN streaks.last_date >= :day THEN streaks.current "
    "WHEN streaks.last_date = (SELECT prev_day FROM previous) THEN streaks.current + 1 ELSE 1 END"
)

ADVANCE_STREAK = (
    text(
        f"{_PREVIOUS_DAY_CTE}"
        "INSERT INTO streaks (person_id, channel_id, current, best, last_date) "
        "VALUES (:person_id, :channel_id, 1, 1, :day) "
        "ON CONFLICT (person_id, channel_id) DO UPDATE SET "
        f"current = {_NEXT_CURRENT}, "
        f"best = CASE WHEN {_NEXT_CURRENT} > streaks.best THEN {_NEXT_CURRENT} "
        "ELSE streaks.best END, "
        "last_date = CASE WHEN streaks.last_date >= :day THEN streaks.last_date ELSE :day END "
        "RETURNING person_id, channel_id, current, best, last_date"
    )
    .bindparams(
        bindparam("person_id", type_=Integer),
        bindparam("channel_id", type_=Integer),
        bindparam("day", type_=Date),
    )
    .columns(*StreakRow.__table__.columns)
)
