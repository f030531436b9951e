"""A database call waited for at most some seconds, without cutting it off.

Cancelling a query in flight (what `asyncio.timeout` does) leaves aiosqlite's worker thread
answering later, and SQLAlchemy's connection to be garbage collected unclosed: with the event
loop gone by then, that is an unhandled error in a thread. So a bounded wait lets the query
finish in the background (its connection goes back to the pool) and gives up only on waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")

_RUNNING: set[asyncio.Future[Any]] = set()


async def bounded(work: Awaitable[T], seconds: float) -> T:
    """`work`'s result, or TimeoutError after `seconds` (the work goes on to its end)."""
    task = asyncio.ensure_future(work)
    _RUNNING.add(task)
    task.add_done_callback(_finished)
    return await asyncio.wait_for(asyncio.shield(task), seconds)


def _finished(task: asyncio.Future[Any]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled():
        with contextlib.suppress(Exception):
            task.exception()  # retrieved: one given up on is not reported as never retrieved
