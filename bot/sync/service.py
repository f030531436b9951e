"""Templates on demand: cache -> cooldown -> single flight -> Wolkvox.

- A connector synced less than `cache_ttl` seconds ago is answered from memory.
- A refresh within `refresh_cooldown` seconds of the last Wolkvox sync (here or, with Redis,
  on any instance) answers with that sync instead of calling again.
- Concurrent requests for one connector share one Wolkvox call (single flight).
- Recent snapshots are kept (bounded in bytes, a few per connector, identical content shared:
  `bot.sync.kept`) so that buttons can page through them and a failed sync can still show
  one, marked as stale.
- Whoever starts a Wolkvox call triggers the after-sync listeners once (notifications).
- `01234` and `1234` are one connector: every connector id is made canonical first.
- With a daily quota (`spend_quota_with`), every Wolkvox call reserves one of the day's calls
  of its operation's token once it holds a slot (`bot.ops.quota`); once that quota is spent a
  request that would call answers with the last copy instead ("quota"), or is refused
  (QuotaSpent) when there is none.
- Connectors are keys (`cliente_a:1234`), opaque here but for `forget_operation`: an
  operation removed has nothing served from memory as fresh or recent any more; and for
  `forget_workspace`: an uninstalled workspace's keys (`T0123ABCD/cliente_a:1234`) leave
  nothing in memory or Redis, and a sync of it running meanwhile is neither kept, recorded
  nor notified.
- Whoever starts a Wolkvox call is charged for it (`bot.sync.limits`): per minute and at once,
  per person, workflow runner and workspace; they also wait their turn for a slot.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from cachetools import TTLCache

from bot.errors import QuotaSpent, SharedStateUnavailable, WolkvoxError
from bot.ops import metrics
from bot.sync.kept import KEEP_BYTES, KeptSnapshots
from bot.sync.limits import Caller, SyncLimits
from bot.sync.shared_cache import SharedState
from bot.templates.connectors import canonical_connector, operation_of, workspace_of
from bot.templates.diff import Changes
from bot.templates.model import Snapshot, sorted_templates
from bot.wolkvox import SyncAnswer
from bot.wolkvox.client import Admit, Reservation

log = logging.getLogger(__name__)

CACHE_READ_SECONDS = 1.0

MAX_CONNECTORS = 1024
REFRESH_COOLDOWN = 30.0  # seconds between two Wolkvox calls a refresh may cause, per connector

Origin = Literal["wolkvox", "shared", "cache", "cooldown", "stale", "quota"]
Flight = asyncio.Task[tuple[Snapshot, Changes | None]]


class TemplateSource(Protocol):
    async def sync_templates(
        self, connector: str, *, caller: str = "", admit: Admit | None = None
    ) -> SyncAnswer: ...


class DailyQuota(Protocol):
    """Wolkvox calls reserved per day and token (`bot.ops.quota.Quota`)."""

    def daily_of(self, connector: str) -> int: ...

    async def reserve(self, connector: str) -> Reservation: ...

    async def spent(self, connector: str = "") -> bool: ...


@dataclass(frozen=True, slots=True)
class SyncTrigger:
    """Who or what asked for a sync, for replies, notifications and history."""

    user_id: str = ""
    user_name: str = ""
    source: str = "slack"
    command: str = ""
    team_id: str = ""  # the workspace: its workflow steps' shared limit; in distribution mode
    # also a person's limits (""  in single-workspace mode, where people are counted by id)
    runner: str = ""  # a workflow step: the person or channel it runs for ("" when not mapped)

    @property
    def caller(self) -> Caller:
        """Who the sync is charged to, and whose turn it takes for a Wolkvox slot."""
        if self.source == "slack" and self.user_id:
            # in distribution mode a person is counted per workspace (`team_id`): the same
            # user id in two workspaces (Enterprise Grid) spends neither's limits of the other
            who = f"{self.team_id}/{self.user_id}" if self.team_id else self.user_id
            return Caller(f"user:{who}", "user")
        if self.source == "workflow":
            runner = self.runner or self.user_id or "-"
            return Caller(f"workflow:{self.team_id}:{runner}", "workflow", self.team_id)
        return Caller(self.source or "other", None)


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """A snapshot and how it was obtained.

    origin: "wolkvox" (this request made the call), "shared" (joined a call in flight),
    "cache" (no call), "cooldown" (a refresh too soon after the last Wolkvox sync: no call,
    the snapshot is that sync, and `retry_in` says in how many seconds a refresh calls again),
    "stale" (the call failed; `error` says why, the snapshot is older), "quota" (the day's
    Wolkvox quota is spent: no call, the snapshot is the last copy, however old).
    """

    snapshot: Snapshot
    origin: Origin
    error: WolkvoxError | None = None
    changes: Changes | None = None  # what this fresh sync changed, when history is kept
    retry_in: float | None = None  # with "cooldown": seconds until a refresh calls Wolkvox


AfterSync = Callable[[Snapshot, Changes | None, SyncTrigger], Awaitable[None]]
Recorder = Callable[[Snapshot, SyncTrigger], Awaitable[Changes | None]]
Archive = Callable[[str], Awaitable[Snapshot | None]]


class TemplateService:
    """Gives snapshots of a connector's templates, calling Wolkvox as little as possible.

    `keep_bytes` bounds the snapshots kept in memory (estimated bytes); `refresh_cooldown`
    is the least time in seconds between two refreshes that call Wolkvox (0 turns it off).
    """

    def __init__(
        self,
        source: TemplateSource,
        *,
        cache_ttl: float,
        timer: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        keep_bytes: int = KEEP_BYTES,
        refresh_cooldown: float = REFRESH_COOLDOWN,
        shared: SharedState | None = None,
        flight_deadline: float = 90.0,
        limits: SyncLimits | None = None,
    ) -> None:
        self._source = source
        self._limits = limits
        self._archive: Archive | None = None
        self._recorder: Recorder | None = None
        self._shared = shared
        self._flight_deadline = flight_deadline
        self._cooldown = refresh_cooldown
        self._now = now
        self._fresh: TTLCache[str, str] = TTLCache(MAX_CONNECTORS, ttl=cache_ttl, timer=timer)
        self._kept = KeptSnapshots(keep_bytes)
        self._flights: dict[str, Flight] = {}
        self._after_sync: list[AfterSync] = []
        self._background: set[asyncio.Task[None]] = set()
        self._quota: DailyQuota | None = None
        self._forgotten: dict[str, int] = {}  # operation -> times it was removed (an epoch)
        self._uninstalled: dict[str, int] = {}  # workspace -> times it was forgotten (an epoch)

    @property
    def kept_bytes(self) -> int:
        """The estimated memory of the snapshots kept now (at most `keep_bytes`)."""
        return self._kept.size

    def on_fresh_sync(self, listener: AfterSync) -> None:
        """Call `listener` once after each Wolkvox call that succeeds (not for cache hits)."""
        self._after_sync.append(listener)

    def spend_quota_with(self, quota: DailyQuota) -> None:
        """Reserve every Wolkvox call with `quota`; once it is spent, answer with the last copy
        (or refuse, when none is kept)."""
        self._quota = quota

    @property
    def syncing(self) -> list[str]:
        """The connectors with a Wolkvox call in flight here."""
        return list(self._flights)

    @property
    def cached_here(self) -> list[str]:
        """The connectors with a copy fresh within the cache TTL in this process."""
        return list(self._fresh)

    def record_with(self, recorder: Recorder) -> None:
        """Store every fresh sync with `recorder` (history) before anyone hears of it."""
        self._recorder = recorder

    async def cached(self, connector: str) -> Snapshot | None:
        """The snapshot synced within the cache TTL, here or (with Redis) on any instance;
        counted as a cache hit or miss (a request's lookup). Read before Slack's 3-second
        acknowledgement, so a Redis that stops answering counts as a miss after a second."""
        try:
            async with asyncio.timeout(CACHE_READ_SECONDS):
                snapshot = await self._cached(connector)
        except TimeoutError:
            log.warning("the shared cache did not answer within %g s", CACHE_READ_SECONDS)
            snapshot = None
        if snapshot is not None:
            metrics.cache_hit()
        else:
            metrics.cache_miss()
        return snapshot

    async def _cached(self, connector: str) -> Snapshot | None:
        connector = canonical_connector(connector)
        snapshot_id = self._fresh.get(connector)
        snapshot = self._kept.get(snapshot_id) if snapshot_id else None
        if snapshot is not None or self._shared is None:
            return snapshot
        snapshot_id = await self._shared.fresh_id(connector)
        return await self.kept(snapshot_id) if snapshot_id else None

    def archive_with(self, archive: Archive) -> None:
        """Reload snapshots no longer kept from `archive` (history), so that buttons on older
        messages still work."""
        self._archive = archive

    async def kept(self, snapshot_id: str) -> Snapshot | None:
        """A snapshot still kept (in memory, in Redis, or in history), for buttons that page
        through it."""
        snapshot = self._kept.get(snapshot_id)
        if snapshot is not None or not snapshot_id:
            return snapshot
        loaded = await self._shared.snapshot(snapshot_id) if self._shared is not None else None
        if loaded is None and self._archive is not None:
            loaded = await self._archive(snapshot_id)
        if loaded is None:
            return None
        templates, index = await self._kept.share(loaded.connector, loaded.templates)
        snapshot = replace(loaded, templates=templates, index=index)
        self._kept.keep(snapshot)
        return snapshot

    async def last_known(self, connector: str) -> Snapshot | None:
        """The newest snapshot still kept for `connector` (here or in Redis), however old."""
        connector = canonical_connector(connector)
        local = self._kept.newest(connector)
        if self._shared is None:
            return local
        snapshot_id = await self._shared.latest_id(connector)
        if not snapshot_id or (local is not None and local.id == snapshot_id):
            return local
        remote = await self.kept(snapshot_id)
        if local is None or remote is None:
            return remote or local
        return max(local, remote, key=lambda s: s.synced_at)

    def in_flight(self, connector: str) -> bool:
        return canonical_connector(connector) in self._flights

    async def sync(
        self, connector: str, trigger: SyncTrigger, *, refresh: bool = False
    ) -> SyncOutcome:
        """The templates of `connector`: cached unless `refresh`, else from Wolkvox (shared),
        except that a refresh within the cooldown answers with the last sync ("cooldown").

        Raises WolkvoxError only when the sync failed and no earlier snapshot is kept.
        """
        connector = canonical_connector(connector)
        if not refresh:
            cached = await self._cached(connector)  # not counted: `cached` was asked first
            if cached is not None:
                return SyncOutcome(cached, "cache")
        elif connector not in self._flights:
            resting = await self._cooling(connector)
            if resting is not None:
                return resting
        return await self._join(connector, trigger, refresh)

    async def _cooling(self, connector: str) -> SyncOutcome | None:
        """The last Wolkvox sync, when it is less than the cooldown old."""
        if self._cooldown <= 0:
            return None
        newest = await self.last_known(connector)
        if newest is None:
            return None
        age = max(0.0, (self._now() - newest.synced_at).total_seconds())
        if age >= self._cooldown:
            return None
        return SyncOutcome(newest, "cooldown", retry_in=self._cooldown - age)

    async def _join(self, connector: str, trigger: SyncTrigger, refresh: bool) -> SyncOutcome:
        """Start the Wolkvox call for `connector`, or join the one in flight."""
        if connector not in self._flights:
            spent = await self._quota_spent(connector)
            if spent is not None:
                return spent
        flight = self._flights.get(connector)
        origin: Origin = "shared"
        if flight is None:
            # joining a call in flight costs nothing; starting one is charged until it lands
            done = self._limits.start(trigger.caller, connector) if self._limits else None
            origin = "wolkvox"
            since = time.time() if refresh else 0.0
            flight = asyncio.create_task(self._fetch(connector, trigger, since))
            self._flights[connector] = flight
            flight.add_done_callback(lambda task: self._land(connector, task, done))
        try:
            snapshot, changes = await asyncio.shield(flight)
        except WolkvoxError as error:
            stale = await self._stale(connector)
            if stale is None:
                raise
            if isinstance(error, QuotaSpent):  # spent meanwhile, on this or another instance
                return SyncOutcome(stale, "quota")
            return SyncOutcome(stale, "stale", error)
        return SyncOutcome(snapshot, origin, changes=changes)

    async def _quota_spent(self, connector: str) -> SyncOutcome | None:
        """The last copy, when the day's quota is known to be spent; QuotaSpent when no copy
        is kept. (A counter that can't be read is settled by the reservation, which refuses.)"""
        if self._quota is None or not await self._quota.spent(connector):
            return None
        last = await self._stale(connector)
        if last is None:
            raise QuotaSpent(connector, self._quota.daily_of(connector))
        return SyncOutcome(last, "quota")

    async def _stale(self, connector: str) -> Snapshot | None:
        try:
            return await self.last_known(connector)
        except SharedStateUnavailable:
            return self._kept.newest(connector)

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
        admit = self._quota.reserve if self._quota is not None else None
        epoch = self._epoch(connector)
        answer = await self._source.sync_templates(
            connector, caller=trigger.caller.key, admit=admit
        )
        if self._epoch(connector) != epoch:  # removed meanwhile: answer, keep nothing
            return self._unkept(connector, answer), None
        templates, index = await self._kept.share(connector, sorted_templates(answer.templates))
        snapshot = Snapshot(
            id=secrets.token_hex(5),
            connector=connector,
            templates=templates,
            skipped=answer.skipped,
            synced_at=self._now(),
            index=index,
        )
        if self._kept.keep(snapshot):
            self._fresh[connector] = snapshot.id
        else:  # larger than the whole budget: answered, but neither cached nor kept
            log.warning("snapshot of %s too large to keep (%d)", connector, snapshot.count)
        if self._shared is not None:
            await self._shared.publish(snapshot)
        if self._epoch(connector) != epoch:  # uninstalled meanwhile: neither recorded nor told
            return snapshot, None
        changes = await self._record(snapshot, trigger)
        if self._epoch(connector) == epoch:
            for listener in self._after_sync:
                self._spawn(listener(snapshot, changes, trigger))
        return snapshot, changes

    def _epoch(self, connector: str) -> tuple[int, int]:
        """How often the connector's operation was removed and its workspace forgotten: a
        sync whose epoch changed while it ran keeps nothing of what it found."""
        operation = operation_of(connector)
        return self._forgotten.get(operation, 0), self._uninstalled.get(workspace_of(operation), 0)

    async def _record(self, snapshot: Snapshot, trigger: SyncTrigger) -> Changes | None:
        """Store the sync in history (committed before anyone is notified)."""
        if self._recorder is None:
            return None
        try:
            return await self._recorder(snapshot, trigger)
        except Exception:
            log.exception("could not store the sync of connector %s in history", snapshot.connector)
            return None

    def _unkept(self, connector: str, answer: SyncAnswer) -> Snapshot:
        """The answer of a sync whose operation was removed while it ran: shown to whoever
        asked, neither cached, kept, published nor recorded."""
        return Snapshot(
            id=secrets.token_hex(5),
            connector=connector,
            templates=sorted_templates(answer.templates),
            skipped=answer.skipped,
            synced_at=self._now(),
        )

    async def forget_operation(self, name: str) -> None:
        """An operation was removed: nothing of it is served from memory any more as fresh
        (the cache, here and in Redis) or as its connectors' last copy (cooldown, stale,
        quota answers); a sync of it running now is answered but not kept. Snapshots stay
        readable by id (buttons on older messages, history) until they age out."""
        self._forgotten[name] = self._forgotten.get(name, 0) + 1
        for connector in [c for c in self._fresh if operation_of(c) == name]:
            self._fresh.pop(connector, None)
        self._kept.forget_connectors(lambda connector: operation_of(connector) == name)
        if self._shared is not None:
            try:
                await self._shared.forget_operation(name)
            except SharedStateUnavailable as error:  # the cache entries expire by themselves
                log.warning("could not drop operation %s from the shared cache: %s", name, error)

    async def forget_workspace(self, workspace: str, *, settle_seconds: float = 60.0) -> int:
        """A workspace was uninstalled: its connectors' fresh marks, kept snapshots (even by
        id) and Redis marks go, and a sync of it running now is answered but neither kept,
        recorded nor notified (waited for, at most `settle_seconds`, so that whatever it was
        recording is in the database before the caller deletes the workspace's rows). The
        snapshots' copies in Redis go with `forget_snapshots`. How many connectors."""
        if not workspace:
            raise ValueError("single-workspace mode has no workspace to forget")
        self._uninstalled[workspace] = self._uninstalled.get(workspace, 0) + 1

        def owned(connector: str) -> bool:
            return workspace_of(operation_of(connector)) == workspace

        for connector in [c for c in self._fresh if owned(c)]:
            self._fresh.pop(connector, None)
        dropped = self._kept.drop_connectors(owned)
        if self._shared is not None:
            try:
                await self._shared.forget_workspace(workspace)
            except SharedStateUnavailable as error:  # the marks expire by themselves
                log.warning("could not drop a workspace from the shared cache: %s", error)
        running = [flight for connector, flight in self._flights.items() if owned(connector)]
        if running:
            await asyncio.wait(running, timeout=settle_seconds)
        return dropped

    async def forget_snapshots(self, snapshot_ids: Sequence[str]) -> None:
        """Drop these snapshots from memory and Redis (an uninstalled workspace's history)."""
        for snapshot_id in snapshot_ids:
            self._kept.discard(snapshot_id)
        if self._shared is not None and snapshot_ids:
            try:
                await self._shared.forget_snapshots(snapshot_ids)
            except SharedStateUnavailable as error:  # they expire by themselves
                log.warning("could not drop snapshots from the shared cache: %s", error)

    def _land(self, connector: str, task: Flight, done: Callable[[], None] | None) -> None:
        if done is not None:
            done()
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
