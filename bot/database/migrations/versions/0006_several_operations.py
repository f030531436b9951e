"""Several Wolkvox operations: the stored operations (tokens sealed), the record of their
changes and the version processes compare, channels' default operations, and per-token request
slots for processes sharing a database without Redis.

A connector is named by its key, `operation:id`, from now on: every `connector` column grows to
64 characters, and the rows already there (one operation's history, subscriptions, outbox and
schedule claims) become the environment's operation's: `1234` -> `<name>:1234`, where <name>
is the migrating process's WOLKVOX_OPERATION_NAME (`config.attributes["operation_name"]`,
`default` when none is given). Notification payloads are left as they are: already rendered.

Downgrade strips that operation's name again, deletes the rows of every other operation (the
previous release has no way to name them) and drops the new tables.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DEFAULT_OPERATION = "default"
OPERATION_NAME = re.compile(r"[a-z0-9_-]{1,32}")  # frozen copy of the rule of the time
SEPARATOR = ":"
OLD_WIDTH, NEW_WIDTH = 20, 64
# The tables with a connector column, frozen views of it.
CONNECTOR_TABLES = ("snapshots", "subscriptions", "outbox", "schedule_claims")


def _table(name: str) -> sa.TableClause:
    return sa.table(name, sa.column("connector", sa.String))


def _operation_name() -> str:
    name = str(context.config.attributes.get("operation_name") or DEFAULT_OPERATION)
    if not OPERATION_NAME.fullmatch(name):
        raise ValueError(f"not an operation name: {name[:40]!r}")
    return name


def upgrade() -> None:
    prefix = _operation_name() + SEPARATOR  # first: a malformed name changes nothing
    op.create_table(
        "operations",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("server", sa.String(8), nullable=False),
        sa.Column("sealed_token", sa.Text, nullable=False),
        sa.Column("token_tail", sa.String(8), nullable=False, server_default=""),
        sa.Column("daily_quota", sa.Integer, nullable=False, server_default="0"),
        sa.Column("aliases", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "operation_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("who", sa.String(32), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("fields", sa.String(100), nullable=False, server_default=""),
    )
    op.create_index("ix_operation_changes_at", "operation_changes", ["at"])
    version = op.create_table(
        "operations_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])
    op.create_table(
        "channel_operations",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False, server_default=""),
        sa.Column("set_at", sa.Float, nullable=False),
    )
    op.create_index("ix_channel_operations_operation", "channel_operations", ["operation"])
    op.create_table(
        "token_slots",
        sa.Column("token_key", sa.String(16), primary_key=True),
        sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )

    for name in CONNECTOR_TABLES:
        _resize(name, OLD_WIDTH, NEW_WIDTH)
        table = _table(name)
        op.get_bind().execute(
            table.update()
            .where(~table.c.connector.contains(SEPARATOR))
            .values(connector=sa.literal(prefix) + table.c.connector)
        )


def downgrade() -> None:
    prefix = _operation_name() + SEPARATOR
    bind = op.get_bind()
    for name in CONNECTOR_TABLES:
        table = _table(name)
        mine = sa.func.substr(table.c.connector, 1, len(prefix)) == prefix
        bind.execute(
            table.update()
            .where(mine)
            .values(connector=sa.func.substr(table.c.connector, len(prefix) + 1))
        )
        bind.execute(table.delete().where(table.c.connector.contains(SEPARATOR)))
        _resize(name, NEW_WIDTH, OLD_WIDTH)
    op.drop_table("token_slots")
    op.drop_index("ix_channel_operations_operation", table_name="channel_operations")
    op.drop_table("channel_operations")
    op.drop_table("operations_version")
    op.drop_index("ix_operation_changes_at", table_name="operation_changes")
    op.drop_table("operation_changes")
    op.drop_table("operations")


def _resize(name: str, before: int, after: int) -> None:
    """The connector column's width (SQLite: by copying the table, as Alembic's batch does)."""
    with op.batch_alter_table(name) as batch:
        batch.alter_column(
            "connector",
            existing_type=sa.String(before),
            type_=sa.String(after),
            existing_nullable=False,
        )
