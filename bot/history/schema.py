"""The tables of the history database, as the newest migration leaves them.

Alembic revisions in `migrations/versions/` create and change these tables; they never import
this module (a revision is frozen, this is the head). Times are Unix seconds (floats).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("connector", String(20), nullable=False),
    Column("synced_at", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("user_id", String(32), nullable=False, default=""),
    Column("user_name", String(100), nullable=False, default=""),
    Column("command", String(1100), nullable=False, default=""),
    Column("template_count", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("first", Boolean, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
)
Index("ix_snapshots_connector_time", snapshots.c.connector, snapshots.c.synced_at)
Index("ix_snapshots_time", snapshots.c.synced_at)

snapshot_templates = Table(
    "snapshot_templates",
    metadata,
    Column(
        "snapshot_id", String(32), ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("name", String(512), nullable=False),
    Column("language", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_snapshot_templates_snapshot", snapshot_templates.c.snapshot_id)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("team_id", String(32), nullable=False, default=""),
    Column("channel_id", String(32), nullable=False),
    Column("connector", String(20), nullable=False),
    Column("created_by", String(32), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("channel_id", "connector", name="uq_subscription"),
)
Index("ix_subscriptions_connector", subscriptions.c.connector)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("connector", String(20), nullable=False),
    Column("subscriber", String(32), nullable=False, default=""),
    Column("payload", Text, nullable=False),
    Column("details_csv", Text, nullable=True),
    Column("details_name", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(200), nullable=False, default=""),
    Column("warned", Boolean, nullable=False, default=False),
    Column("claimed_until", Float, nullable=True),
    Column("delivered_at", Float, nullable=True),
    Column("failed", Boolean, nullable=False, default=False),
)
Index("ix_outbox_pending", outbox.c.delivered_at, outbox.c.failed)
