"""State shared by several instances through Redis (when REDIS_URL is set).

- the template cache: which snapshot is fresh for a connector, and the snapshots themselves;
- single flight across instances: one Wolkvox call per connector, whoever asks, anywhere;
- the 2-in-flight limit per Wolkvox token, counted across instances and handed out in turn.

Every lock and slot has an expiry, so a crashed instance never holds one for ever. Redis's
own clock (TIME in Lua) times the slots, so instances' clocks need not agree. Keys never
contain the token: slots are named by a hash of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from bot import errors
from bot.errors import SharedStateUnavailable, WolkvoxError, WolkvoxTimeout
from bot.templates.model import Snapshot, Template
from bot.wolkvox.slots import MAX_IN_FLIGHT, PER_CALLER

log = logging.getLogger(__name__)

PREFIX = "wolkvox:"
KEEP_SECONDS = 6 * 3600  # how long a snapshot stays fetchable by id (buttons on any instance)
ERROR_SECONDS = 10  # waiters of a failed call see its error instead of calling again
POLL_SECONDS = 0.05
WAITER_HEARTBEAT_MS = 2000  # a waiter that stops polling this long leaves the slot queue
T = TypeVar("T")

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
# KEYS[1] lock; ARGV[1] owner: delete only our own lock
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def connect(url: str) -> Redis:
    """A client that retries briefly on connection trouble before giving up."""
    return Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
        **tls_options(url),
    )


def tls_options(url: str) -> dict[str, Any]:
    """What a rediss:// URL needs beyond itself: Heroku Redis presents a self-signed
    certificate, so, as Heroku documents for redis-py, it is not verified
    (`ssl_cert_reqs=None`) unless the URL says otherwise (`?ssl_cert_reqs=required`)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "rediss":
        return {}
    if any(name == "ssl_cert_reqs" for name, _ in parse_qsl(parts.query)):
        return {}  # redis-py reads it from the URL, which wins over keyword arguments
    return {"ssl_cert_reqs": None}


def dump_snapshot(snapshot: Snapshot) -> bytes:
    raw = {
        "id": snapshot.id,
        "connector": snapshot.connector,
        "synced_at": snapshot.synced_at.timestamp(),
        "skipped": snapshot.skipped,
        "templates": [[t.name, t.language, t.category, t.body] for t in snapshot.templates],
    }
    return zlib.compress(json.dumps(raw, ensure_ascii=False).encode(), 6)


def load_snapshot(blob: bytes) -> Snapshot:
    """A snapshot from its stored form (without its search index: the caller builds it)."""
    raw = json.loads(zlib.decompress(blob))
    return Snapshot(
        id=raw["id"],
        connector=raw["connector"],
        templates=tuple(Template(*t) for t in raw["templates"]),
        skipped=int(raw["skipped"]),
        synced_at=datetime.fromtimestamp(raw["synced_at"], UTC),
    )


def dump_error(error: WolkvoxError) -> bytes:
    fields = {k: v for k, v in vars(error).items() if isinstance(v, str | int | float)}
    return json.dumps({"kind": type(error).__name__, "fields": fields, "at": time.time()}).encode()


def load_error(blob: bytes) -> tuple[WolkvoxError, float]:
    """The error another instance's call ended with, rebuilt as the same class."""
    raw = json.loads(blob)
    kind = getattr(errors, str(raw.get("kind")), None)
    fields = raw.get("fields", {})
    error: WolkvoxError
    if isinstance(kind, type) and issubclass(kind, WolkvoxError):
        error = kind.__new__(kind)
        Exception.__init__(
            error, f"connector {fields.get('connector')}: {fields.get('detail', '')}"
        )
        error.__dict__.update(fields)
    else:
        error = WolkvoxError(str(fields.get("connector", "")), str(fields.get("detail", "")))
    return error, float(raw.get("at", 0))


