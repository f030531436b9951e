"""Readiness: can this instance reach its database and (when set) Redis, quickly?

`/healthz` only says the process answers; `/readyz` asks each part with a short timeout, so a
load balancer or an operator sees which one fails. The answer names the part, never its
address or credentials (it is public); the reason goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class PartHealth:
    """One part's answer: "ok", "down" (with why, for the log) or "not used"."""

    name: str
    state: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state != "down"


@dataclass(frozen=True, slots=True)
class Readiness:
    database: PartHealth
    redis: PartHealth

    @property
    def ready(self) -> bool:
        return self.database.ok and self.redis.ok

    @property
    def failing(self) -> list[str]:
        return [p.name for p in (self.database, self.redis) if not p.ok]

    def body(self) -> dict[str, Any]:
        """The small JSON `/readyz` answers with."""
        return {
            "ready": self.ready,
            "database": self.database.state,
            "redis": self.redis.state,
            **({"failing": self.failing} if not self.ready else {}),
        }


async def check_database(engine: AsyncEngine | None, seconds: float = CHECK_SECONDS) -> PartHealth:
    """SELECT 1 within `seconds`."""
    if engine is None:
        return PartHealth("database", "down", "not opened yet")

    async def ask() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return await _check("database", ask(), seconds)


async def check_redis(redis: Redis | None, seconds: float = CHECK_SECONDS) -> PartHealth:
    """PING within `seconds`; "not used" without REDIS_URL."""
    if redis is None:
        return PartHealth("redis", "not used")
    return await _check("redis", redis.ping(), seconds)


async def readiness(engine: AsyncEngine | None, redis: Redis | None) -> Readiness:
    """Both checks at once: the answer comes within about one timeout."""
    database, shared = await asyncio.gather(check_database(engine), check_redis(redis))
    return Readiness(database, shared)


async def _check(name: str, probe: Any, seconds: float) -> PartHealth:
    try:
        async with asyncio.timeout(seconds):
            await probe
    except TimeoutError:
        return PartHealth(name, "down", f"no answer within {seconds:g} s")
    except Exception as error:
        reason = str(error).strip().splitlines()
        return PartHealth(name, "down", reason[0] if reason else type(error).__name__)
    return PartHealth(name, "ok")
