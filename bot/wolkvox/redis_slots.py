"""The 2-in-flight limit per Wolkvox token, counted across instances through Redis and handed
out in turn (the cross-instance form of `bot.wolkvox.slots.FairSlots`).

Every slot has a lease, so a crashed instance never holds one for ever. Redis's own clock
(TIME in Lua) times the slots, so instances' clocks need not agree. Keys never contain the
token: slots are named by its key, a hash of it (`bot.operations.model.token_key`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import secrets
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.database.redis import PREFIX
from bot.errors import SharedStateUnavailable
from bot.wolkvox.slots import MAX_IN_FLIGHT, PER_CALLER

TOKEN_KEY = re.compile(r"[0-9a-f]{16}")
WAITER_HEARTBEAT_MS = 2000  # a waiter that stops polling this long leaves the slot queue

# Fair slots (bot.wolkvox.slots, across instances). KEYS: [1] slots (member -> lease expiry ms),
# [2] queue (member -> ticket ms), [3] alive (waiting member -> heartbeat expiry ms).
# ARGV: limit, lease ms, member ("caller|nonce"), per caller, heartbeat ms.
# A member takes a slot when one is free and no caller ahead of it in the queue that holds
# fewer than `per caller` slots would get it first; waiters whose instance stopped polling
# (heartbeat expired) leave the queue.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, lease, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local per_caller, heartbeat = tonumber(ARGV[4]), tonumber(ARGV[5])
local function caller_of(m) return string.match(m, '^(.*)|[^|]*$') or m end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[2], gone)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZADD', KEYS[2], 'NX', now, member)
redis.call('ZADD', KEYS[3], now + heartbeat, member)
redis.call('PEXPIRE', KEYS[2], lease * 2)
redis.call('PEXPIRE', KEYS[3], lease * 2)
local holders = redis.call('ZRANGE', KEYS[1], 0, -1)
local free = limit - #holders
if free <= 0 then return 0 end
local held = {}
for _, m in ipairs(holders) do
  local c = caller_of(m)
  held[c] = (held[c] or 0) + 1
end
for _, w in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local c = caller_of(w)
  if (held[c] or 0) < per_caller then
    if w == member then
      redis.call('ZREM', KEYS[2], member)
      redis.call('ZREM', KEYS[3], member)
      redis.call('ZADD', KEYS[1], now + lease, member)
      redis.call('PEXPIRE', KEYS[1], lease * 2)
      return 1
    end
    held[c] = (held[c] or 0) + 1
    free = free - 1
    if free <= 0 then return 0 end
  end
end
return 0
"""


class RedisSlots:
    """At most `limit` holders at once across every instance sharing `redis` for the token
    named by `token_key` (`bot.operations.model.token_key`: never the token itself), at most
    `per_caller` of them one caller's, handed out in turn (`bot.wolkvox.slots`)."""

    def __init__(
        self,
        redis: Redis,
        token_key: str,
        *,
        limit: int = MAX_IN_FLIGHT,
        lease_seconds: float,
        per_caller: int = PER_CALLER,
    ) -> None:
        if not TOKEN_KEY.fullmatch(token_key):  # a token would end up in Redis's keys
            raise ValueError("RedisSlots takes a token's key (token_key(token)), not a token")
        self.redis = redis
        name = token_key
        self.keys = [f"{PREFIX}slots:{name}", f"{PREFIX}slotq:{name}", f"{PREFIX}slotw:{name}"]
        self.key = self.keys[0]
        self.limit = limit
        self.per_caller = per_caller
        self.lease_ms = int(lease_seconds * 1000)
        self._acquire = redis.register_script(_ACQUIRE)

    @contextlib.asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        member = f"{caller.replace('|', '/')}|{secrets.token_hex(8)}"
        try:
            await self._take(member)
        except RedisError as error:
            await self._forget(member)
            raise SharedStateUnavailable(str(error)) from error
        except BaseException:  # given up (a timeout): a slot taken just now must not linger
            await self._forget(member)
            raise
        try:
            yield
        finally:
            with contextlib.suppress(RedisError):  # the lease frees it anyway
                await self.redis.zrem(self.key, member)

    async def _forget(self, member: str) -> None:
        """Leave the queue (and a slot granted just now)."""
        with contextlib.suppress(RedisError):  # the heartbeat and lease expire anyway
            pipe = self.redis.pipeline(transaction=True)
            for key in self.keys:
                pipe.zrem(key, member)
            await pipe.execute()

    async def _take(self, member: str) -> None:
        """Wait for a free slot in turn. A release on another instance can't wake us: poll,
        jittered, renewing our place in the queue each time.

        The caller bounds the wait (it cancels this: see WolkvoxClient)."""
        args: list[str | int] = [
            self.limit,
            self.lease_ms,
            member,
            self.per_caller,
            WAITER_HEARTBEAT_MS,
        ]
        while True:
            if await self._acquire(keys=self.keys, args=args):
                return
            await asyncio.sleep(0.02 + random.random() * 0.03)  # noqa: S311 - jitter, not crypto
