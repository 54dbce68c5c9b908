"""Delivery leases: every scheduled post is claimed for a while, not for ever.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:00:00+00:00

A row of ``deliveries`` stands for one message drillbot must post exactly once (a drill, its
reveal, a weekly board, an idle debrief), keyed by what it is. A process takes the lease (owner,
until when) before posting and marks the row done after the platform accepted the message; a
lease whose holder died expires, and the next tick of any process takes it over. The partial
index on drills that still need posting now covers ``claimed`` as well as ``failed``, since a
claimed drill whose process died is one of them. Boards already posted (``channel_posts``) are
carried over as done deliveries, so an upgrade in the middle of a Friday does not post one twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
TO_RETRY_OLD = "state = 'failed'"
TO_RETRY = "state IN ('claimed', 'failed')"
UNFINISHED = "done_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("lease_until", UTC_TIMESTAMP, nullable=True),
        sa.Column("first_claimed_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("message_ref", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("key", name="uq_deliveries_key"),
    )
    op.create_index(
        "ix_deliveries_unfinished",
        "deliveries",
        ["key"],
        postgresql_where=sa.text(UNFINISHED),
        sqlite_where=sa.text(UNFINISHED),
    )
    op.drop_index("ix_drills_to_retry", table_name="drills")
    op.create_index(
        "ix_drills_to_retry",
        "drills",
        ["scheduled_at"],
        postgresql_where=sa.text(TO_RETRY),
        sqlite_where=sa.text(TO_RETRY),
    )
    op.execute(
        "INSERT INTO deliveries (key, first_claimed_at, attempts, done_at) "
        "SELECT 'board:' || CAST(channel_id AS VARCHAR) || ':' || key, created_at, 1, created_at "
        "FROM channel_posts WHERE kind = 'leaderboard'"
    )


def downgrade() -> None:
    op.drop_index("ix_drills_to_retry", table_name="drills")
    op.create_index(
        "ix_drills_to_retry",
        "drills",
        ["scheduled_at"],
        postgresql_where=sa.text(TO_RETRY_OLD),
        sqlite_where=sa.text(TO_RETRY_OLD),
    )
    op.drop_index("ix_deliveries_unfinished", table_name="deliveries")
    op.drop_table("deliveries")
