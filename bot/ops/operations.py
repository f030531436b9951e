"""The operator's parts of a running bot, built once the database is open: the daily quota
counter, the schedule's claims, readiness checks and the numbers `/metrics` reads at scrape.

It keeps its own small Redis client (when REDIS_URL is set) for the quota counter and the
health check, so that a slow scrape or check never queues behind template traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis

from bot.config import Settings
from bot.database.redis import connect
from bot.database.store import Store
from bot.ops import metrics
from bot.ops.claims import DatabaseClaims
from bot.ops.health import Readiness, readiness
from bot.ops.quota import DailyCounter, DatabaseCounter, OperationLookup, Quota, RedisCounter

log = logging.getLogger(__name__)

SCRAPE_SECONDS = 2.0  # the most a scrape waits for one number it reads from a store


class Operations:
    """Quota, claims, readiness and metrics for one bot. `operations` (the book) says which
    token and daily quota each connector key's sync is counted against; without it, the
    environment's token (WOLKVOX_TOKEN) only."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        redis: Redis | None = None,
        operations: OperationLookup | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._own_redis = redis is None and bool(settings.redis_url)
        self.redis = connect(settings.redis_url) if self._own_redis else redis
        counter: DailyCounter = (
            RedisCounter(self.redis) if self.redis is not None else DatabaseCounter(store.engine)
        )
        self.quota = Quota(
            counter,
            operations if operations is not None else settings.wolkvox_token,
            settings.daily_quota,
        )
        self.claims = DatabaseClaims(store.engine)
        self._unready: list[str] = []

    async def aclose(self) -> None:
        if self._own_redis and self.redis is not None:
            await self.redis.aclose()

    async def readiness(self) -> Readiness:
        """The database and Redis, each asked with a short timeout; failures are logged when
        they begin and end, not at every check."""
        answer = await readiness(self.store.engine, self.redis)
        if answer.failing != self._unready:
            for part in answer.parts:
                if not part.ok:
                    log.warning("not ready: %s is down (%s)", part.name, part.reason)
            if not answer.failing:
                log.info("ready again: the database and Redis answer")
            self._unready = answer.failing
        return answer

    async def metrics_text(self) -> bytes:
        """The metrics, with the outbox backlog and today's quota read just now."""
        with contextlib.suppress(Exception):  # a store that doesn't answer keeps the last value
            async with asyncio.timeout(SCRAPE_SECONDS):
                metrics.outbox_backlog(await self.store.pending_count())
        with contextlib.suppress(Exception):
            async with asyncio.timeout(SCRAPE_SECONDS):
                metrics.quota(await self.quota.used_today(), self.quota.daily)
        return metrics.text()
