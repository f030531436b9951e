"""Digests: a channel subscribed `--daily` or `--weekly` hears a connector's net change once
per period instead of after each sync.

Periods end at 09:00 in WOLKVOX_TIMEZONE: daily [09:00 yesterday, 09:00 today), weekly
[Monday 09:00 a week ago, Monday 09:00), counted in wall-clock time (zoneinfo), so a day of a
DST change is 23 or 25 hours long and the digest still goes out at 09:00.

`DigestTicker` looks every 30 s for channels whose latest ended period has no digest sent.
It claims the period in the database (one instance wins, across instances and restarts; a
claim held 5 minutes without being sent is taken over), builds the digest (`build_digest`),
hands it to the `DigestPoster` (the Slack notifier) and marks it sent. Only the latest ended
period is sent (no backlog); one sent more than 15 minutes after its end is `late`. An empty
digest is not posted (unless WOLKVOX_NOTIFY_UNCHANGED), but is marked sent all the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol, runtime_checkable

from bot.commands.filters import read_filter_text
from bot.database.records import DAILY, DIGESTS, WEEKLY, Subscription
from bot.database.store import DigestPeriod, Store
from bot.errors import InputError
from bot.ops.claims import instance_name
from bot.periodic import Periodic
from bot.templates.connectors import workspace_of
from bot.templates.diff import Changes
from bot.templates.digest import Digest, DigestPart, net_change
from bot.templates.query import Query

log = logging.getLogger(__name__)

DIGEST_TIME = time(9)  # a period ends (and its digest goes out) at 09:00 in WOLKVOX_TIMEZONE
TICK_SECONDS = 30.0
CLAIM_LEASE = 300.0  # a claim not sent within 5 minutes (its instance died) may be retaken
LATE_AFTER = timedelta(minutes=15)  # a digest sent later than this after its period is late
KEEP_SENT = timedelta(days=35)  # digest_sends rows of older periods are forgotten


@runtime_checkable
class DigestPoster(Protocol):
    """Who posts a digest to its channel (the Slack notifier)."""

    async def post(self, digest: Digest) -> None: ...


def latest_period(cadence: str, now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The latest period of `cadence` ("daily" or "weekly") that ended at or before `now`:
    [start, end), both at 09:00 in `tz` (aware datetimes in `tz`)."""
    local = now.astimezone(tz)
    end_day = local.date()
    if cadence == WEEKLY:
        end_day -= timedelta(days=end_day.weekday())  # this week's Monday
    elif cadence != DAILY:
        raise ValueError(f"not a digest cadence: {cadence!r}")
    step = timedelta(days=7 if cadence == WEEKLY else 1)
    if _at_nine(end_day, tz) > now:
        end_day -= step
    return _at_nine(end_day - step, tz), _at_nine(end_day, tz)


def _at_nine(day: date, tz: tzinfo) -> datetime:
    """09:00 wall-clock time on `day` in `tz` (zoneinfo resolves the UTC offset of that day)."""
    return datetime.combine(day, DIGEST_TIME, tzinfo=tz)


async def build_digest(
    store: Store,
    channel_id: str,
    start: datetime,
    end: datetime,
    *,
    workspace: str | None = None,
    cadence: str | None = None,
    late: bool = False,
) -> Digest:
    """The net change over [start, end) of each connector the channel is subscribed to (of
    `workspace` only, in distribution mode; of `cadence`'s subscriptions only, when given),
    as each subscription's filters see it. A connector with no sync stored before `start` is
    compared from its first sync within the period."""
    subs = await store.subscriptions(channel_id=channel_id)
    if workspace is not None:
        subs = [s for s in subs if workspace_of(s.connector) == workspace]
    if cadence is not None:
        subs = [s for s in subs if s.cadence == cadence]
    parts = [await _part(store, sub, start, end) for sub in subs]
    return Digest(
        channel_id=channel_id,
        workspace=workspace or "",
        cadence=cadence or "",
        period_start=start,
        period_end=end,
        late=late,
        parts=tuple(sorted(parts, key=lambda p: p.connector_key)),
    )


async def _part(store: Store, sub: Subscription, start: datetime, end: datetime) -> DigestPart:
    """One connector's net change over the period, filtered as `sub` asks."""
    # [start, end): a sync stamped exactly at a boundary belongs to the period it starts
    last = await store.snapshot_at_or_before(sub.connector, end, strictly=True)
    first = await store.snapshot_at_or_before(sub.connector, start, strictly=True)
    if first is None:
        first = await store.first_snapshot_between(sub.connector, start, end)
    if first is None or last is None or first[0] == last[0]:
        return DigestPart(sub.connector, Changes(), sub.filters)
    changes = net_change(first[1], last[1], _query(sub), previous_id=first[0])
    return DigestPart(sub.connector, changes, sub.filters)


