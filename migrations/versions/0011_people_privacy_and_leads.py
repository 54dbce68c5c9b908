"""Privacy and leads: people may opt out of public boards, channels may share answers, and
admins may list leads.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:00:00+00:00

``people.opted_out``: the person is left out of public boards and shout-outs (they still see
their own standing; leads see them as "someone"). ``channels.share_answers``: an admin of the
channel allowed its reveals to quote the answers people gave; until then no answer text is
shown to anyone but its author. Both are NOT NULL with a server default of false, so adding
them fills existing rows on both databases (SQLite adds a NOT NULL column only with a
default) and no trigger sees them.

``leads``: people an admin listed as team leads of a workspace (they see the team's insights,
they cannot change schedules). One row per workspace and person.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(128)
UTC_TIMESTAMP = sa.DateTime(timezone=True)
# The condition as SQLAlchemy writes ``WHERE people.opted_out`` on each dialect (SQLite has no
# boolean type), so each planner matches the query to the partial index.
OPTED_OUT_PG = "opted_out"
OPTED_OUT_SQLITE = "opted_out = 1"


def upgrade() -> None:
    # In place, not in batch mode: a batch rebuild on SQLite would drop the triggers that
    # name these tables' neighbours. SQLite adds a NOT NULL column when it has a default.
    op.add_column(
        "people", sa.Column("opted_out", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # Boards read the workspace's opted-out people on every read: a partial index keeps that
    # to the few who opted out, however many people the workspace has.
    op.create_index(
        "ix_people_opted_out",
        "people",
        ["workspace_id"],
        postgresql_where=sa.text(OPTED_OUT_PG),
        sqlite_where=sa.text(OPTED_OUT_SQLITE),
    )
    op.add_column(
        "channels",
        sa.Column("share_answers", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "leads",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "person_id", name="pk_leads"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_leads_workspace_id_workspaces"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_leads_person_id_people"),
    )


def downgrade() -> None:
    op.drop_table("leads")
    # SQLite 3.35+ drops a column that no index or trigger names (see 0008).
    op.drop_column("channels", "share_answers")
    op.drop_index("ix_people_opted_out", table_name="people")
    op.drop_column("people", "opted_out")
