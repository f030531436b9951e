"""The language each person chose (`/wolkvox-sync idioma es`); it wins over their Slack locale.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_languages",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("chosen_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_languages")
