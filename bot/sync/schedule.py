"""WOLKVOX_AUTO_SYNC: sync a fixed list of connectors once per period of
WOLKVOX_AUTO_SYNC_MINUTES, however many instances run, and across restarts.

How one schedule holds across instances (the decision):
- Periods are aligned to the Unix epoch: period k starts at k x interval seconds. Every
  instance computes the same periods from its own clock, without talking to the others.
- Before syncing a connector in a period, an instance *claims* (connector, period start):
  a database row inserted if absent (`bot.database.bookkeeping.claim_period`). The one whose
  insert succeeded syncs; every other instance, and a process restarted within the period,
  finds the row and skips. So Wolkvox gets one scheduled call per connector per period.
- Why the database and not a Redis lock or a `clock` process: every deployment has the
  database (SQLite or PostgreSQL), Redis is optional; a claim outlives a restart, where a lock
  expires; and `web=3` needs no extra process type to be right.
- Trade-offs: a claimed sync that fails is not retried within its period (the next period
  tries again), and an instance that dies between claiming and syncing loses that period.
  Instances' clocks should agree to within a small part of the period (NTP does).

Without claims (one process, or tests) every period is synced here.

Operations: an entry is a connector key (`cliente_a:1234`); a bare id is the environment
operation's (qualified at start; without an environment operation it is skipped, said once in
the log). An entry whose operation does not exist (never added, or removed since) is skipped
each period while it is missing, said once in the log; it is synced again once the operation
is back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Protocol

from bot.errors import OperationError, WolkvoxError
from bot.periodic import Periodic
from bot.sync.service import SyncTrigger, TemplateService
from bot.templates.connectors import canonical_connector, operation_of, qualify

log = logging.getLogger(__name__)

TRIGGER = SyncTrigger(source="scheduler", command="WOLKVOX_AUTO_SYNC")


class Claims(Protocol):
    """Who syncs a connector in a period: `claim` is True for exactly one caller anywhere."""

    async def claim(self, connector: str, period_start: float) -> bool: ...


class AutoSync:
    """Syncs a fixed list of connectors at the start of each period of `interval` seconds
    (`01234` and `1234` once: they are one connector), only those it claims when `claims`
    is given.

    With `operations` (the names of the operations in effect, asked each period), bare ids
    are `environment`'s and a connector whose operation is missing is skipped; without it
    (older callers, tests) every connector is synced as written."""

    def __init__(
        self,
        service: TemplateService,
        connectors: Sequence[str],
        interval: float,
        *,
        claims: Claims | None = None,
        clock: Callable[[], float] = time.time,
        operations: Callable[[], Collection[str]] | None = None,
        environment: str | None = None,
    ) -> None:
        self.service = service
        self._operations = operations
        self._told: set[str] = set()  # connectors whose missing operation the log has named
        words = [canonical_connector(c) for c in connectors]
        if operations is not None:
            words = [self._qualified(word, environment) for word in words]
        self.connectors = list(dict.fromkeys(word for word in words if word))
        self.interval = interval
        self.rounds = 0  # periods begun
        self._claims = claims
        self._clock = clock
        self._period = 0.0  # the start of the period the loop last looked at
        self._done: float | None = None  # the start of the last period synced
        self._loop = Periodic(
            "wolkvox-auto-sync", self._run_due_period, failure="auto-sync failed", log=log
        )

    def _qualified(self, connector: str, environment: str | None) -> str:
        """`1234` -> `environment:1234`; "" when there is no environment operation."""
        if operation_of(connector):
            return connector
        if environment:
            return qualify(environment, connector)
        log.warning(
            "WOLKVOX_AUTO_SYNC: connector %s is skipped: a bare id is the operation of "
            "WOLKVOX_SERVER/WOLKVOX_TOKEN, and there is none (write operation:%s)",
            connector,
            connector,
        )
        return ""

    def due(self) -> list[str]:
        """The connectors to sync this period: those whose operation exists now."""
        if self._operations is None:
            return list(self.connectors)
        names = set(self._operations())
        due = []
        for connector in self.connectors:
            if operation_of(connector) in names:
                self._told.discard(connector)
                due.append(connector)
            elif connector not in self._told:
                self._told.add(connector)
                log.warning(
                    "WOLKVOX_AUTO_SYNC: connector %s is skipped while operation %s does not "
                    "exist (it was removed, or not added yet)",
                    connector,
                    operation_of(connector),
                )
        return due

    def start(self) -> None:
        if self.connectors and not self._loop.running:
            self._done = None
            self._loop.start(self._until_next_period)

    async def stop(self) -> None:
        await self._loop.stop()

    def period_start(self, now: float | None = None) -> float:
        """When the period holding `now` (Unix seconds; default: the clock) started."""
        now = self._clock() if now is None else now
        return math.floor(now / self.interval) * self.interval

    async def run_once(self) -> None:
        """Sync every connector now (at most 2 at once, as always); failures are logged."""
        self.rounds += 1
        await self._sync(self.due())

    async def run_period(self, period_start: float) -> list[str]:
        """Sync the connectors this instance claims for the period; returns them."""
        due = self.due()
        mine = [c for c in due if await self._claim(c, period_start)]
        if self._claims is not None:
            others = [c for c in due if c not in mine]
            log.info(
                "auto-sync, period from %s UTC: syncing here: %s; already claimed: %s",
                datetime.fromtimestamp(period_start, UTC).strftime("%Y-%m-%d %H:%M:%S"),
                ", ".join(mine) or "none",
                ", ".join(others) or "none",
            )
        self.rounds += 1
        await self._sync(mine)
        return mine

    async def _claim(self, connector: str, period_start: float) -> bool:
        if self._claims is None:
            return True
        try:
            return await self._claims.claim(connector, period_start)
        except Exception as error:  # the database is down: skip the period rather than risk two
            log.warning(
                "scheduled sync of connector %s skipped: could not claim the period (%s)",
                connector,
                error,
            )
            return False

    async def _sync(self, connectors: Sequence[str]) -> None:
        results = await asyncio.gather(
            *(self.service.sync(c, TRIGGER, refresh=True) for c in connectors),
            return_exceptions=True,
        )
        for connector, result in zip(connectors, results, strict=True):
            if isinstance(result, WolkvoxError | OperationError):
                log.warning("scheduled sync of connector %s failed: %s", connector, result)
            elif isinstance(result, BaseException):
                log.error("scheduled sync of connector %s crashed", connector, exc_info=result)

    async def _run_due_period(self) -> None:
        self._period = self.period_start()
        if self._period != self._done:  # a sleep that ends a hair early must not run it twice
            await self.run_period(self._period)
            self._done = self._period

    def _until_next_period(self) -> float:
        return max(0.0, self._period + self.interval - self._clock())
