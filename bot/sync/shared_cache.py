"""What instances share through Redis (when REDIS_URL is set) to sync as one:

- the template cache: which snapshot is fresh for a connector, and the snapshots themselves;
- single flight across instances: one Wolkvox call per connector, whoever asks, anywhere.

Every lock has an expiry, so a crashed instance never holds one for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import errors
from bot.database.redis import PREFIX
from bot.errors import SharedStateUnavailable, WolkvoxError, WolkvoxTimeout
from bot.templates.model import Snapshot, Template

log = logging.getLogger(__name__)

KEEP_SECONDS = 6 * 3600  # how long a snapshot stays fetchable by id (buttons on any instance)
ERROR_SECONDS = 10  # waiters of a failed call see its error instead of calling again
POLL_SECONDS = 0.05
T = TypeVar("T")

# KEYS[1] lock; ARGV[1] owner: delete only our own lock
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


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

    async def forget_operation(self, name: str) -> int:
        """Drop the fresh and latest marks of an operation's connectors (`name:*`) for every
        instance; the snapshots stay fetchable by id until they expire. How many keys."""
        keys: list[bytes] = []
        try:
            for kind in ("cache", "latest"):
                pattern = f"{PREFIX}{kind}:{name}:*"  # names are a-z 0-9 _ -: no glob
                keys.extend([key async for key in self.redis.scan_iter(match=pattern, count=500)])
        except RedisError as error:
            raise SharedStateUnavailable(str(error)) from error
        if keys:
            await self._call(self.redis.delete(*keys))
        return len(keys)

    async def forget_workspace(self, workspace: str) -> int:
        """Drop an uninstalled workspace's marks (`T0123ABCD/*`): fresh, latest, errors and
        the snapshots the latest marks name; the rest of its snapshots go by id
        (`forget_snapshots`). How many keys."""
        keys: list[bytes] = []
        try:
            for kind in ("cache", "latest", "error"):
                pattern = f"{PREFIX}{kind}:{workspace}/*"  # ids are A-Z 0-9: no glob
                keys.extend([key async for key in self.redis.scan_iter(match=pattern, count=500)])
        except RedisError as error:
            raise SharedStateUnavailable(str(error)) from error
        marks = [key for key in keys if not key.startswith(f"{PREFIX}error:".encode())]
        named = [v for v in await self._call(self.redis.mget(marks)) if v] if marks else []
        keys.extend(f"{PREFIX}snap:{snapshot_id.decode()}".encode() for snapshot_id in named)
        if keys:
            await self._call(self.redis.delete(*keys))
        return len(keys)

    async def forget_snapshots(self, snapshot_ids: Sequence[str]) -> None:
        """Delete these snapshots' copies."""
        keys = [f"{PREFIX}snap:{snapshot_id}" for snapshot_id in snapshot_ids]
        for start in range(0, len(keys), 500):
            await self._call(self.redis.delete(*keys[start : start + 500]))

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
                    # a call that published between the check above and taking the lock
                    # is not made again
                    published = await self._published_since(connector, fresh_since)
                    if published is not None:
                        return published
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
