"""Each period's digest of a channel, sent once across instances and restarts
(`bot.sync.digests` decides which period is due).

A row is a claim: the instance that inserts it (ON CONFLICT DO NOTHING) builds and posts the
digest, then sets `sent_at`. A claim left without `sent_at` for longer than the lease (its
instance died while posting) may be taken over by another. Small functions over an engine,
each its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.database.bookkeeping import insert_for
from bot.database.schema import digest_sends


@dataclass(frozen=True, slots=True)
class DigestPeriod:
    """One channel's digest of one period: who it is for and which period (Unix ms)."""

    workspace: str
    channel_id: str
    cadence: str
    start_ms: int
    end_ms: int


def _row(period: DigestPeriod) -> ColumnElement[bool]:
    return and_(
        digest_sends.c.workspace == period.workspace,
        digest_sends.c.channel_id == period.channel_id,
        digest_sends.c.cadence == period.cadence,
        digest_sends.c.period_start_ms == period.start_ms,
    )


async def claim_digest(
    engine: AsyncEngine, period: DigestPeriod, *, claimed_by: str, now: float, lease: float
) -> bool:
    """Claim `period`'s digest: True for the one caller that is to build and post it. A claim
    older than `lease` seconds that was never sent is taken over (its holder died)."""
    async with engine.begin() as conn:
        inserted = await conn.execute(
            insert_for(conn, digest_sends)
            .values(
                workspace=period.workspace,
                channel_id=period.channel_id,
                cadence=period.cadence,
                period_start_ms=period.start_ms,
                period_end_ms=period.end_ms,
                claimed_by=claimed_by[:100],
                claimed_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=["workspace", "channel_id", "cadence", "period_start_ms"]
            )
        )
        if inserted.rowcount:
            return True
        retaken = await conn.execute(
            update(digest_sends)
            .where(
                _row(period),
                digest_sends.c.sent_at.is_(None),
                digest_sends.c.claimed_at < now - lease,
            )
            .values(claimed_by=claimed_by[:100], claimed_at=now)
        )
        return bool(retaken.rowcount)


async def digest_sent(
    engine: AsyncEngine, period: DigestPeriod, *, now: float, late: bool, posted: bool
) -> None:
    """Mark `period`'s digest sent (`posted` False: nothing changed, nothing was posted)."""
    async with engine.begin() as conn:
        await conn.execute(
            update(digest_sends).where(_row(period)).values(sent_at=now, late=late, posted=posted)
        )


async def unsent_periods(engine: AsyncEngine, periods: list[DigestPeriod]) -> list[DigestPeriod]:
    """Those of `periods` whose digest was not sent yet (claimed or not)."""
    if not periods:
        return []
    sent: set[tuple[str, str, str, int]] = set()
    async with engine.connect() as conn:
        for chunk in range(0, len(periods), 200):
            part = periods[chunk : chunk + 200]
            rows = await conn.execute(
                select(
                    digest_sends.c.workspace,
                    digest_sends.c.channel_id,
                    digest_sends.c.cadence,
                    digest_sends.c.period_start_ms,
                ).where(
                    digest_sends.c.sent_at.is_not(None),
                    digest_sends.c.channel_id.in_({p.channel_id for p in part}),
                    digest_sends.c.period_start_ms.in_({p.start_ms for p in part}),
                )
            )
            sent.update((r[0], r[1], r[2], r[3]) for r in rows)
    return [p for p in periods if (p.workspace, p.channel_id, p.cadence, p.start_ms) not in sent]


async def prune_digest_sends(engine: AsyncEngine, before_ms: int) -> int:
    """Forget digests of periods that ended before `before_ms`."""
    async with engine.begin() as conn:
        result = await conn.execute(
            delete(digest_sends).where(digest_sends.c.period_end_ms < before_ms)
        )
        return int(result.rowcount or 0)
