"""One deadline for a shutdown: WOLKVOX_SHUTDOWN_GRACE seconds from SIGTERM, whatever is queued.

The platform kills the process 30 s after SIGTERM, so every phase takes its time from the same
deadline: the requests in flight (at most REQUESTS_SECONDS, an acknowledgement Slack still
waits for), the syncs people wait for, telling those that can't finish to run their command
again (TELL_SECONDS kept for it), the work after syncs and the outbox. What is still running
at the deadline is dropped and counted in one log line.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable

REQUESTS_SECONDS = 3  # Slack gives up on an acknowledgement after 3 s (whole seconds: uvicorn)
TELL_SECONDS = 2.0  # kept at the end of the grace to tell people to run their command again


class Deadline:
    """A point in (monotonic) time a shutdown must be over by."""

    def __init__(self, at: float) -> None:
        self.at = at

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self, *, keeping: float = 0.0) -> float:
        """Seconds left before the deadline, less `keeping` (never below 0)."""
        return max(0.0, self.at - keeping - time.monotonic())

    def tell_reserve(self) -> float:
        """How much of what is left to keep for telling people: TELL_SECONDS, or a quarter
        of a shorter grace."""
        return min(TELL_SECONDS, self.left() / 4)

    async def within(self, work: Awaitable[object]) -> bool:
        """Run `work` until the deadline; False when it had to be cancelled."""
        try:
            await asyncio.wait_for(work, self.left())
        except TimeoutError:
            return False
        return True


class Shutdown:
    """The shutdown of one process: begun at SIGTERM, over WOLKVOX_SHUTDOWN_GRACE later."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self._deadline: Deadline | None = None

    @property
    def requests_seconds(self) -> int:
        """How long requests in flight may take: REQUESTS_SECONDS, or a quarter of a short
        grace (at least 1 s)."""
        return min(REQUESTS_SECONDS, max(1, int(self.grace / 4)))

    def begin(self) -> Deadline:
        """Start the clock (SIGTERM); later calls keep the first deadline."""
        if self._deadline is None:
            self._deadline = Deadline.after(self.grace)
        return self._deadline

    @property
    def deadline(self) -> Deadline:
        return self.begin()


def unfinished_tasks() -> int:
    """Tasks still running besides the caller and the server's own: what leaving now drops."""
    current = asyncio.current_task()
    return sum(
        1
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and not _serving(task)
    )


def _serving(task: asyncio.Task[object]) -> bool:
    """A task of uvicorn or of the entry point (`python -m bot`): the server, not the work."""
    code = getattr(task.get_coro(), "cr_code", None)
    filename = str(getattr(code, "co_filename", ""))
    return f"{os.sep}uvicorn{os.sep}" in filename or filename.endswith("__main__.py")
