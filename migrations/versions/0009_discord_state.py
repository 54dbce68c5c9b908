"""Discord adapter state: small values the Discord runtime keeps between starts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 00:00:00+00:00

One row per key (``bot/adapters/discord/state.py`` describes the same table). Today it holds
the hash of the application commands last synced (Discord rate-limits syncs, so a start syncs
only when the definition changed) and, for a server the bot left, the channels whose schedules
leaving paused (joining again resumes exactly those).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discord_state",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_discord_state"),
    )


def downgrade() -> None:
    op.drop_table("discord_state")
