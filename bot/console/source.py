"""The snapshots a console lookup reads: the last stored sync of each connector, or Wolkvox.

Without `refresh`, a connector's newest sync in the history database is read (no Wolkvox
call). A connector with nothing stored yet, or every connector with `refresh`, is synced
through the bot's own TemplateService, as `wolkvox-sync sync` does: the same cache, refresh
cooldown, 2-in-flight limit, daily quota, history and notifications; at most one Wolkvox
call per connector.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.assembly import build_app
from bot.config import Settings
from bot.database.store import Store
from bot.errors import BotError
from bot.operations.book import OperationBook
from bot.operations.secrets import SecretBox
from bot.sync.recorder import stored_snapshot
from bot.sync.service import SyncOutcome, SyncTrigger
from bot.templates.connectors import workspace_of
from bot.templates.model import Snapshot
from bot.templates.query import search_index

STORED = "history"  # a Source's origin when it was read from the database


@dataclass(frozen=True, slots=True)
class Source:
    """A connector's snapshot and where it came from: "history" (the last stored sync) or how
    the service got it ("wolkvox", "cache", "cooldown", "quota"...)."""

    snapshot: Snapshot
    origin: str


class SyncFailed(Exception):
    """A connector that had to be synced could not be: `error` says why."""

    def __init__(self, connector: str, error: BotError) -> None:
        super().__init__(f"connector {connector}: {error}")
        self.connector = connector
        self.error = error


async def open_store(settings: Settings) -> Store:
    """The database (created or upgraded; rows from before operations existed belong to
    WOLKVOX_OPERATION_NAME's)."""
    return await Store.open(settings.database_url, operation_name=settings.operation_name)


def operation_book(settings: Settings, store: Store, workspace: str = "") -> OperationBook:
    """The book of the operations (not read yet: `list` and `remove` need no key). Single-
    workspace mode: the environment's and those stored in `store`. Distribution mode:
    `workspace`'s stored ones only (there is no environment operation then; workspace ""
    holds what single-workspace mode left, which `rekey` reaches with every workspace's)."""
    box = SecretBox(settings.secret_keys)
    if settings.distribution:
        rows = store.operations.for_workspace(workspace)
        return OperationBook(None, rows, box, workspace=workspace)
    return OperationBook(
        settings.environment_operation,
        store.operations,
        box,
        environment_aliases=settings.aliases,
    )


async def loaded_book(settings: Settings, store: Store, workspace: str = "") -> OperationBook:
    """The operations in effect (`workspace`'s in distribution mode), their tokens opened
    (SecretKeyError when WOLKVOX_SECRET_KEY is missing or does not open them)."""
    book = operation_book(settings, store, workspace)
    await book.load()
    return book


async def read_sources(
    settings: Settings, store: Store, connectors: Sequence[str], *, refresh: bool, command: str
) -> list[Source]:
    """One Source per connector key, in order (a connector named twice is read once). Raises
    SyncFailed for the first connector whose sync failed."""
    wanted = list(dict.fromkeys(connectors))
    found: dict[str, Source] = {}
    if not refresh:
        for connector in wanted:
            snapshot = await newest_snapshot(store, connector)
            if snapshot is not None:
                found[connector] = Source(snapshot, STORED)
    missing = [c for c in wanted if c not in found]
    if missing:
        found.update(await _sync(settings, store, missing, refresh=refresh, command=command))
    return [found[c] for c in connectors]


async def newest_snapshot(store: Store, connector: str) -> Snapshot | None:
    """The newest sync of `connector` in the history database, as a snapshot ready to search;
    None if none."""
    newest = await store.history(connector, limit=1)
    snapshot = await stored_snapshot(store, newest[0].id) if newest else None
    if snapshot is None:
        return None
    return replace(snapshot, index=search_index(snapshot.templates))


async def _sync(
    settings: Settings, store: Store, connectors: Sequence[str], *, refresh: bool, command: str
) -> dict[str, Source]:
    """Sync `connectors` through the bot's service; notifications go out before returning."""
    results = await sync_with_bot(settings, connectors, command, refresh=refresh, store=store)
    sources: dict[str, Source] = {}
    for connector, result in zip(connectors, results, strict=True):
        if isinstance(result, BotError):
            raise SyncFailed(connector, result)
        if isinstance(result, BaseException):
            raise result
        if result.origin == "stale" and result.error is not None:
            raise SyncFailed(connector, result.error)
        sources[connector] = Source(result.snapshot, result.origin)
    return sources


async def sync_with_bot(
    settings: Settings,
    connectors: Sequence[str],
    command: str,
    *,
    refresh: bool,
    store: Store | None = None,
) -> list[SyncOutcome | BaseException]:
    """Sync `connectors` through the bot's own TemplateService (cache, cooldown, limits,
    quota, history), one result each, for `command` (history records it); notifications go
    out before it returns."""
    trigger = SyncTrigger(source="console", command=command)
    door = build_app(settings, store=store)
    try:
        await door.start(schedule=False)
        for workspace in sorted({workspace_of(c) for c in connectors} - {""}):
            await door.books.book_for(workspace)  # the keys' operations, read before syncing
        results = await asyncio.gather(
            *(door.service.sync(c, trigger, refresh=refresh) for c in connectors),
            return_exceptions=True,
        )
        await door.service.drain()  # notifications go out before the process ends
    finally:
        await door.aclose()
    return results
