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
    """What `/readyz` found: ready when no part is down."""

    database: PartHealth
    redis: PartHealth

    @property
    def parts(self) -> tuple[PartHealth, ...]:
        return (self.database, self.redis)

    @property
    def ready(self) -> bool:
        return all(p.ok for p in self.parts)

    @property
    def failing(self) -> list[str]:
        return [p.name for p in self.parts if not p.ok]

    def body(self) -> dict[str, Any]:
        """The small JSON `/readyz` answers with: each part's state by its name."""
        return {
            "ready": self.ready,
            **{p.name: p.state for p in self.parts},
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
        return PartHealth(name, "down", first_line(error))
    return PartHealth(name, "ok")


def first_line(error: BaseException) -> str:
    """An error in one line: its message's first, or its class name when it says nothing."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
