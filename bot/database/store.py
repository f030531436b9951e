"""The database: sync history, subscriptions and the notification outbox.

SQLAlchemy Core over an async driver: SQLite (aiosqlite) by default, PostgreSQL (asyncpg)
when DATABASE_URL says so. The tables are in `schema`; `Store.open` brings them to the newest
Alembic revision (`migrate`). Template content is stored once (`contents`); notifications wait
in the outbox (`outbox`). Times are Unix seconds (floats), the same on every engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, event, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import database_options
from bot.config.defaults import DEFAULT_OPERATION_NAME
from bot.database.bookkeeping import insert_for
from bot.database.contents import load_template_set, prune_unused_content, store_template_set
from bot.database.digest_sends import DigestPeriod as DigestPeriod
from bot.database.digest_sends import (
    claim_digest,
    digest_sent,
    prune_digest_sends,
    unsent_periods,
)
from bot.database.forgetting import Forgotten, forget_user_token_rows, forget_workspace_rows
from bot.database.migrate import upgrade
from bot.database.operations import OperationTable, forget_operation_rows
from bot.database.outbox import PENDING, claim, prune_settled, queue
from bot.database.outbox import Delivery as Delivery
from bot.database.outbox import Outgoing as Outgoing
from bot.database.records import CADENCES, DIGESTS, EACH
from bot.database.records import Subscription as Subscription
from bot.database.records import SyncRecord as SyncRecord
from bot.database.schema import outbox, snapshots, subscriptions
from bot.templates.diff import Changes
from bot.templates.model import Template


@dataclass(frozen=True, slots=True)
class Pruned:
    """What `Store.prune` deleted."""

    syncs: int
    template_sets: int
    templates: int
    notifications: int


def create_engine(database_url: str) -> AsyncEngine:
    """The async engine for DATABASE_URL, with its TLS, timeout and application name, and a
    pool sized for PostgreSQL when it is one. Migrations run on this engine's connections."""
    url, connect_args = database_options(database_url)
    options: dict[str, Any] = {}
    if url.startswith("postgresql"):
        options = {"pool_size": 5, "max_overflow": 5, "pool_pre_ping": True}
    engine = create_async_engine(url, connect_args=connect_args, **options)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _secure_delete)
    return engine


def _secure_delete(connection: Any, record: Any) -> None:
    """SQLite overwrites what it deletes with zeros (`PRAGMA secure_delete`): a deleted row's
    bytes (an uninstalled workspace's sealed tokens) are gone from the file, not left in a
    free page until it is reused. PostgreSQL's deleted rows are reclaimed by autovacuum."""
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


