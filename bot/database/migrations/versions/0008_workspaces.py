"""Every workspace apart: the stored operations, their change records, channels' default
operations and people's languages belong to a Slack workspace (its team id, or enterprise id
for an org-wide install). Rows already there are single-workspace mode's: workspace "".

The primary keys become (workspace, name), (workspace, channel_id) and (workspace, user_id):
each table is rebuilt (a new one, the rows copied, the old one dropped, the new one renamed),
which SQLite and PostgreSQL both do in a transaction.

Downgrade keeps single-workspace mode's rows and deletes every workspace's (the previous
release has no way to tell them apart).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SINGLE = ""  # single-workspace mode's workspace


def _operations(workspace: bool) -> list[sa.Column[Any]]:
    keyed = [sa.Column("workspace", sa.String(32), primary_key=True)] if workspace else []
    return [
        *keyed,
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("server", sa.String(8), nullable=False),
        sa.Column("sealed_token", sa.Text, nullable=False),
        sa.Column("token_tail", sa.String(8), nullable=False, server_default=""),
        sa.Column("daily_quota", sa.Integer, nullable=False, server_default="0"),
        sa.Column("aliases", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    ]


def _channel_operations(workspace: bool) -> list[sa.Column[Any]]:
    keyed = [sa.Column("workspace", sa.String(32), primary_key=True)] if workspace else []
    return [
        *keyed,
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False, server_default=""),
        sa.Column("set_at", sa.Float, nullable=False),
    ]


def _user_languages(workspace: bool) -> list[sa.Column[Any]]:
    keyed = [sa.Column("workspace", sa.String(32), primary_key=True)] if workspace else []
    return [
        *keyed,
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("chosen_at", sa.Float, nullable=False),
    ]


TABLES: dict[str, Callable[[bool], list[sa.Column[Any]]]] = {
    "operations": _operations,
    "channel_operations": _channel_operations,
    "user_languages": _user_languages,
}


def _rebuild(name: str, *, workspace: bool) -> None:
    """`name` again with (or without) the workspace in its primary key, its rows kept (on the
    way down, only single-workspace mode's)."""
    columns = TABLES[name](workspace)
    plain = [c.name for c in columns if c.name != "workspace"]
    new = f"{name}_0008"
    op.create_table(new, *columns)
    listed = ", ".join(plain)
    bind = op.get_bind()
    if workspace:
        bind.execute(
            sa.text(f"INSERT INTO {new} (workspace, {listed}) SELECT '', {listed} FROM {name}")  # noqa: S608 (fixed names)
        )
    else:
        bind.execute(
            sa.text(
                f"INSERT INTO {new} ({listed}) SELECT {listed} FROM {name} WHERE workspace = ''"  # noqa: S608
            )
        )
    if name == "channel_operations":
        op.drop_index("ix_channel_operations_operation", table_name=name)
    op.drop_table(name)
    op.rename_table(new, name)
    if name == "channel_operations":
        op.create_index("ix_channel_operations_operation", name, ["operation"])


def upgrade() -> None:
    for name in TABLES:
        _rebuild(name, workspace=True)
    with op.batch_alter_table("operation_changes") as batch:
        batch.add_column(
            sa.Column("workspace", sa.String(32), nullable=False, server_default=SINGLE)
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM operation_changes WHERE workspace <> ''"))
    with op.batch_alter_table("operation_changes") as batch:
        batch.drop_column("workspace")
    for name in TABLES:
        _rebuild(name, workspace=False)
