"""The database: sync history, subscriptions and the notification outbox.

SQLAlchemy Core over an async driver: SQLite (aiosqlite) by default, PostgreSQL (asyncpg)
when DATABASE_URL says so. The tables are in `schema`; `Store.open` brings them to the newest
Alembic revision (`migrate`). Times are stored as Unix seconds (floats), the same on every engine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import engine_url
from bot.history.migrate import upgrade
from bot.history.schema import outbox, snapshot_templates, snapshots, subscriptions
from bot.templates.diff import Changes
from bot.templates.model import Template


@dataclass(frozen=True, slots=True)
class SyncRecord:
    """One stored sync, as history shows it."""

    id: str
    connector: str
    synced_at: datetime
    source: str
    user_id: str
    user_name: str
    template_count: int
    skipped: int
    first: bool
    added: int
    removed: int
    changed: int


@dataclass(frozen=True, slots=True)
class Subscription:
    team_id: str
    channel_id: str
    connector: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification to send: a message for a channel, maybe with a CSV for its thread."""

    id: int
    snapshot_id: str
    channel_id: str
    connector: str
    subscriber: str
    message: dict[str, Any]
    details_csv: str | None
    details_name: str | None
    attempts: int
    warned: bool


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification to queue."""

    channel_id: str
    connector: str
    message: dict[str, Any]
    subscriber: str = ""
    details_csv: str | None = None
    details_name: str | None = None


def create_engine(database_url: str) -> AsyncEngine:
    """The async engine for DATABASE_URL, with a pool sized for PostgreSQL when it is one."""
    url = engine_url(database_url)
    options: dict[str, Any] = {}
    if url.startswith("postgresql"):
        options = {"pool_size": 5, "max_overflow": 5, "pool_pre_ping": True}
    return create_async_engine(url, **options)


class Store:
    """Everything the bot keeps across restarts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, database_url: str) -> Store:
        """Connect and create or upgrade the schema."""
        engine = create_engine(database_url)
        try:
            await upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

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
    ) -> None:
        """Store a fresh sync and its templates in one transaction."""
        async with self.engine.begin() as conn:
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
                )
            )
            if templates:
                await conn.execute(
                    insert(snapshot_templates),
                    [
                        {
                            "snapshot_id": snapshot_id,
                            "position": i,
                            "name": t.name,
                            "language": t.language,
                            "category": t.category,
                            "body": t.body,
                        }
                        for i, t in enumerate(templates)
                    ],
                )

    async def latest_templates(self, connector: str) -> tuple[str, list[Template]] | None:
        """The newest stored sync of `connector` and its templates, if any."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(snapshots.c.id)
                    .where(snapshots.c.connector == connector)
                    .order_by(snapshots.c.synced_at.desc())
                    .limit(1)
                )
            ).first()
            if row is None:
                return None
            result = await conn.execute(
                select(
                    snapshot_templates.c.name,
                    snapshot_templates.c.language,
                    snapshot_templates.c.category,
                    snapshot_templates.c.body,
                )
                .where(snapshot_templates.c.snapshot_id == row.id)
                .order_by(snapshot_templates.c.position)
            )
            return row.id, [Template(r.name, r.language, r.category, r.body) for r in result]

    async def history(self, connector: str | None = None, limit: int = 10) -> list[SyncRecord]:
        """The newest syncs, of one connector or of all."""
        query = select(snapshots).order_by(snapshots.c.synced_at.desc()).limit(limit)
        if connector is not None:
            query = query.where(snapshots.c.connector == connector)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            SyncRecord(
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
            for r in rows
        ]

    # --- subscriptions ---

    async def subscribe(
        self, *, team_id: str, channel_id: str, connector: str, user_id: str, now: datetime
    ) -> bool:
        """Subscribe a channel to a connector; False when it already was."""
        async with self.engine.begin() as conn:
            exists = (
                await conn.execute(
                    select(subscriptions.c.connector).where(
                        and_(
                            subscriptions.c.channel_id == channel_id,
                            subscriptions.c.connector == connector,
                        )
                    )
                )
            ).first()
            if exists is not None:
                return False
            await conn.execute(
                insert(subscriptions).values(
                    team_id=team_id,
                    channel_id=channel_id,
                    connector=connector,
                    created_by=user_id,
                    created_at=now.timestamp(),
                )
            )
            return True

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
    ) -> list[Subscription]:
        query = select(subscriptions).order_by(
            subscriptions.c.connector, subscriptions.c.channel_id
        )
        if channel_id is not None:
            query = query.where(subscriptions.c.channel_id == channel_id)
        if connector is not None:
            query = query.where(subscriptions.c.connector == connector)
        if team_id is not None:
            query = query.where(subscriptions.c.team_id == team_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Subscription(
                r.team_id,
                r.channel_id,
                r.connector,
                r.created_by,
                datetime.fromtimestamp(r.created_at, UTC),
            )
            for r in rows
        ]

    # --- outbox ---

    async def enqueue(self, snapshot_id: str, items: Sequence[Outgoing], now: datetime) -> None:
        """Queue notifications in one transaction: after this, none is lost."""
        if not items:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(outbox),
                [
                    {
                        "snapshot_id": snapshot_id,
                        "channel_id": item.channel_id,
                        "connector": item.connector,
                        "subscriber": item.subscriber,
                        "payload": json.dumps(item.message),
                        "details_csv": item.details_csv,
                        "details_name": item.details_name,
                        "created_at": now.timestamp(),
                        "attempts": 0,
                        "last_error": "",
                        "warned": False,
                        "failed": False,
                    }
                    for item in items
                ],
            )

    async def claim(
        self, now: datetime, *, lease_seconds: float = 120, limit: int = 50
    ) -> list[Delivery]:
        """Take pending notifications for delivery. A claim expires, so a crash loses nothing;
        two instances never hold the same notification at once."""
        stamp = now.timestamp()
        free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < stamp)
        pending = and_(outbox.c.delivered_at.is_(None), outbox.c.failed.is_(False), free)
        claimed: list[Delivery] = []
        async with self.engine.begin() as conn:
            ids = (
                (
                    await conn.execute(
                        select(outbox.c.id).where(pending).order_by(outbox.c.id).limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        for row_id in ids:
            async with self.engine.begin() as conn:
                taken = await conn.execute(
                    update(outbox)
                    .where(and_(outbox.c.id == row_id, pending))
                    .values(claimed_until=stamp + lease_seconds)
                )
                if taken.rowcount != 1:
                    continue
                row = (await conn.execute(select(outbox).where(outbox.c.id == row_id))).one()
            claimed.append(
                Delivery(
                    id=row.id,
                    snapshot_id=row.snapshot_id,
                    channel_id=row.channel_id,
                    connector=row.connector,
                    subscriber=row.subscriber,
                    message=json.loads(row.payload),
                    details_csv=row.details_csv,
                    details_name=row.details_name,
                    attempts=row.attempts,
                    warned=bool(row.warned),
                )
            )
        return claimed

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

    async def pending_count(self) -> int:
        async with self.engine.connect() as conn:
            value = await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(and_(outbox.c.delivered_at.is_(None), outbox.c.failed.is_(False)))
            )
            return int(value.scalar() or 0)
