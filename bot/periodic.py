"""A background task that runs some work again and again, logs what fails, and stops cleanly:
history retention, the outbox sweep and the auto-sync schedule each run one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class Periodic:
    """Runs `work` every `every` seconds (or as long as `every()` says) in a task named `name`;
    a failure is logged to `log` as `failure` and the loop goes on."""

    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[object]],
        *,
        failure: str,
        log: logging.Logger,
    ) -> None:
        self.name = name
        self.work = work
        self.failure = failure
        self.log = log
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, every: float | Callable[[], float], *, wait_first: bool = False) -> None:
        """Start the loop (once: a second call does nothing); `wait_first` waits before the
        first run instead of running at once."""
        if self._task is None:
            wait = every if callable(every) else lambda: every
            self._task = asyncio.create_task(self._run(wait, wait_first), name=self.name)

    async def stop(self) -> None:
        """Cancel the loop and wait until it has ended."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, wait: Callable[[], float], wait_first: bool) -> None:
        if wait_first:
            await asyncio.sleep(wait())
        while True:
            try:
                await self.work()
            except Exception:  # a database or network outage must not end the loop
                self.log.warning("%s; trying again in %g s", self.failure, wait(), exc_info=True)
            await asyncio.sleep(wait())
