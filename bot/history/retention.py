"""WOLKVOX_HISTORY_DAYS: syncs older than that, the template content only they used, and
settled notifications are deleted, at start and then every hour."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.history.store import Pruned, Store

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0


class Retention:
    """Prunes history older than `days` now and then."""

    def __init__(self, store: Store, days: int, now: Callable[[], datetime]) -> None:
        self.store = store
        self.days = days
        self.now = now
        self._task: asyncio.Task[None] | None = None

    async def prune_once(self) -> Pruned:
        pruned = await self.store.prune(self.now() - timedelta(days=self.days))
        if any((pruned.syncs, pruned.notifications)):
            log.info("history pruned (older than %d days): %s", self.days, pruned)
        return pruned

    def start(self, every: float = PRUNE_EVERY_SECONDS) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(every), name="history-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, every: float) -> None:
        while True:
            try:
                await self.prune_once()
            except Exception:  # a database outage must not end the schedule
                log.warning("pruning history failed; trying again in %g s", every, exc_info=True)
            await asyncio.sleep(every)
