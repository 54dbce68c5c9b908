"""Spaced repetition: one FSRS card per person and item, and opt-in practice reminders.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 00:00:00+00:00

- ``reviews``: per person and item the FSRS card (state, learning step, stability,
  difficulty, due, last review), how many reviews and lapses it has had, the last review's
  grade and the card before it (JSON, so that a self-rating replaces that grade instead of
  counting a second review), and how many reviews were practice. Read by person and due time.
- ``reminders``: who asked for a practice nudge, for which channel's drill days, at what
  local time. The nudges themselves are claimed in ``deliveries`` (``remind:<person>:<day>``),
  as drills are, so none is sent twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = sa.String(255)
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("item_id", NAME, nullable=False),
        sa.Column("topic", NAME, nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_review", UTC_TIMESTAMP, nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("practice_reviews", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "item_id", name="pk_reviews"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_reviews_person_id_people"),
    )
    op.create_index("ix_reviews_person_id_due", "reviews", ["person_id", "due"])
    op.create_table(
        "reminders",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.Time(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_reminders"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_reminders_person_id_people"),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name="fk_reminders_channel_id_channels"
        ),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_index("ix_reviews_person_id_due", table_name="reviews")
    op.drop_table("reviews")
