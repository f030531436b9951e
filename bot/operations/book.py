"""The operations in effect, in every process: the environment's (WOLKVOX_SERVER and
WOLKVOX_TOKEN, named WOLKVOX_OPERATION_NAME) and those stored in the database by admins in
Slack or by the console, their tokens sealed with WOLKVOX_SECRET_KEY.

Every change bumps a version number in the database; each process compares it every
`WATCH_SECONDS` and reloads its books (`bot.operations.books.OperationBooks` watches), so a
change made anywhere (Slack, the console, another instance) is in effect everywhere within a
few seconds, without a restart. Listeners hear which
operations were removed (their schedule, subscriptions and cache stop).

A book is one workspace's (`workspace`: a Slack team or enterprise id in distribution mode,
"" in single-workspace mode; `bot.operations.books.OperationBooks` holds one per workspace).
Its operations are named as people type them (`names()`, `Operation.name`); the keys it makes
(`aliases()`) and the names it tells removal listeners are scoped (`T0123ABCD/cliente_a`), and
`get` answers a scoped name only for its own workspace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from bot.errors import OperationInvalid, UnknownOperation
from bot.logs import keep_out_of_logs
from bot.operations.model import Operation, OperationChange, StoredOperation
from bot.operations.secrets import SecretBox
from bot.templates.connectors import (
    operation_name,
    operation_of,
    qualify,
    scoped_operation,
    workspace_of,
)

log = logging.getLogger(__name__)

WATCH_SECONDS = 2.0
CHANGES_SHOWN = 10


class OperationRows(Protocol):
    """The database's side (`bot.database.operations.OperationTable`)."""

    async def operations_version(self) -> int: ...

    async def load_operations(self) -> list[StoredOperation]: ...

    async def save_operation(self, row: StoredOperation, change: OperationChange) -> None:
        """Insert or replace `row`, record `change` and bump the version, in one transaction."""

    async def remove_operation(self, name: str, change: OperationChange) -> bool: ...

    async def operation_changes(self, limit: int) -> list[OperationChange]: ...

    async def reseal_tokens(self, reseal: Callable[[str], str], change_who: str) -> int: ...


Removed = Callable[[Sequence[str]], Awaitable[None]]


