"""The first answer's score, kept when an open answer is edited.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:00:00+00:00

Edits stay allowed until the reveal, but points count from the first version's score plus a
share of what later versions improve on it (``bot.domain.scoring.counted_score``), so pasting
the feedback back cannot buy the top of the board. The first edit stores the answer's score
as it stood in ``first_score``; NULL means never edited (the score is still the first).
Answers edited before this migration keep NULL: their first version is gone, so their current
score stands in for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable with no default: adding it rewrites no row on either database, and the
    # week_totals triggers (UPDATE OF points, correct, ...) never see it.
    op.add_column("answers", sa.Column("first_score", sa.Float(), nullable=True))


def downgrade() -> None:
    # In place, not in batch mode: a batch rebuild of answers on SQLite would drop the
    # week_totals triggers with the old table. SQLite 3.35+ (needed for RETURNING anyway)
    # drops a column that no index or trigger names.
    op.drop_column("answers", "first_score")
