"""The schedule's claims in the database: one instance syncs a connector in a period
(`bot.sync.schedule` explains the decision)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import bookkeeping

KEEP_SECONDS = 3 * 86_400  # claims of older periods are forgotten (a period is at most a day)


def instance_name() -> str:
    """Who claimed a period, for someone reading the table: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DatabaseClaims:
    """Claims as rows of `schedule_claims`, inserted if absent."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.owner = owner or instance_name()
        self._clock = clock

    async def claim(self, connector: str, period_start: float) -> bool:
        """True when this instance is the one to sync `connector` in the period."""
        now = self._clock()
        won = await bookkeeping.claim_period(
            self.engine,
            connector,
            round(period_start * 1000),
            claimed_by=self.owner,
            now=now,
        )
        if won:
            await bookkeeping.prune_claims(self.engine, round((now - KEEP_SECONDS) * 1000))
        return won