class OperationBook:
    """The operations in effect here: `all`, `get`, `names`, `several`, and changes to them."""

    def __init__(
        self,
        environment: Operation | None,
        rows: OperationRows | None,
        box: SecretBox,
        *,
        environment_aliases: Mapping[str, str] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        workspace: str = "",
    ) -> None:
        self.workspace = workspace
        self.environment = environment
        self._environment_aliases = dict(environment_aliases or {})
        self._rows = rows
        self._box = box
        self._now = now
        self._stored: dict[str, Operation] = {}
        self._version = -1
        self._removed_listeners: list[Removed] = []
        self._lock = asyncio.Lock()

    # reading

    def all(self) -> tuple[Operation, ...]:
        """Every operation, the environment's first, then by name."""
        stored = tuple(self._stored[name] for name in sorted(self._stored))
        return ((self.environment,) if self.environment else ()) + stored

    def names(self) -> tuple[str, ...]:
        return tuple(op.name for op in self.all())

    def get(self, name: str) -> Operation | None:
        """The operation `name` (as typed, or scoped: then only this workspace's)."""
        workspace = workspace_of(name)
        if workspace and workspace != self.workspace:
            return None
        name = operation_name(name)
        if self.environment is not None and name == self.environment.name:
            return self.environment
        return self._stored.get(name)

    def require(self, name: str) -> Operation:
        operation = self.get(name)
        if operation is None:
            raise UnknownOperation(operation_name(name), self.names())
        return operation

    @property
    def several(self) -> bool:
        """More than one operation: replies name the operation of each connector."""
        return len(self.all()) > 1

    @property
    def only(self) -> Operation | None:
        """The one operation, when there is exactly one."""
        operations = self.all()
        return operations[0] if len(operations) == 1 else None

    def aliases(self) -> dict[str, str]:
        """Every alias, alias -> connector key: WOLKVOX_CONNECTORS (a bare id there is the
        environment's operation's; it stays bare when there is none) and each stored
        operation's."""
        found: dict[str, str] = {}
        for alias, target in self._environment_aliases.items():
            if self.environment is not None and not operation_of(target):
                target = qualify(self.environment.name, target)
            found[alias] = target
        for op in self._stored.values():
            for alias, number in op.aliases:
                found.setdefault(alias, qualify(self.scoped(op.name), number))
        return found

    def scoped(self, name: str) -> str:
        """An operation's name inside the bot: `T0123ABCD/cliente_a` (as typed in
        single-workspace mode)."""
        return scoped_operation(self.workspace, name)

    # loading and watching

    def attach(self, rows: OperationRows) -> None:
        """Read and store operations in `rows` from now on (the database, once it is open);
        `load` reads them."""
        self._rows = rows

    async def load(self) -> None:
        """Read the stored operations (and open their tokens: SecretKeyError when
        WOLKVOX_SECRET_KEY is missing or wrong, which stops a start with a clear line)."""
        if self._rows is None:
            return
        async with self._lock:
            version = await self._rows.operations_version()
            rows = await self._rows.load_operations()
            stored = {row.name: self._open(row) for row in rows}
            removed = sorted(set(self._stored) - set(stored))
            self._stored = stored
            self._version = version
        if removed and self._version >= 0:
            await self._tell_removed([self.scoped(name) for name in removed])

    def _open(self, row: StoredOperation) -> Operation:
        token = self._box.open(row.sealed_token)
        keep_out_of_logs(token)
        return Operation(
            name=row.name,
            server=row.server,
            token=token,
            daily_quota=row.daily_quota,
            aliases=row.aliases,
        )

    def on_removed(self, listener: Removed) -> None:
        """Call `listener` with the names of operations removed (here or elsewhere)."""
        self._removed_listeners.append(listener)

    async def _tell_removed(self, names: Sequence[str]) -> None:
        for listener in self._removed_listeners:
            try:
                await listener(names)
            except Exception:
                log.exception("a listener failed after operations were removed")

    # changing

    async def save(
        self, operation: Operation, *, who: str, replacing: str | None = None
    ) -> OperationChange:
        """Add `operation` (`replacing` None) or replace the one named `replacing`; records
        the change and makes it visible here at once (elsewhere within WATCH_SECONDS)."""
        rows = self._require_rows()
        if self.environment is not None and operation.name == self.environment.name:
            raise OperationInvalid("name", "environment", operation.name)
        if replacing is None and self.get(operation.name) is not None:
            raise OperationInvalid("name", "taken", operation.name)
        if replacing is not None and replacing != operation.name:
            raise OperationInvalid("name", "rename", operation.name)  # keys carry the name
        before = self._stored.get(replacing) if replacing else None
        if replacing is not None and before is None:
            raise UnknownOperation(replacing, self.names())
        sealed = self._box.seal(operation.token)
        change = OperationChange(
            at=self._now(),
            who=who,
            operation=operation.name,
            action="edited" if before else "added",
            fields=_changed_fields(before, operation),
        )
        row = StoredOperation(
            name=operation.name,
            server=operation.server,
            sealed_token=sealed,
            daily_quota=operation.daily_quota,
            aliases=operation.aliases,
            token_tail=operation.token_tail,
        )
        await rows.save_operation(row, change)
        await self.load()
        return change

    async def remove(self, name: str, *, who: str) -> OperationChange:
        rows = self._require_rows()
        if self.environment is not None and name == self.environment.name:
            raise OperationInvalid("name", "environment", name)
        change = OperationChange(at=self._now(), who=who, operation=name, action="removed")
        if not await rows.remove_operation(name, change):
            raise UnknownOperation(name, self.names())
        await self.load()
        return change

    async def rekey(self, *, who: str) -> int:
        """Seal every stored token again with the first key; how many were."""
        rows = self._require_rows()
        count = await rows.reseal_tokens(self._box.reseal, who)
        await self.load()
        return count

    async def changes(self, limit: int = CHANGES_SHOWN) -> list[OperationChange]:
        if self._rows is None:
            return []
        return await self._rows.operation_changes(limit)

    def _require_rows(self) -> OperationRows:
        if self._rows is None:
            raise RuntimeError("the operations are not stored: open the database first")
        return self._rows


def _changed_fields(before: Operation | None, after: Operation) -> tuple[str, ...]:
    if before is None:
        return ("server", "token", "daily_quota", "aliases")
    fields = []
    if before.server != after.server:
        fields.append("server")
    if before.token != after.token:
        fields.append("token")
    if before.daily_quota != after.daily_quota:
        fields.append("daily_quota")
    if before.aliases != after.aliases:
        fields.append("aliases")
    return tuple(fields)


def with_token_kept(edited: Operation, current: Operation) -> Operation:
    """An edit that left the token empty keeps the current one."""
    return edited if edited.token else replace(edited, token=current.token)


__all__ = [
    "OperationBook",
    "OperationChange",
    "OperationRows",
    "StoredOperation",
    "with_token_kept",
]
