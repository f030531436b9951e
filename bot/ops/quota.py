"""The daily Wolkvox quota: calls per token per day, counted across instances.

Wolkvox allows licenses x 1,000 calls per token per day (WOLKVOX_DAILY_QUOTA) and refuses the
rest with TOKEN LIMIT EXCEEDED. The bot counts its own calls: with Redis an INCR per call on a
key that expires after two days, otherwise a row per (token, day) in the database. Keys and
rows are named by a hash of the token, never the token.

The day is the UTC day. Wolkvox does not document when its day starts; UTC is the one clock
the bot shows everywhere, and if Wolkvox's day starts a few hours off, its own refusal still
reaches the user (the count here only decides when to stop asking). Other programs using the
same token are not counted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.history import ops_store

log = logging.getLogger(__name__)

QuotaState = Literal["ok", "warn", "spent"]
WARN_FROM = 0.8  # replies warn past 80 % of the day's quota
KEY_PREFIX = "wolkvox:quota:"
KEEP_DAYS = 2  # counts of older days are forgotten


class DailyCounter(Protocol):
    """Calls per (token key, day), shared by every instance."""

    async def add(self, token_key: str, day: str) -> int: ...

    async def get(self, token_key: str, day: str) -> int: ...


class RedisCounter:
    """Counts in Redis (REDIS_URL): INCR on a key per token and day, expiring after 2 days."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def add(self, token_key: str, day: str) -> int:
        key = f"{KEY_PREFIX}{token_key}:{day}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, KEEP_DAYS * 86_400)
        count, _ = await pipe.execute()
        return int(count)

    async def get(self, token_key: str, day: str) -> int:
        value = await self.redis.get(f"{KEY_PREFIX}{token_key}:{day}")
        return int(value or 0)


class DatabaseCounter:
    """Counts in the history database (no Redis): a row per token and day."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, token_key: str, day: str) -> int:
        oldest = (datetime.fromisoformat(day) - timedelta(days=KEEP_DAYS)).date().isoformat()
        return await ops_store.add_call(self.engine, token_key, day, keep_after=oldest)

    async def get(self, token_key: str, day: str) -> int:
        return await ops_store.calls_on(self.engine, token_key, day)


class Quota:
    """Wolkvox calls today against WOLKVOX_DAILY_QUOTA (`daily`, 0 when unknown)."""

    def __init__(
        self,
        counter: DailyCounter,
        token: str,
        daily: int,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.counter = counter
        self.daily = daily
        self.token_key = token_key(token)
        self._now = now

    def today(self) -> str:
        """The UTC day now, as YYYY-MM-DD."""
        return self._now().astimezone(UTC).date().isoformat()

    async def spend(self) -> None:
        """Count one Wolkvox call. Never fails a sync: a counter that can't be reached is
        logged and the call goes on uncounted."""
        try:
            await self.counter.add(self.token_key, self.today())
        except Exception as error:
            log.warning("could not count a Wolkvox call against the daily quota: %s", error)

    async def used_today(self) -> int:
        """Calls made today with the token, by every instance (raises if the counter can't be
        reached)."""
        return await self.counter.get(self.token_key, self.today())

    def state(self, used: int) -> QuotaState:
        """ "ok", "warn" past 80 % of the quota, "spent" at 100 %; "ok" when it is unknown."""
        if self.daily <= 0:
            return "ok"
        if used >= self.daily:
            return "spent"
        return "warn" if used > self.daily * WARN_FROM else "ok"

    async def spent(self) -> bool:
        """True when today's quota is known to be spent; False when unknown or unreadable."""
        if self.daily <= 0:
            return False
        try:
            return self.state(await self.used_today()) == "spent"
        except Exception as error:
            log.warning("could not read the calls made today: %s", error)
            return False


def token_key(token: str) -> str:
    """A short hash naming the token in keys and rows."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]
