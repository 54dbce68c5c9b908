"""Platform tokens at rest: encrypt the stored Slack installation tokens.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:00:00+00:00

A data migration, no schema change: when ``DRILLBOT_SECRET_KEY`` is set in the environment
the migration runs in, every token in ``slack_installations`` stored in the clear is encrypted
with its first key (``fernet:`` + a Fernet token; ``bot/db/secrets.py`` reads and writes the
same form). Without the key it changes nothing, and the tokens are encrypted later by
``drillbot db encrypt-tokens``, or by the next start of the bot in Slack OAuth mode with the
key set. Downgrading decrypts them again when the key is set.

The cipher is written out here rather than imported from the bot, so this migration keeps
meaning what it meant when the bot's code moves on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "fernet:"
COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _keys() -> list[Fernet]:
    value = os.environ.get("DRILLBOT_SECRET_KEY", "")
    return [Fernet(k.strip().encode("ascii")) for k in value.split(",") if k.strip()]


def _rewrite(change: Callable[[str], str | None]) -> None:
    table = sa.table(
        "slack_installations", sa.column("id", sa.Integer), *(sa.column(c) for c in COLUMNS)
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(table)).all():
        values = {}
        for column in COLUMNS:
            value = getattr(row, column)
            if value is not None:
                new = change(value)
                if new is not None:
                    values[column] = new
        if values:
            conn.execute(sa.update(table).where(table.c.id == row.id).values(**values))


def upgrade() -> None:
    keys = _keys()
    if not keys:
        return
    first = keys[0]

    def encrypt(value: str) -> str | None:
        if value.startswith(PREFIX):
            return None
        return PREFIX + first.encrypt(value.encode("utf-8")).decode("ascii")

    _rewrite(encrypt)


def downgrade() -> None:
    keys = _keys()
    if not keys:
        return
    every = MultiFernet(keys)

    def decrypt(value: str) -> str | None:
        if not value.startswith(PREFIX):
            return None
        return every.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")

    _rewrite(decrypt)
