"""What `/wolkvox-sync status` shows, as plain facts (the Slack reply renders them)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from typing import TypeVar

from redis.asyncio import Redis

from bot.database.bookkeeping import LastSync, last_syncs
from bot.database.redis import PREFIX
from bot.database.store import Store
from bot.ops import metrics
from bot.ops.health import PartHealth
from bot.ops.operations import Operations
from bot.ops.quota import QuotaState

MAX_CACHED = 200  # connectors listed as cached at most
READ_SECONDS = 2.0  # the most one fact may take to read
T = TypeVar("T")


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


async def status_facts(
    ops: Operations, store: Store, *, syncing: Collection[str], cached_here: Collection[str]
) -> StatusFacts:
    """Read every fact at once, each within a couple of seconds: a part that is down shows as
    down (or None) instead of holding up the answer. `syncing` and `cached_here`: the
    connectors this instance is calling Wolkvox for, and those it has a fresh copy of."""
    ready, used, last, shared_cache = await asyncio.gather(
        ops.readiness(),
        _within(ops.quota.used_today()),
        _within(last_syncs(store.engine)),
        _within(_cached_anywhere(ops.redis)) if ops.redis is not None else _nothing(),
    )
    cached = sorted(set(cached_here) | set(shared_cache or ()))
    return StatusFacts(
        calls_today=used,
        daily_quota=ops.quota.daily,
        quota_state=ops.quota.state(used or 0),
        syncing=sorted(syncing),
        waiting=metrics.waiting_now(),
        cached=cached[:MAX_CACHED],
        last_syncs=last or [],
        database=ready.database,
        redis=ready.redis,
    )


async def _cached_anywhere(redis: Redis) -> list[str]:
    """Connectors whose fresh copy is in Redis (SharedState's cache keys)."""
    found: list[str] = []
    async for key in redis.scan_iter(match=f"{PREFIX}cache:*", count=500):
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
