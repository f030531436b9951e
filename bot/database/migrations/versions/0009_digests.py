"""Filtered subscriptions and digests: a subscription gains the canonical filter text of the
changes its channel hears (`filters`, "" = all of them, as every subscription so far) and how
often it hears them (`cadence`: "each" sync, as so far, or a "daily" or "weekly" digest); a new
table `digest_sends` records each period's digest of a channel, claimed by one instance and
sent once.

Downgrade drops both: the previous release posts every change of every subscription per sync.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("filters", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("cadence", sa.String(8), nullable=False, server_default="each"))
    op.create_table(
        "digest_sends",
        sa.Column("workspace", sa.String(32), primary_key=True, server_default=""),
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("cadence", sa.String(8), primary_key=True),
        sa.Column("period_start_ms", sa.BigInteger, primary_key=True),
        sa.Column("period_end_ms", sa.BigInteger, nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("claimed_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float, nullable=True),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("posted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_digest_sends_end", "digest_sends", ["period_end_ms"])


def downgrade() -> None:
    op.drop_index("ix_digest_sends_end", table_name="digest_sends")
    op.drop_table("digest_sends")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("cadence")
        batch.drop_column("filters")
