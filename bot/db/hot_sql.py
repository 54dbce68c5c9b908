"""Statements on the answer path, written as SQL text.

SQLAlchemy does not cache the compiled form of dialect ``INSERT ... ON CONFLICT`` constructs,
so building them per answer costs more than running them. A ``text()`` statement is compiled
once and reused. The SQL is the same on SQLite (3.35+) and PostgreSQL; the contract tests run
both.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Text, bindparam, text

from bot.db.tables import AnswerRow
from bot.db.types import UtcDateTime

CLAIM_SUBMISSION = text(
    'INSERT INTO submissions (workspace_id, "key") VALUES (:workspace_id, :key) '
    'ON CONFLICT (workspace_id, "key") DO NOTHING RETURNING id'
).bindparams(bindparam("workspace_id", type_=String), bindparam("key", type_=Text))

_ANSWER_COLUMNS = (
    "drill_id, person_id, workspace_id, channel_id, local_date, choice, text, correct, "
    "coverage, covered, mistakes, points, delivery, created_at, updated_at"
)

_INSERT_ANSWER = (
    f"INSERT INTO answers ({_ANSWER_COLUMNS}) VALUES (:drill_id, :person_id, :workspace_id, "
    ":channel_id, :local_date, :choice, :text, :correct, :coverage, :covered, :mistakes, "
    ":points, :delivery, :created_at, :updated_at) "
    "ON CONFLICT (drill_id, person_id) DO NOTHING"
)
_ANSWER_PARAMETERS = (
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

INSERT_ANSWER = (
    text(f"{_INSERT_ANSWER} RETURNING id")
    .bindparams(*_ANSWER_PARAMETERS)
    .columns(AnswerRow.__table__.c.id)
)
INSERT_ANSWER_SQLITE = text(_INSERT_ANSWER).bindparams(*_ANSWER_PARAMETERS)
"""Without RETURNING: the cursor's rowcount says whether a row went in, its lastrowid which."""
