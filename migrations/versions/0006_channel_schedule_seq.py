"""A sequence number on every saved schedule, so the scheduler reads only what changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 00:00:00+00:00

Each save of a channel's schedule stamps it with the next number of a workspace-wide sequence
(one more than the largest so far). A scheduler that has read up to number N asks only for the
channels stamped N or later: an idle tick reads a handful of rows, not thousands of schedules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "channels",
        sa.Column("schedule_seq", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_channels_schedule_seq", "channels", ["schedule_seq"])


def downgrade() -> None:
    op.drop_index("ix_channels_schedule_seq", table_name="channels")
    op.drop_column("channels", "schedule_seq")
