"""What `/wolkvox-sync status` shows, as plain facts (the Slack reply renders them)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from redis.asyncio import Redis

from bot.database.bookkeeping import LastSync, last_syncs
from bot.database.redis import PREFIX
from bot.database.store import Store
from bot.operations.model import Operation, OperationChange
from bot.ops import metrics
from bot.ops.health import PartHealth
from bot.ops.operations import Operations
from bot.ops.quota import WARN_FROM, QuotaState
from bot.templates.connectors import operation_name, operation_of, workspace_of

if TYPE_CHECKING:  # the book is above ops (it is read here, never imported at run time)
    from bot.operations.book import OperationBook

MAX_CACHED = 200  # connectors listed as cached at most
READ_SECONDS = 2.0  # the most one fact may take to read
MAX_LAST_SYNCS = 50  # the newest sync of this many connectors is listed
MAX_COUNTED = 1000  # connectors counted per operation, from their newest syncs
CHANGES_SHOWN = 5  # the last changes to the operations `status` lists
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OperationUsage:
    """One Wolkvox operation as the App Home and `status` show it (never its token)."""

    name: str
    server: str
    token_tail: str  # the token's last 4 characters ("" when it is too short to show any)
    from_environment: bool  # WOLKVOX_SERVER/WOLKVOX_TOKEN: changed in the settings only
    calls_today: int | None  # Wolkvox calls with its token today (UTC); None: unreadable
    daily_quota: int  # its quota, else WOLKVOX_DAILY_QUOTA; 0: not set
    quota_state: QuotaState
    connectors: int  # connectors of this operation in the history


@dataclass(frozen=True, slots=True)
class OperationsFacts:
    """The operations and the last changes made to them (None: could not be read)."""

    operations: list[OperationUsage] = field(default_factory=list)
    changes: list[OperationChange] | None = None


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """The state of the bot, as an operator asks for it."""

    calls_today: int | None  # Wolkvox calls with the token today (UTC); None: unreadable
    daily_quota: int  # WOLKVOX_DAILY_QUOTA; 0: not set
    quota_state: QuotaState  # "ok", "warn" (past 80 %) or "spent"
    syncing: list[str]  # connectors with a Wolkvox call in flight on this instance
    waiting: int  # syncs waiting for a Wolkvox slot on this instance
    cached: list[str]  # connectors with a fresh copy (on any instance, with Redis)
    last_syncs: list[LastSync]  # the newest stored sync of each connector, newest first
    database: PartHealth
    redis: PartHealth  # state "not used" without REDIS_URL
    operations: OperationsFacts = field(default_factory=OperationsFacts)


async def status_facts(
    ops: Operations,
    store: Store,
    *,
    syncing: Collection[str],
    cached_here: Collection[str],
    book: OperationBook | None = None,
) -> StatusFacts:
    """Read every fact at once, each within a couple of seconds: a part that is down shows as
    down (or None) instead of holding up the answer. `syncing` and `cached_here`: the
    connectors this instance is calling Wolkvox for, and those it has a fresh copy of;
    `book`: the operations, each with its calls today and the last changes to them.

    In distribution mode `book` is the requester's workspace's, and every fact is that
    workspace's alone: its operations' calls against their quotas, its connectors syncing,
    cached and last synced, its changes (never a total over the workspaces in memory); the
    syncs waiting for a slot, counted per process, are left out (0)."""
    workspace = book.workspace if book is not None else ""
    operations_in = book.all() if book is not None else None
    used_now = (
        ops.quota.used_by(operations_in) if operations_in is not None else ops.quota.used_today()
    )
    ready, used, last, shared_cache = await asyncio.gather(
        ops.readiness(),
        _within(used_now),
        _within(last_syncs(store.engine, MAX_COUNTED, workspace=workspace)),
        _within(_cached_anywhere(ops.redis, workspace)) if ops.redis is not None else _nothing(),
    )
    last = [s for s in last if workspace_of(s.connector) == workspace] if last is not None else None
    cached = sorted(c for c in set(cached_here) | set(shared_cache or ()) if _mine(c, workspace))
    operations = (
        await operations_facts(ops, store, book, last=last, changes=CHANGES_SHOWN)
        if book is not None
        else OperationsFacts()
    )
    daily = ops.quota.daily_over(operations_in) if operations_in is not None else ops.quota.daily
    return StatusFacts(
        calls_today=used,
        daily_quota=daily,
        quota_state=quota_state(used or 0, daily),
        syncing=sorted(c for c in syncing if _mine(c, workspace)),
        waiting=0 if workspace else metrics.waiting_now(),
        cached=cached[:MAX_CACHED],
        last_syncs=(last or [])[:MAX_LAST_SYNCS],
        database=ready.database,
        redis=ready.redis,
        operations=operations,
    )


async def operations_facts(
    ops: Operations | None,
    store: Store | None,
    book: OperationBook,
    *,
    last: Sequence[LastSync] | None = None,
    changes: int = CHANGES_SHOWN,
) -> OperationsFacts:
    """Each operation with its calls today against its quota and how many of its connectors
    the history holds, and the last `changes` made to the operations; each read bounded (a
    part that is down reads as None). `last`: the newest syncs, when read already."""
    operations = book.all()
    if last is None and store is not None:
        last = await _within(last_syncs(store.engine, MAX_COUNTED, workspace=book.workspace))
    used, changed = await asyncio.gather(
        asyncio.gather(*(_within(_used_today(ops, op)) for op in operations)),
        _within(book.changes(changes)),
    )
    counted = _connectors_per_operation(last or (), book)
    default_quota = ops.quota.default_daily if ops is not None else 0  # WOLKVOX_DAILY_QUOTA
    usage = []
    for op, calls in zip(operations, used, strict=True):
        daily = op.daily_quota or default_quota
        usage.append(
            OperationUsage(
                name=op.name,
                server=op.server,
                token_tail=op.token_tail,
                from_environment=op.from_environment,
                calls_today=calls,
                daily_quota=daily,
                quota_state=quota_state(calls or 0, daily),
                connectors=counted.get(op.name, 0),
            )
        )
    return OperationsFacts(usage, changed)


def quota_state(used: int, daily: int) -> QuotaState:
    """ "ok", "warn" past 80 % of `daily`, "spent" at 100 %; "ok" when `daily` is unknown."""
    if daily <= 0:
        return "ok"
    if used >= daily:
        return "spent"
    return "warn" if used > daily * WARN_FROM else "ok"


async def _used_today(ops: Operations | None, operation: Operation) -> int:
    if ops is None:
        raise LookupError("the database is not open")
    return await ops.quota.used_today(operation)


def _connectors_per_operation(last: Sequence[LastSync], book: OperationBook) -> dict[str, int]:
    """How many connectors of each operation (by the name people type) have a sync in the
    history: the book's workspace's connectors only (a bare id, from before operations,
    counts as the environment's)."""
    counted: dict[str, int] = {}
    environment = book.environment.name if book.environment is not None else ""
    for sync in last:
        if not _mine(sync.connector, book.workspace):
            continue
        name = operation_name(operation_of(sync.connector)) or environment
        if name:
            counted[name] = counted.get(name, 0) + 1
    return counted


def _mine(connector: str, workspace: str) -> bool:
    """Whether `connector` (a key) is of `workspace` ("": single-workspace mode's keys)."""
    return workspace_of(connector) == workspace


async def _cached_anywhere(redis: Redis, workspace: str = "") -> list[str]:
    """Connectors whose fresh copy is in Redis (SharedState's cache keys): `workspace`'s only,
    when given."""
    found: list[str] = []
    scoped = f"{workspace}/" if workspace else ""
    async for key in redis.scan_iter(match=f"{PREFIX}cache:{scoped}*", count=500):
        found.append(key.decode().removeprefix(f"{PREFIX}cache:"))
        if len(found) >= MAX_CACHED:
            break
    return found


async def _within(work: Awaitable[T]) -> T | None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(READ_SECONDS):
            return await work
    return None


async def _nothing() -> None:
    return None
