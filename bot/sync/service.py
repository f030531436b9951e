"""Templates on demand: cache -> single flight -> Wolkvox.

- A connector synced less than `cache_ttl` seconds ago is answered from memory.
- Concurrent requests for one connector share one Wolkvox call (single flight).
- The last good snapshot of each connector is kept (bounded by template count) so that
  buttons can page through it and a failed sync can still show it, marked as stale.
- Whoever starts a Wolkvox call triggers the after-sync listeners once (notifications).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from cachetools import LRUCache, TTLCache

from bot.errors import SharedStateUnavailable, WolkvoxError
from bot.sync.shared import SharedState
from bot.templates.diff import Changes
from bot.templates.model import Snapshot, sorted_templates
from bot.templates.query import search_index_async
from bot.wolkvox import SyncAnswer

log = logging.getLogger(__name__)

MAX_CONNECTORS = 1024
MAX_KEPT_TEMPLATES = 200_000  # about 200 MB at worst-case 1 KB bodies; typically far less


class TemplateSource(Protocol):
    async def sync_templates(self, connector: str) -> SyncAnswer: ...


@dataclass(frozen=True, slots=True)
class SyncTrigger:
    """Who or what asked for a sync, for replies, notifications and history."""

    user_id: str = ""
    user_name: str = ""
    source: str = "slack"
    command: str = ""


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """A snapshot and how it was obtained.

    origin: "wolkvox" (this request made the call), "shared" (joined a call in flight),
    "cache" (no call), "stale" (the call failed; `error` says why, the snapshot is older).
    """

    snapshot: Snapshot
    origin: Literal["wolkvox", "shared", "cache", "stale"]
    error: WolkvoxError | None = None
    changes: Changes | None = None  # what this fresh sync changed, when history is kept


AfterSync = Callable[[Snapshot, Changes | None, SyncTrigger], Awaitable[None]]
Recorder = Callable[[Snapshot, SyncTrigger], Awaitable[Changes | None]]


class TemplateService:
    """Gives snapshots of a connector's templates, calling Wolkvox as little as possible."""

    def __init__(
        self,
        source: TemplateSource,
        *,
        cache_ttl: float,
        timer: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_kept_templates: int = MAX_KEPT_TEMPLATES,
        shared: SharedState | None = None,
        flight_deadline: float = 90.0,
    ) -> None:
        self._source = source
        self._recorder: Recorder | None = None
        self._shared = shared
        self._flight_deadline = flight_deadline
        self._now = now
        self._fresh: TTLCache[str, Snapshot] = TTLCache(MAX_CONNECTORS, ttl=cache_ttl, timer=timer)
        self._kept: LRUCache[str, Snapshot] = LRUCache(
            max_kept_templates, getsizeof=lambda snapshot: snapshot.count + 1
        )
        self._latest: LRUCache[str, str] = LRUCache(MAX_CONNECTORS)
        self._flights: dict[str, asyncio.Task[tuple[Snapshot, Changes | None]]] = {}
        self._after_sync: list[AfterSync] = []
        self._background: set[asyncio.Task[None]] = set()

    def on_fresh_sync(self, listener: AfterSync) -> None:
        """Call `listener` once after each Wolkvox call that succeeds (not for cache hits)."""
        self._after_sync.append(listener)

    def record_with(self, recorder: Recorder) -> None:
        """Store every fresh sync with `recorder` (history) before anyone hears of it."""
        self._recorder = recorder

    async def cached(self, connector: str) -> Snapshot | None:
        """The snapshot synced within the cache TTL, here or (with Redis) on any instance."""
        snapshot = self._fresh.get(connector)
        if snapshot is not None or self._shared is None:
            return snapshot
        snapshot_id = await self._shared.fresh_id(connector)
        return await self.kept(snapshot_id) if snapshot_id else None

    async def kept(self, snapshot_id: str) -> Snapshot | None:
        """A snapshot still kept (in memory, or in Redis), for buttons that page through it."""
        snapshot = self._kept.get(snapshot_id)
        if snapshot is not None or self._shared is None or not snapshot_id:
            return snapshot
        loaded = await self._shared.snapshot(snapshot_id)
        if loaded is None:
            return None
        snapshot = replace(loaded, index=await search_index_async(loaded.templates))
        self._keep(snapshot)
        return snapshot

    async def last_known(self, connector: str) -> Snapshot | None:
        """The newest snapshot still kept for `connector`, however old."""
        snapshot_id = self._latest.get(connector)
        if snapshot_id is None and self._shared is not None:
            snapshot_id = await self._shared.latest_id(connector)
        return await self.kept(snapshot_id) if snapshot_id else None

    def in_flight(self, connector: str) -> bool:
        return connector in self._flights

    async def sync(
        self, connector: str, trigger: SyncTrigger, *, refresh: bool = False
    ) -> SyncOutcome:
        """The templates of `connector`: cached unless `refresh`, else from Wolkvox (shared).

        Raises WolkvoxError only when the sync failed and no earlier snapshot is kept.
        """
        if not refresh:
            cached = await self.cached(connector)
            if cached is not None:
                return SyncOutcome(cached, "cache")
        flight = self._flights.get(connector)
        origin: Literal["wolkvox", "shared"] = "shared"
        if flight is None:
            origin = "wolkvox"
            since = time.time() if refresh else 0.0
            flight = asyncio.create_task(self._fetch(connector, trigger, since))
            self._flights[connector] = flight
            flight.add_done_callback(lambda task: self._land(connector, task))
        try:
            snapshot, changes = await asyncio.shield(flight)
        except WolkvoxError as error:
            try:
                stale = await self.last_known(connector)
            except SharedStateUnavailable:
                stale = None
            if stale is None:
                raise
            return SyncOutcome(stale, "stale", error)
        return SyncOutcome(snapshot, origin, changes=changes)

    async def _fetch(
        self, connector: str, trigger: SyncTrigger, since: float
    ) -> tuple[Snapshot, Changes | None]:
        """Call Wolkvox, or (with Redis) wait for the instance that already is."""
        if self._shared is None:
            return await self._produce(connector, trigger)
        result = await self._shared.once(
            connector,
            fresh_since=since,
            produce=lambda: self._produce(connector, trigger),
            deadline_seconds=self._flight_deadline,
        )
        if not isinstance(result, str):
            return result
        snapshot = await self.kept(result)
        if snapshot is None:  # published and gone already: very unlikely; ask again
            return await self._produce(connector, trigger)
        return snapshot, None

    async def _produce(
        self, connector: str, trigger: SyncTrigger
    ) -> tuple[Snapshot, Changes | None]:
        answer = await self._source.sync_templates(connector)
        templates = sorted_templates(answer.templates)
        snapshot = Snapshot(
            id=secrets.token_hex(5),
            connector=connector,
            templates=templates,
            skipped=answer.skipped,
            synced_at=self._now(),
            index=await search_index_async(templates),
        )
        self._fresh[connector] = snapshot
        self._keep(snapshot)
        if self._shared is not None:
            await self._shared.publish(snapshot)
        changes = await self._record(snapshot, trigger)
        for listener in self._after_sync:
            self._spawn(listener(snapshot, changes, trigger))
        return snapshot, changes

    def _keep(self, snapshot: Snapshot) -> None:
        try:
            self._kept[snapshot.id] = snapshot
            self._latest[snapshot.connector] = snapshot.id
        except ValueError:  # larger than the whole keep budget: cached, but not kept for paging
            log.warning("snapshot of %s too large to keep (%d)", snapshot.connector, snapshot.count)

    async def _record(self, snapshot: Snapshot, trigger: SyncTrigger) -> Changes | None:
        """Store the sync in history (committed before anyone is notified)."""
        if self._recorder is None:
            return None
        try:
            return await self._recorder(snapshot, trigger)
        except Exception:
            log.exception("could not store the sync of connector %s in history", snapshot.connector)
            return None

    def _land(self, connector: str, task: asyncio.Task[tuple[Snapshot, Changes | None]]) -> None:
        if self._flights.get(connector) is task:
            del self._flights[connector]
        if not task.cancelled() and task.exception() is not None:
            log.info("sync failed connector=%s: %s", connector, task.exception())

    def _spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("after-sync listener failed")

        task = asyncio.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for background work (notifications) to finish; used at shutdown and by tests."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
