"""The core every door shares (Slack, the console, the web entry): the settings, the template
service (cache -> single flight -> Wolkvox), the operations (the book), the database,
operating parts (quota, schedule claims, readiness, metrics) and the clock. `bot.assembly`
builds it; a door starts and stops it.

Operations: `open` reads the stored ones (a WOLKVOX_SECRET_KEY that does not open their tokens
raises SecretKeyError: the start stops with one line naming it); `start` watches for changes
made anywhere (every 2 s); an operation removed (here or elsewhere) has its cache and kept
snapshots forgotten (`TemplateService.forget_operation`) and its subscriptions, queued
notifications, schedule claims and channel defaults deleted (`Store.forget_operation`).

Workspaces: `books` holds one book per Slack workspace in distribution mode
(`bot.operations.books.OperationBooks`, read when a workspace's request first needs it);
`book` is single-workspace mode's (the environment's operation and the stored ones).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.config import Settings
from bot.database.outbox import Outgoing
from bot.database.retention import Retention
from bot.database.store import Store
from bot.operations.book import OperationBook
from bot.operations.books import OperationBooks
from bot.ops.operations import Operations
from bot.ops.status import StatusFacts, status_facts
from bot.shutdown import Deadline, unfinished_tasks
from bot.sync.digests import DigestPoster, DigestTicker
from bot.sync.recorder import History
from bot.sync.schedule import AutoSync
from bot.sync.service import SyncTrigger, TemplateService
from bot.templates.diff import Changes
from bot.templates.model import Snapshot
from bot.wolkvox.token_slots import TokenSlots

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Notifications(Protocol):
    """Who tells people what a sync changed (the Slack notifier): it composes what to queue
    with a sync, delivers it, and sweeps what is still queued."""

    async def compose(
        self, snapshot: Snapshot, changes: Changes, trigger: SyncTrigger
    ) -> Sequence[Outgoing]: ...

    async def after_sync(
        self, snapshot: Snapshot, changes: Changes | None, trigger: SyncTrigger
    ) -> None: ...

    async def deliver_pending(self) -> int: ...

    def start_sweeping(self) -> None: ...

    async def stop_sweeping(self) -> None: ...


@dataclass
class Core:
    """The running core: open it (the database), start it with whoever notifies, close it."""

    service: TemplateService
    settings: Settings
    now: Clock
    books: OperationBooks  # the Wolkvox operations in effect, per workspace
    store: Store | None = None
    ops: Operations | None = None  # quota, schedule claims, readiness, metrics
    notifications: Notifications | None = None
    scheduler: AutoSync | None = None
    retention: Retention | None = None
    digests: DigestTicker | None = None  # daily and weekly digests, when the notifier posts them
    slots: TokenSlots | None = None  # the Wolkvox slots per token (None: the source's own)
    closers: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.books.on_removed(self._operations_removed)

    @property
    def book(self) -> OperationBook:
        """Single-workspace mode's operations (workspace "")."""
        return self.books.single

    async def open(self) -> Store:
        """Open the database (create or upgrade the schema), read the stored operations
        (SecretKeyError when WOLKVOX_SECRET_KEY does not open their tokens) and open the
        operating parts; the service spends each token's daily quota from now on, and without
        Redis the Wolkvox slots are counted in the database too."""
        if self.store is None:
            self.store = await Store.open(self.settings.database_url)
            # closed last: the Wolkvox clients release their database slots as they close
            self.closers.insert(0, self.store)
        self.books.attach(self.store.operations)
        await self.books.load()
        if self.slots is not None and self.slots.redis is None:
            self.slots.use_database(self.store.engine)
        self.ops = Operations(self.settings, self.store, operations=self.books)
        self.service.spend_quota_with(self.ops.quota)
        return self.store

    async def _operations_removed(self, names: Sequence[str]) -> None:
        """Operations removed here or on another instance: stop serving and notifying them."""
        for name in names:
            await self.service.forget_operation(name)
            if self.store is not None:
                try:
                    await self.store.forget_operation(name)
                except Exception as error:  # the removing instance deleted them already
                    log.warning("could not delete what operation %s left: %s", name, error)
            log.info("operation %s removed: its cache, schedule and subscriptions stop", name)

    async def start(self, notifications: Notifications, *, schedule: bool = True) -> None:
        """Record each fresh sync with its notifications, send what is still queued, keep the
        history within WOLKVOX_HISTORY_DAYS and start the in-process schedule and, when the
        notifier posts digests (a DigestPoster), the digests' ticker (`schedule` False, for
        the console: neither)."""
        store = self.require_store()
        self.notifications = notifications
        history = History(store, compose=notifications.compose)
        self.service.record_with(history.record)
        self.service.archive_with(history.snapshot)
        self.service.on_fresh_sync(notifications.after_sync)
        await notifications.deliver_pending()
        notifications.start_sweeping()
        self.retention = Retention(store, self.settings.history_days, self.now)
        self.retention.start()
        self.books.start_watching()
        if schedule and isinstance(notifications, DigestPoster):
            self.digests = DigestTicker(
                store,
                notifications,
                timezone=self.settings.timezone,
                now=self.now,
                notify_unchanged=self.settings.notify_unchanged,
            )
            self.digests.start()
        if schedule and self.settings.auto_sync and self.ops is not None:
            environment = self.book.environment
            self.scheduler = AutoSync(
                self.service,
                self.settings.auto_sync,
                self.settings.auto_sync_minutes * 60,
                claims=self.ops.claims,
                operations=self.book.names,
                environment=environment.name if environment is not None else None,
            )
            self.scheduler.start()

    async def stop_background(self) -> None:
        """Stop the schedule, the digests' ticker, watching the operations and the retention
        sweep: no new work starts by itself."""
        await self.books.stop_watching()
        if self.digests is not None:
            await self.digests.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.retention is not None:
            await self.retention.stop()

    async def aclose(self, deadline: Deadline, *, told: int = 0) -> None:
        """Let running syncs finish by `deadline`, send what is queued, close; say in the log
        what was dropped to keep the deadline (`told`: waiters a door told to try again)."""
        await self.stop_background()
        drained = await deadline.within(self.service.drain())
        if self.notifications is not None:
            await self.notifications.stop_sweeping()
            await deadline.within(self.notifications.deliver_pending())
        queued = await self._queued_notifications()
        dropped = unfinished_tasks()
        if told or not drained or queued or dropped:
            log.warning(
                "shutdown: %d sync(s) told to run the command again, %d notification(s) left "
                "queued for the next start, %d unfinished task(s) dropped (work after syncs, "
                "workflow steps, requests)",
                told,
                queued,
                dropped,
            )
        if self.ops is not None:
            await self.ops.aclose()
        for closer in reversed(self.closers):
            await closer.aclose()

    async def status(self, book: OperationBook | None = None) -> StatusFacts:
        """The facts `status` shows: calls today, syncs, cache, database and Redis (`book`:
        the requester's workspace's operations; single-workspace mode's by default)."""
        if self.ops is None:
            raise RuntimeError("Core.open() was not awaited")
        return await status_facts(
            self.ops,
            self.require_store(),
            syncing=self.service.syncing,
            cached_here=self.service.cached_here,
            book=book or self.book,
        )

    async def _queued_notifications(self) -> int:
        """Notifications still in the outbox (0 when the count can't be read in a second)."""
        if self.store is None:
            return 0
        try:
            return await asyncio.wait_for(self.store.pending_count(), 1.0)
        except Exception:
            return 0

    def require_store(self) -> Store:
        if self.store is None:
            raise RuntimeError("Core.open() was not awaited")
        return self.store
