"""The schema as the hand-written migrations left it (their version 1).

A database created by that code is stamped at this revision instead of running it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("schema_version", sa.Column("version", sa.Integer, nullable=False))
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("connector", sa.String(20), nullable=False),
        sa.Column("synced_at", sa.Float, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("command", sa.String(1100), nullable=False),
        sa.Column("template_count", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("first", sa.Boolean, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("removed", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
    )
    op.create_index("ix_snapshots_connector_time", "snapshots", ["connector", "synced_at"])
    op.create_index("ix_snapshots_time", "snapshots", ["synced_at"])
    op.create_table(
        "snapshot_templates",
        sa.Column(
            "snapshot_id",
            sa.String(32),
            sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("language", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_snapshot_templates_snapshot", "snapshot_templates", ["snapshot_id"])
    op.create_table(
        "subscriptions",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("connector", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("channel_id", "connector", name="uq_subscription"),
    )
    op.create_index("ix_subscriptions_connector", "subscriptions", ["connector"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("snapshot_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("connector", sa.String(20), nullable=False),
        sa.Column("subscriber", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("details_csv", sa.Text, nullable=True),
        sa.Column("details_name", sa.String(200), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.Column("warned", sa.Boolean, nullable=False),
        sa.Column("claimed_until", sa.Float, nullable=True),
        sa.Column("delivered_at", sa.Float, nullable=True),
        sa.Column("failed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "failed"])


def downgrade() -> None:
    for table in ("outbox", "subscriptions", "snapshot_templates", "snapshots", "schema_version"):
        op.drop_table(table)