class Store:
    """Everything the bot keeps across restarts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Pruning must not delete a template set that a sync being recorded has just found.
        # PostgreSQL's foreign key refuses that (the write is retried); SQLite doesn't check.
        self._content = asyncio.Lock()
        self._operations = OperationTable(engine)

    @classmethod
    async def open(
        cls, database_url: str, *, operation_name: str = DEFAULT_OPERATION_NAME
    ) -> Store:
        """Connect and create or upgrade the schema. `operation_name` (WOLKVOX_OPERATION_NAME)
        is the operation the rows of a database from before operations existed belong to."""
        engine = create_engine(database_url)
        try:
            await upgrade(engine, operation_name=operation_name)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    @property
    def operations(self) -> OperationTable:
        """The operations stored here (`bot.operations.book.OperationRows`)."""
        return self._operations

    async def forget_operation(self, name: str) -> None:
        """Delete the removed operation `name`'s subscriptions, undelivered notifications,
        schedule claims and channel defaults, in one transaction. Its history stays
        (readable until WOLKVOX_HISTORY_DAYS removes it)."""
        async with self.engine.begin() as conn:
            await forget_operation_rows(conn, name)

    async def forget_workspace(self, workspace: str) -> Forgotten:
        """An uninstalled workspace (`T…`, or `E…` for an org-wide install): delete, in one
        transaction, its operations (their Wolkvox tokens) and their change records,
        subscriptions, notifications, schedule claims, channel defaults, history (and the
        template content no other sync uses) and its Slack installation (`forgetting`)."""
        async with self._content, self.engine.begin() as conn:
            forgotten = await forget_workspace_rows(conn, workspace)
            await prune_unused_content(conn)
        return forgotten

    async def forget_user_tokens(self, workspace: str, user_ids: Sequence[str]) -> int:
        """Blank the user tokens of `user_ids` (revoked) in the workspace's installation."""
        async with self.engine.begin() as conn:
            return await forget_user_token_rows(conn, workspace, user_ids)

    async def aclose(self) -> None:
        await self.engine.dispose()

    # --- history ---

    async def record_sync(
        self,
        *,
        snapshot_id: str,
        connector: str,
        synced_at: datetime,
        templates: Sequence[Template],
        skipped: int,
        source: str,
        user_id: str,
        user_name: str,
        command: str,
        changes: Changes,
        notifications: Sequence[Outgoing] = (),
    ) -> None:
        """Store a fresh sync, its templates and the notifications it causes in one
        transaction: a crash leaves all of them or none."""
        async with self._content, self.engine.begin() as conn:
            set_id = await store_template_set(conn, templates)
            await conn.execute(
                insert(snapshots).values(
                    id=snapshot_id,
                    connector=connector,
                    synced_at=synced_at.timestamp(),
                    source=source[:16],
                    user_id=user_id[:32],
                    user_name=user_name[:100],
                    command=command[:1100],
                    template_count=len(templates),
                    skipped=skipped,
                    first=changes.first,
                    added=len(changes.added),
                    removed=len(changes.removed),
                    changed=len(changes.changed),
                    template_set_id=set_id,
                )
            )
            await queue(conn, snapshot_id, notifications, synced_at)

    async def latest_templates(self, connector: str) -> tuple[str, list[Template]] | None:
        """The newest stored sync of `connector` and its templates, if any."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(snapshots.c.id, snapshots.c.template_set_id)
                    .where(snapshots.c.connector == connector)
                    .order_by(snapshots.c.synced_at.desc())
                    .limit(1)
                )
            ).first()
            if row is None:
                return None
            return row.id, await load_template_set(conn, row.template_set_id)

    async def snapshot_at_or_before(
        self, connector: str, at: datetime, *, strictly: bool = False
    ) -> tuple[str, list[Template]] | None:
        """The last stored sync of `connector` at or before `at` (before it, `strictly`) and
        its templates; None when there is none. A digest's period starts from one and ends
        with the other."""
        moment = at.timestamp()
        when = snapshots.c.synced_at < moment if strictly else snapshots.c.synced_at <= moment
        return await self._one_snapshot(
            select(snapshots.c.id, snapshots.c.template_set_id)
            .where(snapshots.c.connector == connector, when)
            .order_by(snapshots.c.synced_at.desc(), snapshots.c.id.desc())
            .limit(1)
        )

    async def first_snapshot_between(
        self, connector: str, start: datetime, end: datetime
    ) -> tuple[str, list[Template]] | None:
        """The first stored sync of `connector` in [start, end) and its templates: a digest's
        baseline when nothing was stored before its period."""
        return await self._one_snapshot(
            select(snapshots.c.id, snapshots.c.template_set_id)
            .where(
                snapshots.c.connector == connector,
                snapshots.c.synced_at >= start.timestamp(),
                snapshots.c.synced_at < end.timestamp(),
            )
            .order_by(snapshots.c.synced_at, snapshots.c.id)
            .limit(1)
        )

    async def _one_snapshot(self, query: Any) -> tuple[str, list[Template]] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
            if row is None:
                return None
            return row.id, await load_template_set(conn, row.template_set_id)

    async def stored_sync(self, snapshot_id: str) -> tuple[SyncRecord, list[Template]] | None:
        """A stored sync and its templates, in their order; None when it isn't stored (or was
        pruned). Buttons on older messages reload their data from here."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(snapshots).where(snapshots.c.id == snapshot_id))
            ).first()
            if row is None or row.template_set_id is None:
                return None
            return _sync_record(row), await load_template_set(conn, row.template_set_id)

    async def snapshot_templates(self, snapshot_id: str) -> list[Template] | None:
        """The templates of a stored sync, in their order; None when it isn't stored."""
        stored = await self.stored_sync(snapshot_id)
        return stored[1] if stored else None

    async def history(
        self, connector: str | None = None, limit: int = 10, *, workspace: str = ""
    ) -> list[SyncRecord]:
        """The newest syncs, of one connector or of all (of `workspace`'s connectors only,
        `T0123ABCD/…`, when given: distribution mode)."""
        query = select(snapshots).order_by(snapshots.c.synced_at.desc()).limit(limit)
        if connector is not None:
            query = query.where(snapshots.c.connector == connector)
        if workspace:
            query = query.where(snapshots.c.connector.startswith(f"{workspace}/", autoescape=True))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_sync_record(r) for r in rows]

    async def prune(self, older_than: datetime) -> Pruned:
        """Delete syncs from before `older_than` (never a connector's newest), the template
        content no sync uses any more, and delivered or given-up notifications as old."""
        newer = snapshots.alias("newer")
        superseded = exists().where(
            and_(
                newer.c.connector == snapshots.c.connector,
                newer.c.synced_at > snapshots.c.synced_at,
            )
        )
        async with self._content, self.engine.begin() as conn:
            syncs = await conn.execute(
                delete(snapshots).where(
                    and_(snapshots.c.synced_at < older_than.timestamp(), superseded)
                )
            )
            sets, versions = await prune_unused_content(conn)
            notifications = await prune_settled(conn, older_than)
        return Pruned(syncs.rowcount, sets, versions, notifications)

    # --- subscriptions ---

    async def subscribe(
        self,
        *,
        team_id: str,
        channel_id: str,
        connector: str,
        user_id: str,
        now: datetime,
        filters: str = "",
        cadence: str = EACH,
    ) -> bool:
        """Subscribe a channel to a connector with `filters` (canonical filter text, "" = all
        changes) and `cadence` (each, daily, weekly); True when it is new, False when it
        already was (its filters and cadence are replaced by these)."""
        if cadence not in CADENCES:
            raise ValueError(f"not a cadence: {cadence!r}")
        row = and_(subscriptions.c.channel_id == channel_id, subscriptions.c.connector == connector)
        async with self.engine.begin() as conn:
            # a new cadence starts now: its first digest is the next period's, not one made of
            # changes the channel already heard one by one (or in the other digest)
            await conn.execute(
                update(subscriptions)
                .where(row, subscriptions.c.cadence != cadence)
                .values(created_at=now.timestamp())
            )
            replaced = await conn.execute(
                update(subscriptions).where(row).values(filters=filters, cadence=cadence)
            )
            if replaced.rowcount:
                return False
            inserted = await conn.execute(
                insert_for(conn, subscriptions)
                .values(
                    team_id=team_id,
                    channel_id=channel_id,
                    connector=connector,
                    created_by=user_id,
                    created_at=now.timestamp(),
                    filters=filters,
                    cadence=cadence,
                )
                .on_conflict_do_nothing(index_elements=["channel_id", "connector"])
            )
            if not inserted.rowcount:  # subscribed at the same moment elsewhere: ours wins
                await conn.execute(
                    update(subscriptions).where(row).values(filters=filters, cadence=cadence)
                )
            return bool(inserted.rowcount)

    async def unsubscribe(self, *, channel_id: str, connector: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(subscriptions).where(
                    and_(
                        subscriptions.c.channel_id == channel_id,
                        subscriptions.c.connector == connector,
                    )
                )
            )
            return bool(result.rowcount)

    async def subscriptions(
        self,
        *,
        channel_id: str | None = None,
        connector: str | None = None,
        team_id: str | None = None,
        digests: bool | None = None,
    ) -> list[Subscription]:
        """The subscriptions, of a channel, a connector or a workspace when given;
        `digests` True: only daily and weekly ones, False: only those posted per sync."""
        query = select(subscriptions).order_by(
            subscriptions.c.connector, subscriptions.c.channel_id
        )
        if channel_id is not None:
            query = query.where(subscriptions.c.channel_id == channel_id)
        if connector is not None:
            query = query.where(subscriptions.c.connector == connector)
        if team_id is not None:
            query = query.where(subscriptions.c.team_id == team_id)
        if digests is not None:
            in_digest = subscriptions.c.cadence.in_(DIGESTS)
            query = query.where(in_digest if digests else ~in_digest)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Subscription(
                r.team_id,
                r.channel_id,
                r.connector,
                r.created_by,
                datetime.fromtimestamp(r.created_at, UTC),
                filters=r.filters,
                cadence=r.cadence,
            )
            for r in rows
        ]

    # --- digests ---

    async def claim_digest(
        self, period: DigestPeriod, *, claimed_by: str, now: datetime, lease: float
    ) -> bool:
        """Claim `period`'s digest (`digest_sends`): True for the one instance to send it; a
        claim older than `lease` seconds never sent is taken over."""
        return await claim_digest(
            self.engine, period, claimed_by=claimed_by, now=now.timestamp(), lease=lease
        )

    async def digest_sent(
        self, period: DigestPeriod, *, now: datetime, late: bool, posted: bool
    ) -> None:
        """`period`'s digest is sent (`posted` False: it was empty, nothing posted)."""
        await digest_sent(self.engine, period, now=now.timestamp(), late=late, posted=posted)

    async def unsent_digests(self, periods: list[DigestPeriod]) -> list[DigestPeriod]:
        """Those of `periods` whose digest is not sent yet."""
        return await unsent_periods(self.engine, periods)

    async def prune_digests(self, ended_before: datetime) -> int:
        """Forget the digests of periods that ended before `ended_before`."""
        return await prune_digest_sends(self.engine, round(ended_before.timestamp() * 1000))

    # --- outbox ---

    async def enqueue(self, snapshot_id: str, items: Sequence[Outgoing], now: datetime) -> None:
        """Queue notifications in one transaction: after this, none is lost."""
        if not items:
            return
        async with self.engine.begin() as conn:
            await queue(conn, snapshot_id, items, now)

    async def claim(
        self, now: datetime, *, lease_seconds: float = 120, limit: int = 50, after: int = 0
    ) -> list[Delivery]:
        """Take pending notifications (queued after id `after`) for delivery. A claim expires,
        so a crash loses nothing; two instances never hold the same notification at once."""
        return await claim(self.engine, now, lease_seconds=lease_seconds, limit=limit, after=after)

    async def delivered(self, delivery_id: int, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == delivery_id)
                .values(delivered_at=now.timestamp(), claimed_until=None)
            )

    async def attempt_failed(
        self, delivery_id: int, error: str, *, give_up: bool, warned: bool
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == delivery_id)
                .values(
                    attempts=outbox.c.attempts + 1,
                    last_error=error[:200],
                    claimed_until=None,
                    failed=give_up,
                    warned=warned,
                )
            )

    async def subscriber_warned(self, channel_id: str, subscriber: str) -> bool:
        """Whether `subscriber` was already told (by DM) that posts to `channel_id` fail, for a
        notification that still waits: one DM per channel until a post there goes through."""
        query = select(outbox.c.id).where(
            and_(
                PENDING,
                outbox.c.channel_id == channel_id,
                outbox.c.subscriber == subscriber,
                outbox.c.warned.is_(True),
            )
        )
        async with self.engine.connect() as conn:
            return (await conn.execute(query.limit(1))).first() is not None

    async def pending_count(self) -> int:
        async with self.engine.connect() as conn:
            value = await conn.execute(select(func.count()).select_from(outbox).where(PENDING))
            return int(value.scalar() or 0)


def _sync_record(r: Any) -> SyncRecord:
    return SyncRecord(
        id=r.id,
        connector=r.connector,
        synced_at=datetime.fromtimestamp(r.synced_at, UTC),
        source=r.source,
        user_id=r.user_id,
        user_name=r.user_name,
        template_count=r.template_count,
        skipped=r.skipped,
        first=bool(r.first),
        added=r.added,
        removed=r.removed,
        changed=r.changed,
    )
