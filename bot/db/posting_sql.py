"""Statements on the posting path (claim a drill, take and finish its lease), as SQL text.

A fan-out runs each of them once per channel, thousands in a minute. Built per call with the
dialect ``insert()`` they cost more CPU than the database spends on them (the ON CONFLICT
constructs are compiled anew every time); a ``text()`` statement is compiled once. The SQL is
the same on SQLite (3.35+) and PostgreSQL; the lease and drill contract tests run both.
"""

from __future__ import annotations

from sqlalchemy import Date, Integer, String, Text, bindparam, text

from bot.db.tables import DeliveryRow, DrillRow
from bot.db.types import UtcDateTime

CLAIM_DRILL = (
    text(
        "INSERT INTO drills (workspace_id, channel_id, slot, local_date, item_id, kind, "
        "scheduled_at, reveal_at, state) VALUES (:workspace_id, :channel_id, :slot, "
        ":local_date, :item_id, :kind, :scheduled_at, :reveal_at, :state) "
        "ON CONFLICT (channel_id, slot, local_date) DO NOTHING "
        "RETURNING id, workspace_id, channel_id, slot, local_date, item_id, kind, "
        "scheduled_at, reveal_at, state, message_ref, revealed_at"
    )
    .bindparams(
        bindparam("workspace_id", type_=String),
        bindparam("channel_id", type_=Integer),
        bindparam("slot", type_=String),
        bindparam("local_date", type_=Date),
        bindparam("item_id", type_=String),
        bindparam("kind", type_=String),
        bindparam("scheduled_at", type_=UtcDateTime()),
        bindparam("reveal_at", type_=UtcDateTime()),
        bindparam("state", type_=String),
    )
    .columns(*DrillRow.__table__.columns)
)

SET_DRILL_STATE = text(
    "UPDATE drills SET state = :state, message_ref = COALESCE(:message_ref, message_ref) "
    "WHERE id = :id"
).bindparams(
    bindparam("state", type_=String),
    bindparam("message_ref", type_=Text),
    bindparam("id", type_=Integer),
)

NEW_LEASE = (
    text(
        'INSERT INTO deliveries ("key", owner, lease_until, first_claimed_at, attempts) '
        "VALUES (:key, :owner, :until, :now, 1) "
        'ON CONFLICT ("key") DO NOTHING RETURNING attempts, first_claimed_at'
    )
    .bindparams(
        bindparam("key", type_=String),
        bindparam("owner", type_=String),
        bindparam("until", type_=UtcDateTime()),
        bindparam("now", type_=UtcDateTime()),
    )
    .columns(DeliveryRow.__table__.c.attempts, DeliveryRow.__table__.c.first_claimed_at)
)

FINISH_LEASE = text(
    "UPDATE deliveries SET done_at = :now, message_ref = :message_ref, owner = NULL, "
    'lease_until = NULL WHERE "key" = :key AND done_at IS NULL'
).bindparams(
    bindparam("now", type_=UtcDateTime()),
    bindparam("message_ref", type_=Text),
    bindparam("key", type_=String),
)
