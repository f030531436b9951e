"""Who may call Wolkvox now: the 2 requests in flight a token allows, shared fairly.

Wolkvox refuses a third request in flight per token, so a call first holds one of 2 slots.
Slots are handed out in turn: each caller (a person, a workflow runner, the schedule, the
console) holds at most `per_caller` of them at once, and when one comes free it goes to the
caller who has waited longest among those who hold none. One member who sends twenty syncs
can hold one slot; the other stays free for everyone else.

The limit is per token: operations sharing a token share its 2 slots, operations with
different tokens call side by side (`bot.wolkvox.token_slots` hands out one set per token).
`FairSlots` counts in this process; `bot.wolkvox.redis_slots.RedisSlots` does the same across every
instance sharing Redis; without Redis, `bot.wolkvox.database_slots.DatabaseSlots` across the
processes sharing a database, behind this process's `FairSlots` (`LocalThenShared`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

MAX_IN_FLIGHT = 2  # Wolkvox answers a third request in flight per token with 403
PER_CALLER = 1  # slots one caller may hold at once: the other one stays free for the rest


class Slots(Protocol):
    """At most 2 holders per token at once, at most `per_caller` of them one caller's."""

    def hold(self, caller: str) -> AbstractAsyncContextManager[None]: ...


@dataclass(eq=False)
class _Waiter:
    caller: str
    granted: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class FairSlots:
    """Slots counted in this process (one instance), served in turn."""

    def __init__(self, limit: int = MAX_IN_FLIGHT, *, per_caller: int = PER_CALLER) -> None:
        self.limit = limit
        self.per_caller = per_caller
        self._held: Counter[str] = Counter()
        self._waiting: deque[_Waiter] = deque()

    @property
    def in_use(self) -> int:
        return sum(self._held.values())

    @contextlib.asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        """Hold a slot for `caller` while the block runs; wait in turn for one."""
        if self._free_for(caller):
            self._held[caller] += 1  # nobody eligible waits: `_grant` would have served them
        else:
            await self._wait(caller)
        try:
            yield
        finally:
            self._release(caller)

    def _free_for(self, caller: str) -> bool:
        return self.in_use < self.limit and self._held[caller] < self.per_caller

    async def _wait(self, caller: str) -> None:
        waiter = _Waiter(caller)
        self._waiting.append(waiter)
        try:
            await waiter.granted
        except BaseException:  # given up (a timeout): a slot granted meanwhile goes on
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._release(caller)
            else:
                self._waiting.remove(waiter)
            raise

    def _release(self, caller: str) -> None:
        self._held[caller] -= 1
        if self._held[caller] <= 0:
            del self._held[caller]
        self._grant()

    def _grant(self) -> None:
        """Give free slots to the longest-waiting callers that hold fewer than their share."""
        for waiter in list(self._waiting):
            if self.in_use >= self.limit:
                return
            if self._held[waiter.caller] < self.per_caller and not waiter.granted.done():
                self._waiting.remove(waiter)
                self._held[waiter.caller] += 1
                waiter.granted.set_result(None)


class LocalThenShared:
    """A slot of this process's fair share first (`local`, served in turn), then one of the
    slots shared with other processes (`shared`): the callers of this process wait in turn
    here, and at most `local.limit` of them ask the shared slots at once."""

    def __init__(self, local: Slots, shared: Slots) -> None:
        self.local = local
        self.shared = shared

    @contextlib.asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        async with self.local.hold(caller), self.shared.hold(caller):
            yield
