"""The stored operations (`bot.operations.book.OperationRows`): their rows, the record of who
changed what, and the version every process compares to reload.

Each change is one transaction: the row, its change record and the version bump, so a
process that sees the new version finds the row. Each workspace's operations are its own
(`for_workspace`: the rows of one Slack workspace; "" is single-workspace mode's); the version
is one for all (a change anywhere reloads the books in memory). Tokens are stored sealed
(Fernet); no token, sealed or not, goes into a change record, a log line or an exception: a
database error raised here carries the statement but never its parameters.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.database.schema import (
    channel_operations,
    operation_changes,
    operations,
    operations_version,
    outbox,
    schedule_claims,
    subscriptions,
)

# The row types are the book's (a leaf of bot.operations: it imports nothing of the database).
from bot.operations.model import ChangeAction, OperationChange, StoredOperation
from bot.templates.connectors import operation_name, scoped_operation, workspace_of

VERSION_ROW = 1


class OperationTable:
    """The operations stored in the database (tables `operations`, `operation_changes` and
    `operations_version`): `bot.operations.book.OperationRows`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        workspace: str = "",
    ) -> None:
        self.engine = engine
        self.workspace = workspace  # "" in single-workspace mode
        self._now = now  # when a rekey happened (the other changes carry their time)

    def __repr__(self) -> str:
        return f"OperationTable({self.workspace!r})" if self.workspace else "OperationTable()"

    def for_workspace(self, workspace: str) -> OperationTable:
        """The rows of `workspace`'s operations (the same engine)."""
        return OperationTable(self.engine, now=self._now, workspace=workspace)

    def _mine(self) -> Any:
        return operations.c.workspace == self.workspace

    async def operations_version(self) -> int:
        """The number every change bumps (0 before the first)."""
        async with self._connect() as conn:
            return await _version(conn)

    async def load_operations(self) -> list[StoredOperation]:
        """Every stored operation, by name."""
        async with self._connect() as conn:
            rows = (
                await conn.execute(
                    select(operations).where(self._mine()).order_by(operations.c.name)
                )
            ).all()
        return [
            StoredOperation(
                name=row.name,
                server=row.server,
                sealed_token=row.sealed_token,
                daily_quota=row.daily_quota,
                aliases=_read_aliases(row.aliases),
                token_tail=row.token_tail,
            )
            for row in rows
        ]

    async def save_operation(self, row: StoredOperation, change: OperationChange) -> None:
        """Insert `row` or replace the one of its name, record `change` and bump the version,
        in one transaction."""
        at = change.at.timestamp()
        values = {
            "server": row.server,
            "sealed_token": row.sealed_token,
            "token_tail": row.token_tail[:8],
            "daily_quota": row.daily_quota,
            "aliases": json.dumps([list(pair) for pair in row.aliases]),
            "updated_at": at,
        }
        async with self._begin() as conn:
            await conn.execute(
                _insert(conn, operations)
                .values(workspace=self.workspace, name=row.name, created_at=at, **values)
                .on_conflict_do_update(index_elements=["workspace", "name"], set_=values)
            )
            await _record(conn, change, self.workspace)
            await _bump(conn)

    async def remove_operation(self, name: str, change: OperationChange) -> bool:
        """Delete the operation `name` and what only it used (its subscriptions, undelivered
        notifications, schedule claims and channel defaults; its history stays until
        retention removes it), record `change` and bump the version. False when there is no
        such operation (nothing changes)."""
        async with self._begin() as conn:
            deleted = await conn.execute(
                delete(operations).where(self._mine(), operations.c.name == name)
            )
            if not deleted.rowcount:
                return False
            await forget_operation_rows(conn, scoped_operation(self.workspace, name))
            await _record(conn, change, self.workspace)
            await _bump(conn)
            return True

    async def operation_changes(self, limit: int) -> list[OperationChange]:
        """The newest `limit` changes, newest first."""
        query = (
            select(operation_changes)
            .where(operation_changes.c.workspace == self.workspace)
            .order_by(operation_changes.c.at.desc(), operation_changes.c.id.desc())
            .limit(max(0, limit))
        )
        async with self._connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            OperationChange(
                at=datetime.fromtimestamp(row.at, UTC),
                who=row.who,
                operation=row.operation,
                action=cast(ChangeAction, row.action),
                fields=tuple(f for f in row.fields.split(",") if f),
            )
            for row in rows
        ]

    async def reseal_tokens(self, reseal: Callable[[str], str], change_who: str) -> int:
        """Seal every stored token again with `reseal` (the first key), in one transaction:
        a token no key opens leaves them all as they were. One `rekeyed` change per
        operation; how many operations were resealed. Every workspace's: the key is the
        deployment's."""
        at = self._now()
        async with self._begin() as conn:
            query = select(
                operations.c.workspace, operations.c.name, operations.c.sealed_token
            ).order_by(operations.c.workspace, operations.c.name)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            rows = (await conn.execute(query)).all()
            for row in rows:
                await conn.execute(
                    update(operations)
                    .where(operations.c.workspace == row.workspace, operations.c.name == row.name)
                    .values(sealed_token=reseal(row.sealed_token), updated_at=at.timestamp())
                )
                await _record(
                    conn,
                    OperationChange(at=at, who=change_who, operation=row.name, action="rekeyed"),
                    row.workspace,
                )
            if rows:
                await _bump(conn)
            return len(rows)

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        with _parameters_hidden():
            async with self.engine.connect() as conn:
                yield conn

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        with _parameters_hidden():
            async with self.engine.begin() as conn:
                yield conn


