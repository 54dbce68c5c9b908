"""Posted drill days by channel: the answer path's "previous drill day" is an index seek.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:00:00+00:00

Every answer advances its author's streak, which needs the channel's latest posted drill day
before the drill's own. Without an index that looked through the channel's whole drill history
(the unique key is channel, slot, date: the slot sits between), so the answer path slowed as a
channel aged. A partial index over posted drills, by channel and date, turns it into a backward
seek that stops at the first day the person was not away.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTED = "state = 'posted'"


def upgrade() -> None:
    op.create_index(
        "ix_drills_posted_days",
        "drills",
        ["channel_id", "local_date"],
        postgresql_where=sa.text(POSTED),
        sqlite_where=sa.text(POSTED),
    )


def downgrade() -> None:
    op.drop_index("ix_drills_posted_days", table_name="drills")
