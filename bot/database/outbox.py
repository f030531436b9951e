"""The notification outbox: queued in the sync's transaction, claimed, delivered or given up.

A claim is a lease: a process that dies while delivering loses nothing, the lease runs out and
another one takes the notification.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.database.schema import outbox

PENDING = and_(outbox.c.delivered_at.is_(None), outbox.c.failed.is_(False))


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification to queue."""

    channel_id: str
    connector: str
    message: dict[str, Any]
    subscriber: str = ""
    details_csv: str | None = None
    details_name: str | None = None


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


async def queue(
    conn: AsyncConnection, snapshot_id: str, items: Sequence[Outgoing], now: datetime
) -> None:
    """Add notifications to the outbox within the caller's transaction."""
    if not items:
        return
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
    engine: AsyncEngine, now: datetime, *, lease_seconds: float, limit: int, after: int = 0
) -> list[Delivery]:
    """Lease up to `limit` pending notifications (queued after id `after`), each in its own
    short transaction."""
    stamp = now.timestamp()
    free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < stamp)
    claimable = and_(PENDING, free, outbox.c.id > after)
    async with engine.begin() as conn:
        found = await conn.execute(
            select(outbox.c.id).where(claimable).order_by(outbox.c.id).limit(limit)
        )
        ids = found.scalars().all()
    claimed: list[Delivery] = []
    for row_id in ids:
        async with engine.begin() as conn:
            taken = await conn.execute(
                update(outbox)
                .where(and_(outbox.c.id == row_id, claimable))
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


async def prune_settled(conn: AsyncConnection, older_than: datetime) -> int:
    """Delete delivered or given-up notifications queued before `older_than`; pending stay."""
    settled = or_(outbox.c.delivered_at.is_not(None), outbox.c.failed.is_(True))
    result = await conn.execute(
        delete(outbox).where(and_(settled, outbox.c.created_at < older_than.timestamp()))
    )
    return result.rowcount


async def drop(engine: AsyncEngine, delivery_id: int) -> bool:
    """Delete one notification unposted (its workspace was uninstalled: nothing of it may stay
    or go out); False when it was gone already."""
    async with engine.begin() as conn:
        result = await conn.execute(delete(outbox).where(outbox.c.id == delivery_id))
    return bool(result.rowcount)
