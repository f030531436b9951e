"""Operations: a claim per (connector, period) of WOLKVOX_AUTO_SYNC, so that one instance
syncs each period, and Wolkvox calls counted per token and day (the daily quota).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_claims",
        sa.Column("connector", sa.String(20), primary_key=True),
        sa.Column("period_start_ms", sa.BigInteger, primary_key=True),
        sa.Column("claimed_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("claimed_at", sa.Float, nullable=False),
    )
    op.create_table(
        "quota_counts",
        sa.Column("token_key", sa.String(16), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("calls", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("quota_counts")
    op.drop_table("schedule_claims")
