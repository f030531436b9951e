"""One set of 2 Wolkvox slots per token: operations that share a token share its slots, and
operations with different tokens call side by side.

Where a token's slots are counted, by what the deployment has:
- REDIS_URL set: in Redis, across every instance (`RedisSlots`, fair across instances);
- no Redis, once the database is open (`use_database`): this process's fair slots, then one of
  the database's (`LocalThenShared` over `DatabaseSlots`), so the console beside the web
  process, or web processes sharing PostgreSQL, never exceed 2 in flight per token;
- neither (before the database opens, and in tests that pass no database): this process.

Tokens are named by their key (`bot.operations.model.token_key`), never by themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.wolkvox.database_slots import DatabaseSlots
from bot.wolkvox.redis_slots import RedisSlots
from bot.wolkvox.slots import MAX_IN_FLIGHT, FairSlots, LocalThenShared, Slots


class TokenSlots:
    """`slots_for(token_key)`: the slots of one token, the same object each time."""

    def __init__(
        self,
        *,
        redis: Redis | None = None,
        lease_seconds: float,
        limit: int = MAX_IN_FLIGHT,
    ) -> None:
        self.redis = redis
        self.lease_seconds = lease_seconds
        self.limit = limit
        self._engine: AsyncEngine | None = None
        self._tokens: dict[str, _OneToken] = {}

    def use_database(self, engine: AsyncEngine) -> None:
        """Count the slots in this database too (without Redis), from now on."""
        self._engine = engine

    @property
    def where(self) -> str:
        """Where the slots are counted: "redis", "database" or "process"."""
        if self.redis is not None:
            return "redis"
        return "database" if self._engine is not None else "process"

    def __call__(self, token_key: str) -> Slots:
        return self.slots_for(token_key)

    def slots_for(self, token_key: str) -> Slots:
        slots = self._tokens.get(token_key)
        if slots is None:
            slots = self._tokens[token_key] = _OneToken(self, token_key)
        return slots


class _OneToken:
    """One token's slots, deciding at each hold where they are counted (the database opens
    after the clients are made)."""

    def __init__(self, owner: TokenSlots, token_key: str) -> None:
        self._owner = owner
        self._token_key = token_key
        self._local = FairSlots(owner.limit)
        self._shared: Slots | None = None
        self._shared_engine: AsyncEngine | None = None

    @asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        async with self._slots().hold(caller):
            yield

    def _slots(self) -> Slots:
        owner = self._owner
        if owner.redis is not None:
            if self._shared is None:
                self._shared = RedisSlots(
                    owner.redis,
                    self._token_key,
                    limit=owner.limit,
                    lease_seconds=owner.lease_seconds,
                )
            return self._shared
        engine = owner._engine
        if engine is None:
            return self._local
        if self._shared is None or self._shared_engine is not engine:
            database = DatabaseSlots(
                engine, self._token_key, limit=owner.limit, lease_seconds=owner.lease_seconds
            )
            self._shared = LocalThenShared(self._local, database)
            self._shared_engine = engine
        return self._shared
