"""The event store's SQL tables (SQLAlchemy Core): events and the erasure list."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["ERASURES", "EVENTS", "METADATA"]

METADATA = sa.MetaData()

# SQLite makes only an INTEGER PRIMARY KEY an auto-increment rowid alias
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: One row per accepted event; ``seq`` is the store order (the trainer's watermark).
EVENTS = sa.Table(
    "events",
    METADATA,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("employee_id", sa.String(128), nullable=False),
    sa.Column("content_id", sa.String(128)),
    sa.Column("skill_id", sa.String(128)),
    sa.Column("occurred_at", sa.DateTime(), nullable=False),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("recommendation_id", sa.String(200)),
    sa.Column("variant", sa.String(32)),
    sa.Column("model_version", sa.String(128)),
    sa.Column("position", sa.Integer()),
    sa.Column("progress", sa.Float()),
    sa.Column("score", sa.Float()),
    sa.Column("level", sa.Float()),
    sa.Column("source", sa.String(16)),
    # the next /recommend reads one employee's events; the report groups attributed ones
    sa.Index("ix_events_employee_seq", "employee_id", "seq"),
    sa.Index("ix_events_recommendation", "recommendation_id"),
)

#: Employees erased on request, by sha256 of their id (no ids in the clear).
ERASURES = sa.Table(
    "erasures",
    METADATA,
    sa.Column("employee_key", sa.String(64), primary_key=True),
    sa.Column("erased_at", sa.DateTime(), nullable=False),
)
