"""Alembic's environment: runs the revisions on the connection `bot.database.migrate` lends it.

There is no alembic.ini: `bot.database.migrate` builds the configuration in code and passes a
connection that is already in a transaction (and, on PostgreSQL, holds the migration lock).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.database.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run the migrations with `wolkvox-sync db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
