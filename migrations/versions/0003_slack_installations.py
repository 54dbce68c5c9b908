"""Slack installations and OAuth state (the OAuth install flow, many workspaces).

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03 00:00:00+00:00

Written by hand, like 0001; ``bot/adapters/slack/installations.py`` describes the same tables
(``SlackInstallationRow``, ``SlackOAuthStateRow``) and
``tests/adapters/slack/test_installations.py`` checks that they agree. Missing enterprise and
team ids are stored as "" so the unique key (client_id, enterprise_id, team_id) holds on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(128)
NAME = sa.String(255)
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("app_id", sa.String(64), nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("enterprise_name", NAME, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("team_name", NAME, nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("bot_token", sa.Text(), nullable=True),
        sa.Column("bot_id", sa.String(64), nullable=True),
        sa.Column("bot_user_id", sa.String(64), nullable=True),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("user_token", sa.Text(), nullable=True),
        sa.Column("user_scopes", sa.Text(), nullable=False),
        sa.Column("user_refresh_token", sa.Text(), nullable=True),
        sa.Column("user_token_expires_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("token_type", sa.String(32), nullable=True),
        sa.Column("installed_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_installations"),
        sa.UniqueConstraint(
            "client_id",
            "enterprise_id",
            "team_id",
            name="uq_slack_installations_client_id_enterprise_id_team_id",
        ),
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(128), nullable=False),
        sa.Column("expires_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("state", name="pk_slack_oauth_states"),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_installations")