async def forget_operation_rows(conn: AsyncConnection, name: str) -> None:
    """Delete, in `conn`'s transaction, what belongs to the operation `name` (scoped:
    `T0123ABCD/cliente_a` in distribution mode) and is not history: subscriptions,
    notifications not yet delivered, schedule claims and channel defaults. A connector key
    starts with `name:`; compared exactly (LIKE would read the `_` of `cliente_a` as any
    character, and is case-insensitive on SQLite)."""
    prefix = f"{name}:"
    workspace = workspace_of(name)

    def owned(column: Any) -> Any:
        return func.substr(column, 1, len(prefix)) == prefix

    await conn.execute(delete(subscriptions).where(owned(subscriptions.c.connector)))
    await conn.execute(
        delete(outbox).where(outbox.c.delivered_at.is_(None), owned(outbox.c.connector))
    )
    await conn.execute(delete(schedule_claims).where(owned(schedule_claims.c.connector)))
    await conn.execute(
        delete(channel_operations).where(
            channel_operations.c.workspace == workspace,
            channel_operations.c.operation == operation_name(name),
        )
    )


class _parameters_hidden:
    """Database errors leave without their parameters (a sealed token may be one)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if isinstance(error, StatementError):
            error.params = None
            error.hide_parameters = True


async def _version(conn: AsyncConnection) -> int:
    value = await conn.execute(
        select(operations_version.c.version).where(operations_version.c.id == VERSION_ROW)
    )
    return int(value.scalar() or 0)


async def _bump(conn: AsyncConnection) -> None:
    bumped = await conn.execute(
        update(operations_version)
        .where(operations_version.c.id == VERSION_ROW)
        .values(version=operations_version.c.version + 1)
    )
    if not bumped.rowcount:  # a database whose row was deleted by hand
        await conn.execute(
            _insert(conn, operations_version)
            .values(id=VERSION_ROW, version=1)
            .on_conflict_do_update(
                index_elements=["id"], set_={"version": operations_version.c.version + 1}
            )
        )


async def _record(conn: AsyncConnection, change: OperationChange, workspace: str = "") -> None:
    await conn.execute(
        insert(operation_changes).values(
            workspace=workspace,
            at=change.at.timestamp(),
            who=change.who[:32],
            operation=change.operation[:32],
            action=change.action[:16],
            fields=",".join(change.fields)[:100],
        )
    )


def _read_aliases(text: str | None) -> tuple[tuple[str, str], ...]:
    try:
        pairs = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple((str(alias), str(number)) for alias, number in pairs)


def _insert(conn: AsyncConnection, table: Any) -> Any:
    """An INSERT that knows this engine's ON CONFLICT."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
