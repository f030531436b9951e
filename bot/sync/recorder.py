"""Sync history: record each fresh sync and what changed since the previous one.

The sync and the notifications it causes (`compose`) are committed in one transaction, before
anyone is notified: the notifier delivers from the outbox after `record`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot.database.outbox import Outgoing
from bot.database.store import Store
from bot.sync.service import SyncTrigger
from bot.templates.diff import Changes, diff
from bot.templates.model import Snapshot

log = logging.getLogger(__name__)

Compose = Callable[[Snapshot, Changes, SyncTrigger], Awaitable[Sequence[Outgoing]]]
"""Turns a sync, what changed and who asked into the notifications to queue with it."""


class History:
    """Stores every fresh sync and says what changed since the previous one."""

    def __init__(self, store: Store, compose: Compose | None = None) -> None:
        self.store = store
        self.compose = compose

    async def record(
        self, snapshot: Snapshot, trigger: SyncTrigger, compose: Compose | None = None
    ) -> Changes:
        """Store the sync and what `compose` makes of it; a database that is briefly
        unreachable is tried again (3 times)."""
        for attempt, pause in enumerate((0.5, 1.0, 2.0, 0.0)):
            try:
                return await self._record(snapshot, trigger, compose or self.compose)
            except (SQLAlchemyError, OSError) as error:
                if pause == 0.0:
                    raise
                log.warning("history write failed (attempt %d): %s", attempt + 1, error)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _record(
        self, snapshot: Snapshot, trigger: SyncTrigger, compose: Compose | None
    ) -> Changes:
        previous = await self.store.latest_templates(snapshot.connector)
        changes = (
            diff(previous[1], snapshot.templates, previous[0])
            if previous
            else diff(None, snapshot.templates)
        )
        notifications = await compose(snapshot, changes, trigger) if compose else ()
        await self.store.record_sync(
            snapshot_id=snapshot.id,
            connector=snapshot.connector,
            synced_at=snapshot.synced_at,
            templates=snapshot.templates,
            skipped=snapshot.skipped,
            source=trigger.source,
            user_id=trigger.user_id,
            user_name=trigger.user_name,
            command=trigger.command,
            changes=changes,
            notifications=notifications,
        )
        return changes

    async def snapshot(self, snapshot_id: str) -> Snapshot | None:
        """A stored sync as a snapshot again (for a button on an older message)."""
        return await stored_snapshot(self.store, snapshot_id)


async def stored_snapshot(store: Store, snapshot_id: str) -> Snapshot | None:
    """A stored sync as a snapshot (without a search index); None when it isn't stored."""
    stored = await store.stored_sync(snapshot_id)
    if stored is None:
        return None
    record, templates = stored
    return Snapshot(
        id=record.id,
        connector=record.connector,
        templates=tuple(templates),
        skipped=record.skipped,
        synced_at=record.synced_at,
    )
