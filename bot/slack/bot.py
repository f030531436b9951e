"""The running bot: the Bolt app, the template service, history, and what must be closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.history.recorder import History
from bot.history.retention import Retention
from bot.history.store import Store
from bot.ops.operations import Operations
from bot.shutdown import Deadline, unfinished_tasks
from bot.slack.languages import UserLanguages
from bot.slack.notifier import Notifier
from bot.slack.pending import PendingReplies
from bot.sync.schedule import AutoSync
from bot.sync.service import TemplateService

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class Bot:
    """The running parts: the Bolt app, the template service, history and what must be closed."""

    app: AsyncApp
    service: TemplateService
    settings: Settings
    web: AsyncWebClient
    now: Clock
    languages: UserLanguages
    store: Store | None = None
    notifier: Notifier | None = None
    scheduler: AutoSync | None = None
    retention: Retention | None = None
    ops: Operations | None = None  # quota, schedule claims, readiness, metrics
    pending: PendingReplies = field(default_factory=PendingReplies)
    _closers: list[Any] = field(default_factory=list)

    async def start(self, *, schedule: bool = True) -> None:
        """Open the database (create or upgrade the schema), send what is still queued, and
        start the in-process schedule."""
        if self.store is None:
            self.store = await Store.open(self.settings.database_url)
            self._closers.append(self.store)
        self.ops = Operations(self.settings, self.store)
        self.service.spend_quota_with(self.ops.quota)
        self.languages.use_store(self.store)
        self.notifier = Notifier(
            self.store,
            self.web,
            notify_channel=self.settings.notify_channel,
            notify_unchanged=self.settings.notify_unchanged,
            now=self.now,
            languages=self.languages,
        )
        history = History(self.store, compose=self.notifier.compose)
        self.service.record_with(history.record)
        self.service.archive_with(history.snapshot)
        self.service.on_fresh_sync(self.notifier.after_sync)
        await self.notifier.deliver_pending()
        self.notifier.start_sweeping()
        self.retention = Retention(self.store, self.settings.history_days, self.now)
        self.retention.start()
        if schedule and self.settings.auto_sync:
            self.scheduler = AutoSync(
                self.service,
                self.settings.auto_sync,
                self.settings.auto_sync_minutes * 60,
                claims=self.ops.claims,
            )
            self.scheduler.start()

    async def aclose(self, deadline: Deadline | None = None) -> None:
        """Stop (SIGTERM) by `deadline` (WOLKVOX_SHUTDOWN_GRACE from now by default): let
        running syncs finish and answer, tell whoever still waits to run the command again,
        send what is queued, close; say in the log what was dropped to keep the deadline."""
        deadline = deadline or Deadline.after(self.settings.shutdown_grace)
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.retention is not None:
            await self.retention.stop()
        told = await self.pending.settle(deadline)
        drained = await deadline.within(self.service.drain())
        if self.notifier is not None:
            await self.notifier.stop_sweeping()
            await deadline.within(self.notifier.deliver_pending())
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
        for closer in reversed(self._closers):
            await closer.aclose()

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
            raise RuntimeError("Bot.start() was not awaited")
        return self.store
