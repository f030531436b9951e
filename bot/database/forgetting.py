"""What an uninstalled workspace leaves behind: nothing.

In distribution mode every connector key and operation of a workspace starts with its id and
`/` (`T0123ABCD/cliente_a:1234`, `T0123ABCD/cliente_a`), so its rows are found by that prefix,
compared exactly (`substr`, not LIKE: LIKE reads `_` as any character and ignores case on
SQLite). `forget_workspace_rows` deletes them all in the caller's transaction: the operations
(their sealed Wolkvox tokens) and the record of their changes, subscriptions, the outbox
(queued and delivered: a delivered row still holds what was posted), schedule claims, channel
defaults, history (snapshots; the template content no other snapshot uses goes with the
caller's `prune_unused_content`) and the Slack installation (bot and user tokens).

Deleted bytes: SQLite overwrites them (`PRAGMA secure_delete`, `bot.database.store`);
PostgreSQL's deleted tuples are reclaimed by autovacuum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, delete, func, or_, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.database.schema import (
    channel_operations,
    digest_sends,
    operation_changes,
    operations,
    operations_version,
    outbox,
    schedule_claims,
    slack_bots,
    slack_installations,
    slack_token_claims,
    snapshots,
    subscriptions,
    user_languages,
)
from bot.templates.connectors import SCOPE_SEPARATOR, is_workspace_id

# slack_sdk's SQLAlchemy installation store's tables (revision 0007)
SLACK_TOKEN_TABLES = (slack_installations, slack_bots)
VERSION_ROW = 1  # bot.database.operations.VERSION_ROW


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many rows of a workspace were deleted, by kind."""

    operations: int = 0
    subscriptions: int = 0
    notifications: int = 0
    syncs: int = 0
    installations: int = 0
    snapshot_ids: tuple[str, ...] = ()  # the syncs deleted (their copies in Redis go too)

    @property
    def any(self) -> bool:
        return any((self.operations, self.subscriptions, self.notifications, self.syncs))


def _owned(column: Any, workspace: str) -> Any:
    prefix = workspace + SCOPE_SEPARATOR
    return func.substr(column, 1, len(prefix)) == prefix


def _of_workspace(table: Table, named: Any, workspace: str) -> Any:
    """Rows whose `named` column starts with `workspace/`, or whose `workspace` column is it
    (the column revision 0008 adds, where it does)."""
    owned = _owned(named, workspace)
    if "workspace" in table.c:
        return or_(table.c.workspace == workspace, owned)
    return owned


async def forget_workspace_rows(conn: AsyncConnection, workspace: str) -> Forgotten:
    """Delete, in `conn`'s transaction, every row of `workspace` (see the module). The
    template content left unused is the caller's to prune (`prune_unused_content`)."""
    if not is_workspace_id(workspace):
        raise ValueError("not a workspace id")
    removed = await conn.execute(
        delete(operations).where(_of_workspace(operations, operations.c.name, workspace))
    )
    await conn.execute(
        delete(operation_changes).where(
            _of_workspace(operation_changes, operation_changes.c.operation, workspace)
        )
    )
    if removed.rowcount:  # every process reloads its operations and forgets these
        await conn.execute(
            update(operations_version)
            .where(operations_version.c.id == VERSION_ROW)
            .values(version=operations_version.c.version + 1)
        )
    subscribed = await conn.execute(
        delete(subscriptions).where(_owned(subscriptions.c.connector, workspace))
    )
    queued = await conn.execute(delete(outbox).where(_owned(outbox.c.connector, workspace)))
    await conn.execute(
        delete(schedule_claims).where(_owned(schedule_claims.c.connector, workspace))
    )
    await conn.execute(delete(digest_sends).where(digest_sends.c.workspace == workspace))
    await conn.execute(
        delete(channel_operations).where(
            _of_workspace(channel_operations, channel_operations.c.operation, workspace)
        )
    )
    if "workspace" in user_languages.c:  # TODO(scope): user_languages per workspace (0008)
        await conn.execute(delete(user_languages).where(user_languages.c.workspace == workspace))
    synced = await conn.execute(
        delete(snapshots).where(_owned(snapshots.c.connector, workspace)).returning(snapshots.c.id)
    )
    snapshot_ids = tuple(str(i) for i in synced.scalars().all())
    installations = await _forget_installations(conn, workspace)
    return Forgotten(
        operations=removed.rowcount,
        subscriptions=subscribed.rowcount,
        notifications=queued.rowcount,
        syncs=len(snapshot_ids),
        installations=installations,
        snapshot_ids=snapshot_ids,
    )


def _installation_rows(table: Table, workspace: str) -> Any:
    """An org-wide install is its enterprise's (`E…`); a workspace's is its team's."""
    if workspace.startswith("E"):
        return and_(table.c.enterprise_id == workspace, table.c.is_enterprise_install == true())
    return table.c.team_id == workspace


async def _forget_installations(conn: AsyncConnection, workspace: str) -> int:
    """Delete the workspace's Slack installation rows (every one: slack_sdk keeps a row per
    install and per person who installed, each with the bot token) and its token refresh
    claim."""
    deleted = 0
    for table in SLACK_TOKEN_TABLES:
        result = await conn.execute(delete(table).where(_installation_rows(table, workspace)))
        deleted += result.rowcount
    await conn.execute(
        delete(slack_token_claims).where(slack_token_claims.c.workspace == workspace)
    )
    return deleted


async def forget_user_token_rows(
    conn: AsyncConnection, workspace: str, user_ids: Sequence[str]
) -> int:
    """Blank the user tokens of the people in `user_ids` (revoked) in the workspace's
    installation rows; the rows and the bot's token stay (the workspace is still served).
    How many rows."""
    if not user_ids or not is_workspace_id(workspace):
        return 0
    table = slack_installations
    result = await conn.execute(
        update(table)
        .where(and_(_installation_rows(table, workspace), table.c.user_id.in_(list(user_ids))))
        .values(
            user_token=None, user_refresh_token=None, user_token_expires_at=None, user_scopes=None
        )
    )
    return int(result.rowcount)
