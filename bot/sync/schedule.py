"""Optional in-process schedule: WOLKVOX_AUTO_SYNC connectors every WOLKVOX_AUTO_SYNC_MINUTES."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from bot.errors import WolkvoxError
from bot.sync.service import SyncTrigger, TemplateService
from bot.templates.connectors import canonical_connector

log = logging.getLogger(__name__)

TRIGGER = SyncTrigger(source="scheduler", command="WOLKVOX_AUTO_SYNC")


class AutoSync:
    """Syncs a fixed list of connectors now and then every `interval` seconds (`01234` and
    `1234` once: they are one connector)."""

    def __init__(
        self, service: TemplateService, connectors: Sequence[str], interval: float
    ) -> None:
        self.service = service
        self.connectors = list(dict.fromkeys(canonical_connector(c) for c in connectors))
        self.interval = interval
        self.rounds = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.connectors and self._task is None:
            self._task = asyncio.create_task(self._run(), name="wolkvox-auto-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> None:
        """Sync every connector (at most 2 at once, as always); failures are logged."""
        results = await asyncio.gather(
            *(self.service.sync(c, TRIGGER, refresh=True) for c in self.connectors),
            return_exceptions=True,
        )
        for connector, result in zip(self.connectors, results, strict=True):
            if isinstance(result, WolkvoxError):
                log.warning("scheduled sync of connector %s failed: %s", connector, result)
            elif isinstance(result, BaseException):
                log.error("scheduled sync of connector %s crashed", connector, exc_info=result)
        self.rounds += 1

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.interval)