def _query(sub: Subscription) -> Query:
    return subscription_query(sub.filters, sub.channel_id, sub.connector)


def subscription_query(filters: str, channel_id: str = "", connector: str = "") -> Query:
    """A subscription's stored filters; filters that no longer read (written by a newer
    release, or text that does not read back as typed) filter nothing rather than hide
    changes or stop a sync from being recorded."""
    try:
        return read_filter_text(filters)
    except InputError:
        log.warning(
            "subscription of %s to %s: filters %r unreadable", channel_id, connector, filters[:200]
        )
        return Query()


class DigestTicker:
    """Sends each channel's digest once per period, whichever instance gets there first."""

    def __init__(
        self,
        store: Store,
        poster: DigestPoster,
        *,
        timezone: tzinfo,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        notify_unchanged: bool = False,
        owner: str | None = None,
        every: float = TICK_SECONDS,
    ) -> None:
        self.store = store
        self.poster = poster
        self.timezone = timezone
        self.now = now
        self.notify_unchanged = notify_unchanged
        self.owner = owner or instance_name()
        self.every = every
        self._loop = Periodic("digests", self.tick, failure="sending digests failed", log=log)

    def start(self) -> None:
        self._loop.start(self.every)

    async def stop(self) -> None:
        await self._loop.stop()

    async def tick(self) -> int:
        """Send every digest due now that no instance has sent; return how many were posted."""
        now = self.now()
        due = await self.store.unsent_digests(await self.due_periods(now))
        posted = 0
        for period in due:
            try:
                posted += await self._send(period, now)
            except Exception:  # one channel's failure must not hold up the others
                log.warning(
                    "digest for %s (%s, %s) not sent; retried within %d minutes",
                    period.channel_id,
                    period.cadence,
                    _ms_to_datetime(period.start_ms).isoformat(),
                    CLAIM_LEASE // 60,
                    exc_info=True,
                )
        if due:
            await self.store.prune_digests(now - KEEP_SENT)
        return posted

    async def due_periods(self, now: datetime) -> list[DigestPeriod]:
        """The latest ended period of each channel with digest subscriptions (a channel's
        workspace and cadence apart), counting only subscriptions made before it ended."""
        periods: dict[tuple[str, str, str], DigestPeriod] = {}
        for sub in await self.store.subscriptions(digests=True):
            if sub.cadence not in DIGESTS:
                continue
            start, end = latest_period(sub.cadence, now, self.timezone)
            if sub.created_at >= end:  # subscribed since: its first digest is the next one
                continue
            key = (workspace_of(sub.connector), sub.channel_id, sub.cadence)
            periods.setdefault(
                key, DigestPeriod(*key, _datetime_to_ms(start), _datetime_to_ms(end))
            )
        return list(periods.values())

    async def _send(self, period: DigestPeriod, now: datetime) -> int:
        """Claim `period`, build and post its digest, mark it sent: 1 when posted."""
        claimed_at = self.now()  # not the tick's start: a long tick must not claim stale
        won = await self.store.claim_digest(
            period, claimed_by=self.owner, now=claimed_at, lease=CLAIM_LEASE
        )
        if not won:
            return 0
        start = _ms_to_datetime(period.start_ms).astimezone(self.timezone)
        end = _ms_to_datetime(period.end_ms).astimezone(self.timezone)
        late = claimed_at - end > LATE_AFTER
        digest = await build_digest(
            self.store,
            period.channel_id,
            start,
            end,
            workspace=period.workspace,
            cadence=period.cadence,
            late=late,
        )
        post = digest.any or self.notify_unchanged
        # posting and marking it sent go together: a stop in between would leave the claim
        # to be taken over and the digest posted twice
        await asyncio.shield(self._post_and_mark(period, digest, post=post, late=late))
        if post:
            log.info(
                "digest posted to %s (%s, %d change(s)%s)",
                period.channel_id,
                period.cadence,
                digest.total,
                ", late" if late else "",
            )
        return int(post)

    async def _post_and_mark(
        self, period: DigestPeriod, digest: Digest, *, post: bool, late: bool
    ) -> None:
        if post:
            await self.poster.post(digest)
        await self.store.digest_sent(period, now=self.now(), late=late, posted=post)


def _datetime_to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
