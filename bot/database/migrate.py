"""Create or upgrade the history database to the newest Alembic revision.

Runs at every start (`Store.open`) and as `wolkvox-sync db upgrade`. On PostgreSQL the whole
upgrade is one transaction holding an advisory lock, so instances starting together take
turns and the later ones find nothing to do.

Revision 0006 gives the rows of a database from before operations existed to the
environment's operation: the caller passes its name (WOLKVOX_OPERATION_NAME), which the
revision reads from `config.attributes["operation_name"]`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config.defaults import DEFAULT_OPERATION_NAME

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 72430001  # the key the hand-written migrations locked: old and new take turns
LEGACY_REVISION = "0001"  # what a database made by the hand-written migrations (version 1) is


def alembic_config(
    connection: Connection | None = None, *, operation_name: str = DEFAULT_OPERATION_NAME
) -> Config:
    """Alembic's configuration, built in code: the revisions ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["operation_name"] = operation_name
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(engine: AsyncEngine, *, operation_name: str = DEFAULT_OPERATION_NAME) -> str:
    """Bring the schema to the newest revision, keeping every row; returns that revision.
    `operation_name` (WOLKVOX_OPERATION_NAME) is the operation whose rows a database from
    before operations holds."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        return await conn.run_sync(_upgrade, operation_name)


def _upgrade(connection: Connection, operation_name: str) -> str:
    config = alembic_config(connection, operation_name=operation_name)
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables and "schema_version" in tables:
        command.stamp(config, LEGACY_REVISION)
        log.info("database made before Alembic: stamped at revision %s", LEGACY_REVISION)
    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(config, "head")
    after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("database schema upgraded from revision %s to %s", before, after)
    return str(after)
