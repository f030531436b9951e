"""Per-user limit on commands that spend Wolkvox quota (WOLKVOX_USER_SYNCS_PER_MINUTE).

A sliding window of the last minute per user, in this process's memory: bounded by the number
of users tracked, and forgotten a minute after a user's last sync.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from cachetools import TTLCache

WINDOW_SECONDS = 60.0
MAX_USERS = 10_000


class UserSyncLimit:
    """At most `per_minute` syncs per user in any 60 seconds; 0 turns the limit off."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._recent: TTLCache[str, deque[float]] = TTLCache(
            MAX_USERS, ttl=WINDOW_SECONDS, timer=clock
        )

    def take(self, user_id: str) -> float:
        """Count one sync for `user_id`; 0.0 if allowed, else how many seconds until the next
        one is (and nothing is counted)."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock()
        recent = self._recent.get(user_id) or deque()
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= self.per_minute:
            return max(0.1, recent[0] + WINDOW_SECONDS - now)
        recent.append(now)
        self._recent[user_id] = recent  # re-set: the entry lives a minute past the last sync
        return 0.0