class RedisSlots:
    """At most `limit` holders at once across every instance sharing `redis` (per token), at
    most `per_caller` of them one caller's, handed out in turn (`bot.wolkvox.slots`)."""

    def __init__(
        self,
        redis: Redis,
        token: str,
        *,
        limit: int = MAX_IN_FLIGHT,
        lease_seconds: float,
        per_caller: int = PER_CALLER,
    ) -> None:
        self.redis = redis
        name = hashlib.sha256(token.encode()).hexdigest()[:16]
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


class SharedState:
    """The cache and single flight, shared through Redis."""

    def __init__(self, redis: Redis, *, cache_ttl: float, lock_seconds: float) -> None:
        self.redis = redis
        self.cache_ms = int(cache_ttl * 1000)
        self.lock_ms = int(lock_seconds * 1000)
        self._unlock = redis.register_script(_UNLOCK)

    async def aclose(self) -> None:
        await self.redis.aclose()

    async def fresh_id(self, connector: str) -> str | None:
        """The id of the snapshot synced within the cache TTL, on any instance."""
        value = await self._call(self.redis.get(f"{PREFIX}cache:{connector}"))
        return value.decode() if value else None

    async def latest_id(self, connector: str) -> str | None:
        value = await self._call(self.redis.get(f"{PREFIX}latest:{connector}"))
        return value.decode() if value else None

    async def snapshot(self, snapshot_id: str) -> Snapshot | None:
        blob = await self._call(self.redis.get(f"{PREFIX}snap:{snapshot_id}"))
        return load_snapshot(blob) if blob else None

    async def publish(self, snapshot: Snapshot) -> None:
        """Make a fresh snapshot the cached one for every instance."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(f"{PREFIX}snap:{snapshot.id}", dump_snapshot(snapshot), px=KEEP_SECONDS * 1000)
        pipe.set(f"{PREFIX}cache:{snapshot.connector}", snapshot.id, px=self.cache_ms)
        pipe.set(f"{PREFIX}latest:{snapshot.connector}", snapshot.id, px=KEEP_SECONDS * 1000)
        await self._call(pipe.execute())

    async def once(
        self,
        connector: str,
        *,
        fresh_since: float,
        produce: Callable[[], Awaitable[T]],
        deadline_seconds: float,
    ) -> T | str:
        """Run `produce` here if no instance is syncing `connector`, else wait for that sync.

        Returns what `produce` returned, or the id of the snapshot another instance published
        (synced at or after `fresh_since`, a Unix time). Raises the error the other call ended
        with, if it failed meanwhile.
        """
        lock = f"{PREFIX}lock:{connector}"
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + deadline_seconds
        while True:
            published = await self._published_since(connector, fresh_since)
            if published is not None:
                return published
            failed = await self._call(self.redis.get(f"{PREFIX}error:{connector}"))
            if failed:
                error, at = load_error(failed)
                if at >= fresh_since:
                    raise error
            if await self._call(self.redis.set(lock, owner, nx=True, px=self.lock_ms)):
                try:
                    return await produce()
                except WolkvoxError as error:
                    with contextlib.suppress(RedisError):
                        await self.redis.set(
                            f"{PREFIX}error:{connector}", dump_error(error), ex=ERROR_SECONDS
                        )
                    raise
                finally:
                    with contextlib.suppress(RedisError):  # it expires anyway
                        await self._unlock(keys=[lock], args=[owner])
            if time.monotonic() > deadline:
                raise WolkvoxTimeout(connector, deadline_seconds)
            await asyncio.sleep(POLL_SECONDS)

    async def _published_since(self, connector: str, since: float) -> str | None:
        snapshot_id = await self.fresh_id(connector)
        if snapshot_id is None:
            return None
        if since <= 0:
            return snapshot_id
        blob = await self._call(self.redis.get(f"{PREFIX}snap:{snapshot_id}"))
        if blob is None:
            return None
        synced_at = json.loads(zlib.decompress(blob)).get("synced_at", 0)
        return snapshot_id if float(synced_at) >= since else None

    @staticmethod
    async def _call(work: Awaitable[Any]) -> Any:
        try:
            return await work
        except RedisError as error:
            raise SharedStateUnavailable(str(error)) from error
