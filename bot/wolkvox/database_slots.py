"""The 2-in-flight limit per Wolkvox token across the processes sharing one database, when
there is no Redis: the console beside the web process, or several web processes on one
PostgreSQL (the cross-process form of `bot.wolkvox.slots.FairSlots`, as the quota counter
is `bot.ops.quota.DatabaseCounter`).

A held slot is a row of `token_slots` (token_key, slot, holder, expires_at), slot 0 or 1:
- taking one is a single conditional write: `UPDATE ... WHERE expires_at <= now` on a row
  that is free, or `INSERT ... ON CONFLICT DO NOTHING` of a slot never taken; the database
  lets exactly one of any number of racing processes win it;
- every slot has a lease (the call's timeout and a margin, `bot.assembly`), renewed while it
  is held, so a crashed process's slot frees itself once its lease runs out;
- a process that finds both slots taken polls again after a short, growing, jittered pause
  (up to a quarter of a second): a release elsewhere can't wake it. Within a process the
  callers first wait in turn for this process's fair slot (`LocalThenShared`), so at most 2
  of its syncs poll here at once, and fairness between people holds as with one process.

Rows are named by the token's key (a hash, `bot.operations.model.token_key`), never the token.
Times are each process's wall clock (processes on one machine, or clocks kept by NTP).
A database that can't be reached does not stop the syncs: the call goes out on this
process's own slot alone (`LocalThenShared` took it first, so this process still keeps to 2),
with one warning per outage. A single process, the usual deployment, keeps the limit exactly;
several processes on one database keep it again once the database answers (while it is down,
each keeps its own 2, and Wolkvox refuses a third with TOO MANY, which the user reads). The
database going down already keeps history and notifications waiting, not the templates
(README, "When something breaks"); Redis, when set, is stricter: a Redis that is down refuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.database.schema import token_slots
from bot.errors import SharedStateUnavailable
from bot.wolkvox.slots import MAX_IN_FLIGHT

log = logging.getLogger(__name__)

FIRST_POLL = 0.02  # seconds before the first look again at slots all taken
MAX_POLL = 0.25  # the longest pause between two looks


class DatabaseSlots:
    """At most `limit` holders at once for one token (`token_key`) across every process using
    `engine`'s database; each held slot leased for `lease_seconds` and renewed while held."""

    def __init__(
        self,
        engine: AsyncEngine,
        token_key: str,
        *,
        limit: int = MAX_IN_FLIGHT,
        lease_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.token_key = token_key
        self.limit = limit
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._cleanups: set[asyncio.Task[None]] = set()
        self._outage = False
        self._unreleased: set[str] = set()  # holders whose release failed (database down)

    def _down(self, error: SharedStateUnavailable) -> None:
        if not self._outage:
            log.warning(
                "%s: Wolkvox calls go on within this process's own 2 until it answers", error
            )
        self._outage = True

    @contextlib.asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        """Hold one of the token's slots while the block runs (`caller` waits its turn for
        this process's slot before: see LocalThenShared)."""
        holder = f"{os.getpid()}:{secrets.token_hex(8)}"
        try:
            slot = await self._take(holder)
        except SharedStateUnavailable as error:
            self._down(error)
            yield  # on this process's own slot (LocalThenShared), as one process would
            return
        if self._outage:
            log.info("the database's Wolkvox slots answer again")
            self._outage = False
        released = asyncio.Event()
        renewing = asyncio.create_task(self._renew(slot, holder, released), name="token-slot-lease")
        try:
            yield
        finally:
            released.set()  # ends the renewal between two writes, never in the middle of one
            await self._settle(self._end(renewing, holder))

    async def _end(self, renewing: asyncio.Task[None], holder: str) -> None:
        """Free the slot once its renewal has stopped (a renewal landing after the release
        would hold the slot again until its lease ran out)."""
        await renewing
        await self._release(holder)

    async def _take(self, holder: str) -> int:
        """Wait for a free slot; the caller bounds the wait (it cancels this)."""
        pause = FIRST_POLL
        while True:
            attempt = asyncio.ensure_future(self._try(holder))
            try:
                slot = await asyncio.shield(attempt)
            except asyncio.CancelledError:
                # given up: a slot the attempt took just now must not stay taken
                await self._settle(self._forget(attempt, holder))
                raise
            except (SQLAlchemyError, OSError) as error:
                raise SharedStateUnavailable(
                    f"the database's Wolkvox slots could not be read ({type(error).__name__})"
                ) from error
            if slot is not None:
                return slot
            await asyncio.sleep(pause * (0.5 + random.random()))  # noqa: S311 - jitter
            pause = min(pause * 2, MAX_POLL)

    async def _try(self, holder: str) -> int | None:
        """Take a free slot if there is one: its number, or None when all are held."""
        if self._unreleased:
            await self._release_left_over()
        now = self._clock()
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(token_slots.c.slot, token_slots.c.expires_at).where(
                        token_slots.c.token_key == self.token_key
                    )
                )
            ).all()
        known = {row.slot: row.expires_at for row in rows}
        for slot in range(self.limit):
            if slot in known and known[slot] > now:
                continue  # held (and the lease still runs)
            # one write each, in its own short transaction: racing processes never deadlock
            # (a read lock upgraded to a write lock would, on SQLite)
            async with self.engine.begin() as conn:
                if slot in known:
                    taken = await conn.execute(
                        update(token_slots)
                        .where(self._row(slot), token_slots.c.expires_at <= now)
                        .values(holder=holder, expires_at=now + self.lease_seconds)
                    )
                else:
                    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
                    taken = await conn.execute(
                        dialect.insert(token_slots)
                        .values(
                            token_key=self.token_key,
                            slot=slot,
                            holder=holder,
                            expires_at=now + self.lease_seconds,
                        )
                        .on_conflict_do_nothing(index_elements=["token_key", "slot"])
                    )
            if taken.rowcount:
                return slot
        return None

    async def _renew(self, slot: int, holder: str, released: asyncio.Event) -> None:
        """Extend the lease while the slot is held (a call given up on is held up to a minute:
        `bot.wolkvox.client`); a crashed process stops renewing and its lease runs out."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), self.lease_seconds / 3)
            if released.is_set():
                return
            try:
                async with self.engine.begin() as conn:
                    renewed = await conn.execute(
                        update(token_slots)
                        .where(self._row(slot), token_slots.c.holder == holder)
                        .values(expires_at=self._clock() + self.lease_seconds)
                    )
            except (SQLAlchemyError, OSError) as error:
                log.warning("could not renew a Wolkvox slot's lease: %s", type(error).__name__)
                continue
            if not renewed.rowcount:
                log.warning("a Wolkvox slot's lease ran out while it was held")
                return

    async def _release(self, holder: str) -> None:
        """Free the slot `holder` holds (a lease of 0: the row stays for the next taker)."""
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(token_slots)
                    .where(
                        token_slots.c.token_key == self.token_key,
                        token_slots.c.holder == holder,
                    )
                    .values(expires_at=0.0)
                )
        except (SQLAlchemyError, OSError) as error:
            self._unreleased.add(holder)  # freed at the next take, or by its lease
            log.warning("could not release a Wolkvox slot: %s", type(error).__name__)

    async def _release_left_over(self) -> None:
        """Free the slots whose release failed while the database was down: held until their
        lease ran out, they would keep this token's syncs waiting after it is back."""
        holders = sorted(self._unreleased)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(token_slots)
                .where(token_slots.c.token_key == self.token_key, token_slots.c.holder.in_(holders))
                .values(expires_at=0.0)
            )
        self._unreleased.difference_update(holders)

    async def _forget(self, attempt: asyncio.Future[int | None], holder: str) -> None:
        """After giving up: let the attempt end, then free whatever it took."""
        with contextlib.suppress(Exception):
            if await attempt is None:
                return
        await self._release(holder)

    async def _settle(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` to its end even if the caller is cancelled meanwhile (it goes on in the
        background, kept referenced until done)."""
        task = asyncio.ensure_future(work)
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)
        await asyncio.shield(task)

    def _row(self, slot: int) -> ColumnElement[bool]:
        return and_(token_slots.c.token_key == self.token_key, token_slots.c.slot == slot)
