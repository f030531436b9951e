"""The daily Wolkvox quota: calls per token per day, counted across instances.

Wolkvox allows licenses x 1,000 calls per token per day (WOLKVOX_DAILY_QUOTA) and refuses the
rest with TOKEN LIMIT EXCEEDED. The bot counts its own calls as reservations: a call that holds
one of the token's 2 slots takes one of the day's calls atomically (a Lua script on a Redis key
that expires after two days, or a conditional UPDATE of a row per (token, day) in the
database), so however many instances and requests race, no more calls go out than the quota.
None left: QuotaSpent; the counter can't be read: QuotaUnknown (refused rather than
overspent). A call that never reached Wolkvox gives its reservation back. Keys and rows are
named by a hash of the token, never the token.

The day is the UTC day. Wolkvox does not document when its day starts; UTC is the one clock
the bot shows everywhere, and if Wolkvox's day starts a few hours off, its own refusal still
reaches the user (the count here only decides when to stop asking). Other programs using the
same token are not counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import bookkeeping
from bot.errors import QuotaSpent, QuotaUnknown
from bot.ops.health import first_line

log = logging.getLogger(__name__)

QuotaState = Literal["ok", "warn", "spent"]
WARN_FROM = 0.8  # replies warn past 80 % of the day's quota
KEY_PREFIX = "wolkvox:quota:"
KEEP_DAYS = 2  # counts of older days are forgotten
COUNTER_SECONDS = 5.0  # the most a reservation waits for the counter before refusing


# KEYS[1] the day's count; ARGV: limit (0: none), expiry seconds. 1 when a call is taken.
_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > 0 and used >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""
_GIVE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1
"""


class DailyCounter(Protocol):
    """Calls per (token key, day), shared by every instance."""

    async def reserve(self, token_key: str, day: str, limit: int) -> bool: ...

    async def give_back(self, token_key: str, day: str) -> None: ...

    async def get(self, token_key: str, day: str) -> int: ...


class RedisCounter:
    """Counts in Redis (REDIS_URL): a key per token and day, expiring after 2 days."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)
        self._give_back = redis.register_script(_GIVE_BACK)

    async def reserve(self, token_key: str, day: str, limit: int) -> bool:
        key = f"{KEY_PREFIX}{token_key}:{day}"
        return bool(await self._reserve(keys=[key], args=[limit, KEEP_DAYS * 86_400]))

    async def give_back(self, token_key: str, day: str) -> None:
        await self._give_back(keys=[f"{KEY_PREFIX}{token_key}:{day}"], args=[])

    async def get(self, token_key: str, day: str) -> int:
        value = await self.redis.get(f"{KEY_PREFIX}{token_key}:{day}")
        return int(value or 0)


class DatabaseCounter:
    """Counts in the history database (no Redis): a row per token and day."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def reserve(self, token_key: str, day: str, limit: int) -> bool:
        oldest = (datetime.fromisoformat(day) - timedelta(days=KEEP_DAYS)).date().isoformat()
        return await bookkeeping.reserve_call(
            self.engine, token_key, day, limit=limit, keep_after=oldest
        )

    async def give_back(self, token_key: str, day: str) -> None:
        await bookkeeping.give_back_call(self.engine, token_key, day)

    async def get(self, token_key: str, day: str) -> int:
        return await bookkeeping.calls_on(self.engine, token_key, day)


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

    async def reserve(self, connector: str) -> Reservation:
        """Take one of today's calls for a sync of `connector`, or raise QuotaSpent (none
        left) or QuotaUnknown (the counter can't be reached and a quota is set: refused rather
        than overspent). Without a quota, calls are still counted (for `status`), and one the
        counter misses is only logged."""
        day = self.today()
        try:
            async with asyncio.timeout(COUNTER_SECONDS):
                taken = await self.counter.reserve(self.token_key, day, self.daily)
        except Exception as error:
            if self.daily <= 0:
                log.warning(
                    "could not count a Wolkvox call (no quota set): %s", first_line(error)[:200]
                )
                return Reservation(self, day, counted=False)
            log.warning(
                "refused a Wolkvox call of connector %s: the daily quota counter could not be "
                "read (%s)",
                connector,
                first_line(error)[:200],
            )
            raise QuotaUnknown(connector, "the daily quota counter could not be read") from None
        if not taken:
            raise QuotaSpent(connector, self.daily)
        return Reservation(self, day)

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


class Reservation:
    """One call taken from the day's quota; `give_back` when it never reached Wolkvox."""

    def __init__(self, quota: Quota, day: str, *, counted: bool = True) -> None:
        self.quota = quota
        self.day = day
        self.counted = counted

    async def give_back(self) -> None:
        if not self.counted:
            return
        self.counted = False
        try:
            async with asyncio.timeout(COUNTER_SECONDS):
                await self.quota.counter.give_back(self.quota.token_key, self.day)
        except Exception as error:  # counted once too many: safe, only the quota is stricter
            log.warning(
                "could not give back a Wolkvox call never made: %s", first_line(error)[:200]
            )


def token_key(token: str) -> str:
    """A short hash naming the token in keys and rows."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]
