"""Mock incident sessions (`/drill incident`): one row per session, one active per person.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02 00:00:00+00:00

Written by hand, like 0001; ``bot/db/incident_store.py`` describes the same table
(``IncidentSessionRow``) and ``tests/db/test_incident_store.py`` checks that they agree.
``active_person_id`` holds the person id while the session is active and NULL afterwards: its
unique constraint is the "one active session per person" rule, on SQLite and PostgreSQL alike
(both let any number of rows hold NULL under a unique constraint).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(128)
NAME = sa.String(255)
UTC_TIMESTAMP = sa.DateTime(timezone=True)

ACTIVE = "state = 'active'"


def upgrade() -> None:
    op.create_table(
        "incident_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("active_person_id", sa.Integer(), nullable=True),
        sa.Column("scenario_id", NAME, nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("hinted_stages", sa.JSON(), nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_activity_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("finished_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_delivery", sa.Text(), nullable=True),
        # "<channel>|<message ref>" of a session run in a channel thread (`incident here`).
        sa.Column("thread", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incident_sessions"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_incident_sessions_workspace_id_workspaces"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_incident_sessions_person_id_people"
        ),
        sa.UniqueConstraint("active_person_id", name="uq_incident_sessions_active_person_id"),
        sa.CheckConstraint(
            "state IN ('active', 'finished', 'stopped', 'expired')",
            name=op.f("ck_incident_sessions_state"),  # final: see 0001's check constraints
        ),
        sa.CheckConstraint(
            "(state = 'active' AND active_person_id = person_id) "
            "OR (state <> 'active' AND active_person_id IS NULL)",
            name=op.f("ck_incident_sessions_active"),  # final: see 0001's check constraints
        ),
    )
    op.create_index(
        "ix_incident_sessions_workspace_id_local_date",
        "incident_sessions",
        ["workspace_id", "local_date"],
    )
    op.create_index(
        "ix_incident_sessions_person_id_started_at",
        "incident_sessions",
        ["person_id", "started_at"],
    )
    op.create_index(
        "ix_incident_sessions_idle",
        "incident_sessions",
        ["last_activity_at"],
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_table("incident_sessions")
