"""What operating the bot keeps in the database: schedule claims, Wolkvox calls per day, and
the newest sync of each connector (for `status`).

Small functions over an engine, each its own transaction. The inserts use each engine's
`ON CONFLICT` (SQLite 3.24+ and PostgreSQL), so two instances racing for one row never fail:
one of them inserts it, the other sees it there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.schema import Table

from bot.database.records import LastSync as LastSync
from bot.database.schema import quota_counts, schedule_claims, snapshots


async def claim_period(
    engine: AsyncEngine, connector: str, period_start_ms: int, *, claimed_by: str, now: float
) -> bool:
    """Claim the schedule's period starting at `period_start_ms` for `connector`: True for the
    one caller that inserted the claim (it syncs), False for every other, on any instance."""
    async with engine.begin() as conn:
        inserted = await conn.execute(
            insert_for(conn, schedule_claims)
            .values(
                connector=connector,
                period_start_ms=period_start_ms,
                claimed_by=claimed_by[:100],
                claimed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["connector", "period_start_ms"])
        )
        return bool(inserted.rowcount)


async def prune_claims(engine: AsyncEngine, before_ms: int) -> int:
    """Forget claims of periods that started before `before_ms`."""
    async with engine.begin() as conn:
        result = await conn.execute(
            delete(schedule_claims).where(schedule_claims.c.period_start_ms < before_ms)
        )
        return int(result.rowcount or 0)


async def reserve_call(
    engine: AsyncEngine, token_key: str, day: str, *, limit: int, keep_after: str
) -> bool:
    """Take one of `token_key`'s calls on `day` if fewer than `limit` are taken (0: no limit),
    atomically on any number of instances: True when taken. Days before `keep_after` are
    forgotten."""
    row = and_(quota_counts.c.token_key == token_key, quota_counts.c.day == day)
    below = quota_counts.c.calls < limit if limit > 0 else quota_counts.c.calls >= 0
    async with engine.begin() as conn:
        await conn.execute(
            insert_for(conn, quota_counts)
            .values(token_key=token_key, day=day, calls=0)
            .on_conflict_do_nothing(index_elements=["token_key", "day"])
        )
        taken = await conn.execute(
            update(quota_counts).where(row, below).values(calls=quota_counts.c.calls + 1)
        )
        await conn.execute(delete(quota_counts).where(quota_counts.c.day < keep_after))
        return bool(taken.rowcount)


async def give_back_call(engine: AsyncEngine, token_key: str, day: str) -> None:
    """Return one call taken by `reserve_call` that never reached Wolkvox."""
    row = and_(quota_counts.c.token_key == token_key, quota_counts.c.day == day)
    async with engine.begin() as conn:
        await conn.execute(
            update(quota_counts)
            .where(row, quota_counts.c.calls > 0)
            .values(calls=quota_counts.c.calls - 1)
        )


async def calls_on(engine: AsyncEngine, token_key: str, day: str) -> int:
    """How many Wolkvox calls `token_key` made on `day`."""
    async with engine.connect() as conn:
        return await _calls(conn, token_key, day)


async def last_syncs(
    engine: AsyncEngine, limit: int = 50, *, workspace: str = ""
) -> list[LastSync]:
    """The newest stored sync of each connector, the most recent first (of `workspace`'s
    connectors only, `T0123ABCD/…`, when given: distribution mode)."""
    newest_query = select(
        snapshots.c.connector, func.max(snapshots.c.synced_at).label("synced_at")
    ).group_by(snapshots.c.connector)
    if workspace:
        newest_query = newest_query.where(
            snapshots.c.connector.startswith(f"{workspace}/", autoescape=True)
        )
    newest = newest_query.subquery()
    query = (
        select(
            snapshots.c.connector,
            snapshots.c.synced_at,
            snapshots.c.source,
            snapshots.c.user_name,
            snapshots.c.template_count,
        )
        .join(
            newest,
            and_(
                newest.c.connector == snapshots.c.connector,
                newest.c.synced_at == snapshots.c.synced_at,
            ),
        )
        .order_by(snapshots.c.synced_at.desc(), snapshots.c.connector)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    seen: dict[str, LastSync] = {}
    for row in rows:  # two syncs of one connector at the same instant: keep one
        seen.setdefault(
            row.connector,
            LastSync(
                row.connector,
                datetime.fromtimestamp(row.synced_at, UTC),
                row.source,
                row.user_name,
                row.template_count,
            ),
        )
    return list(seen.values())


async def _calls(conn: AsyncConnection, token_key: str, day: str) -> int:
    value = await conn.execute(
        select(quota_counts.c.calls).where(
            and_(quota_counts.c.token_key == token_key, quota_counts.c.day == day)
        )
    )
    return int(value.scalar() or 0)


def insert_for(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that knows this engine's ON CONFLICT."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
