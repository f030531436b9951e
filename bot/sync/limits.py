"""How much of Wolkvox one caller may take: syncs per minute and syncs at once.

Only syncs that start a Wolkvox call count (joining a call in flight is free):
- a person: WOLKVOX_USER_SYNCS_PER_MINUTE (20) in any 60 seconds;
- a workflow runner (the person or channel a workflow step is run for, or the workspace's
  unmapped steps together): WOLKVOX_WORKFLOW_SYNCS_PER_MINUTE (20), and all of a
  workspace's workflow steps together WOLKVOX_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE (60);
- a person or a workflow runner has at most WOLKVOX_USER_SYNCS_AT_ONCE (2) syncs running or
  waiting for a Wolkvox slot at once; the slots themselves are shared in turn
  (`bot.wolkvox.slots`), so one member's burst never holds both.

Sliding windows in this process's memory: bounded by the number of callers tracked, and
forgotten a minute after a caller's last sync. The schedule and the console are not limited.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from bot.errors import LimitScope, SyncLimitReached, TooManyAtOnce

WINDOW_SECONDS = 60.0
MAX_USERS = 10_000


class PerMinute:
    """At most `per_minute` syncs per key in any 60 seconds; 0 turns the limit off."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._recent: TTLCache[str, deque[float]] = TTLCache(
            MAX_USERS, ttl=WINDOW_SECONDS, timer=clock
        )

    def wait(self, key: str) -> float:
        """0.0 if `key` may start a sync now, else how many seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock()
        recent = self._recent.get(key) or deque()
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= self.per_minute:
            return max(0.1, recent[0] + WINDOW_SECONDS - now)
        return 0.0

    def count(self, key: str) -> None:
        """Count one sync for `key`."""
        if self.per_minute <= 0:
            return
        recent = self._recent.get(key) or deque()
        recent.append(self._clock())
        self._recent[key] = recent  # re-set: the entry lives a minute past the last sync


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a sync is charged to: `key` names the person or runner (also their slot turn),
    `scope` which limits apply, `workspace` the team whose workflow steps share a limit."""

    key: str
    scope: LimitScope | None  # None: the schedule or the console, not limited
    workspace: str = ""


class SyncLimits:
    """The per-minute and at-once limits, checked together when a sync would call Wolkvox."""

    def __init__(
        self,
        *,
        user_per_minute: int,
        workflow_per_minute: int = 0,
        workspace_per_minute: int = 0,
        at_once: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.at_once = at_once
        self._windows: dict[LimitScope, PerMinute] = {
            "user": PerMinute(user_per_minute, clock=clock),
            "workflow": PerMinute(workflow_per_minute, clock=clock),
            "workspace": PerMinute(workspace_per_minute, clock=clock),
        }
        self._running: Counter[str] = Counter()

    def start(self, caller: Caller, connector: str) -> Callable[[], None]:
        """Charge one sync of `connector` to `caller`; call what is returned once it has
        ended (it runs or waits until then). Raise SyncLimitReached (per minute) or
        TooManyAtOnce, charging nothing, when over a limit."""
        if caller.scope is None:
            return _nothing
        if self._running[caller.key] >= self.at_once:
            raise TooManyAtOnce(connector, self.at_once, caller.scope)
        charges = self._charges(caller)
        for scope, key in charges:
            retry_in = self._windows[scope].wait(key)
            if retry_in:
                raise SyncLimitReached(connector, self._windows[scope].per_minute, retry_in, scope)
        for scope, key in charges:
            self._windows[scope].count(key)
        self._running[caller.key] += 1
        return lambda: self._end(caller.key)

    def _end(self, key: str) -> None:
        self._running[key] -= 1
        if self._running[key] <= 0:
            del self._running[key]

    @staticmethod
    def _charges(caller: Caller) -> list[tuple[LimitScope, str]]:
        if caller.scope == "workflow":
            return [("workflow", caller.key), ("workspace", caller.workspace)]
        return [("user", caller.key)]


def _nothing() -> None:
    return None
