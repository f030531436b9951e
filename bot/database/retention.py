"""WOLKVOX_HISTORY_DAYS: syncs older than that, the template content only they used, and
settled notifications are deleted, at start and then every hour."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.database.store import Pruned, Store
from bot.periodic import Periodic

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0


class Retention:
    """Prunes history older than `days` now and then."""

    def __init__(self, store: Store, days: int, now: Callable[[], datetime]) -> None:
        self.store = store
        self.days = days
        self.now = now
        self._loop = Periodic(
            "history-retention", self.prune_once, failure="pruning history failed", log=log
        )

    async def prune_once(self) -> Pruned:
        pruned = await self.store.prune(self.now() - timedelta(days=self.days))
        if any((pruned.syncs, pruned.notifications)):
            log.info("history pruned (older than %d days): %s", self.days, pruned)
        return pruned

    def start(self, every: float = PRUNE_EVERY_SECONDS) -> None:
        self._loop.start(every)

    async def stop(self) -> None:
        await self._loop.stop()
