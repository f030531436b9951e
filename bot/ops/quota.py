"""The daily Wolkvox quota: calls per token per day, counted across instances.

Each operation (`bot.operations`) has its token and its daily quota (its own, or
WOLKVOX_DAILY_QUOTA when it sets none): a sync of a connector key (`cliente_a:1234`) is counted
against its operation's token. Operations sharing a token share its count (each stops at its
own daily figure); operations with different tokens are counted apart.

Wolkvox allows licenses x 1,000 calls per token per day (WOLKVOX_DAILY_QUOTA) and refuses the
rest with TOKEN LIMIT EXCEEDED. The bot counts its own calls as reservations: a call that holds
one of the token's 2 slots takes one of the day's calls atomically (a Lua script on a Redis key
that expires after two days, or a conditional UPDATE of a row per (token, day) in the
database), so however many instances and requests race, no more calls go out than the quota.
None left: QuotaSpent; the counter can't be read: QuotaUnknown (refused rather than
overspent). A call that never reached Wolkvox gives its reservation back. Keys and rows are
named by a hash of the token, never the token.

The day is the UTC day. Wolkvox does not document when its day starts; UTC is the one clock
the bot shows everywhere, and if Wolkvox's day starts a few hours off, its own refusal still
reaches the user (the count here only decides when to stop asking). Other programs using the
same token are not counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import bookkeeping
from bot.database.bounded import bounded
from bot.errors import NoOperations, QuotaSpent, QuotaUnknown, UnknownOperation
from bot.operations.model import Operation
from bot.operations.model import token_key as token_key
from bot.ops.health import first_line
from bot.templates.connectors import operation_name, split_key, workspace_of

log = logging.getLogger(__name__)

QuotaState = Literal["ok", "warn", "spent"]
WARN_FROM = 0.8  # replies warn past 80 % of the day's quota
KEY_PREFIX = "wolkvox:quota:"
KEEP_DAYS = 2  # counts of older days are forgotten
COUNTER_SECONDS = 5.0  # the most a reservation waits for the counter before refusing


# KEYS[1] the day's count; ARGV: limit (0: none), expiry seconds. 1 when a call is taken.
_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > 0 and used >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""
_GIVE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1
"""


class DailyCounter(Protocol):
    """Calls per (token key, day), shared by every instance."""

    async def reserve(self, token_key: str, day: str, limit: int) -> bool: ...

    async def give_back(self, token_key: str, day: str) -> None: ...

    async def get(self, token_key: str, day: str) -> int: ...


class RedisCounter:
    """Counts in Redis (REDIS_URL): a key per token and day, expiring after 2 days."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)
        self._give_back = redis.register_script(_GIVE_BACK)

    async def reserve(self, token_key: str, day: str, limit: int) -> bool:
        key = f"{KEY_PREFIX}{token_key}:{day}"
        return bool(await self._reserve(keys=[key], args=[limit, KEEP_DAYS * 86_400]))

    async def give_back(self, token_key: str, day: str) -> None:
        await self._give_back(keys=[f"{KEY_PREFIX}{token_key}:{day}"], args=[])

    async def get(self, token_key: str, day: str) -> int:
        value = await self.redis.get(f"{KEY_PREFIX}{token_key}:{day}")
        return int(value or 0)


class DatabaseCounter:
    """Counts in the history database (no Redis): a row per token and day."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def reserve(self, token_key: str, day: str, limit: int) -> bool:
        oldest = (datetime.fromisoformat(day) - timedelta(days=KEEP_DAYS)).date().isoformat()
        return await bookkeeping.reserve_call(
            self.engine, token_key, day, limit=limit, keep_after=oldest
        )

    async def give_back(self, token_key: str, day: str) -> None:
        await bookkeeping.give_back_call(self.engine, token_key, day)

    async def get(self, token_key: str, day: str) -> int:
        return await bookkeeping.calls_on(self.engine, token_key, day)


class OperationLookup(Protocol):
    """The operations in effect (`bot.operations.book.OperationBook`)."""

    def get(self, name: str) -> Operation | None: ...

    def all(self) -> tuple[Operation, ...]: ...


class _OneToken:
    """One nameless operation of `token`: a Quota made for a token (tests, older callers)."""

    def __init__(self, token: str, daily: int) -> None:
        self._operation = Operation(name="", server="", token=token, daily_quota=daily)

    def get(self, name: str) -> Operation | None:
        return self._operation

    def all(self) -> tuple[Operation, ...]:
        return (self._operation,)


class Quota:
    """Wolkvox calls today per token, against each operation's daily quota.

    `operations` looks the operations up (the book); `daily` is WOLKVOX_DAILY_QUOTA, the quota
    of an operation that sets none (0 when unknown). A token string in place of `operations`
    counts that one token (a bare connector id is then its).

    Where no operation is named (`used_today()`, `daily`, `state(used)`, the metrics):
    with one operation, its figures; with several, the sum over their distinct tokens (each
    token once, however many operations share it; the daily sum is 0, unknown, when any
    token's quota is unknown); with none, 0.
    """

    def __init__(
        self,
        counter: DailyCounter,
        operations: OperationLookup | str,
        daily: int,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.counter = counter
        self.default_daily = daily
        self.operations: OperationLookup = (
            _OneToken(operations, daily) if isinstance(operations, str) else operations
        )
        self._now = now

    def today(self) -> str:
        """The UTC day now, as YYYY-MM-DD."""
        return self._now().astimezone(UTC).date().isoformat()

    # which operation, which token

    def operation_for(self, connector: str) -> Operation:
        """The operation whose token a sync of `connector` (a key, or a bare id: the
        environment's or only operation's) is counted against. A key of a workspace
        (`T0123ABCD/cliente_a:1234`, distribution mode) is looked up among that workspace's
        operations only, and an unknown one is named with them alone (never another
        workspace's); a bare id there is no workspace's (NoOperations)."""
        name, _ = split_key(connector)
        workspace = workspace_of(name)
        if workspace or getattr(self.operations, "distribution", False):
            found = self.operations.get(name) if name else None
            if found is not None:
                return found
            names = self._names_in(workspace)
            if not names:
                raise NoOperations()
            raise UnknownOperation(operation_name(name) or connector, names)
        operations = self.operations.all()
        if not operations:
            raise NoOperations()
        found = self.operations.get(name) if name else _default(operations)
        if found is None:
            raise UnknownOperation(name or connector, tuple(op.name for op in operations))
        return found

    def _names_in(self, workspace: str) -> tuple[str, ...]:
        """The names (as typed) of `workspace`'s operations in memory: its book's, when the
        lookup holds one per workspace (`OperationBooks.loaded`), else the lookup's own when
        it is that workspace's book."""
        loaded = getattr(self.operations, "loaded", None)
        if callable(loaded):
            book = loaded(workspace)
            return tuple(op.name for op in book.all()) if book is not None else ()
        if getattr(self.operations, "workspace", "") == workspace:
            return tuple(op.name for op in self.operations.all())
        return ()

    def daily_for(self, operation: Operation) -> int:
        """An operation's calls per day: its own quota, else WOLKVOX_DAILY_QUOTA (0: unknown)."""
        return operation.daily_quota or self.default_daily

    def daily_of(self, connector: str) -> int:
        """The daily quota a sync of `connector` is held to (0: unknown or no operation)."""
        try:
            return self.daily_for(self.operation_for(connector))
        except (NoOperations, UnknownOperation):
            return 0

    @property
    def daily(self) -> int:
        """The daily quota where no operation is named (see the class)."""
        return self.daily_over(self.operations.all())

    def daily_over(self, operations: Sequence[Operation]) -> int:
        """The daily quota of `operations` together (one workspace's, for its `status`):
        each token once; 0 (unknown) when any token's quota is unknown, or there are none."""
        tokens = _distinct_tokens(operations)
        if len(tokens) == 1:
            return self.daily_for(tokens[0])
        dailies = [self.daily_for(op) for op in tokens]
        return 0 if not dailies or 0 in dailies else sum(dailies)

    # counting

    async def reserve(self, connector: str) -> Reservation:
        """Take one of today's calls of the token of `connector`'s operation, or raise
        QuotaSpent (none left) or QuotaUnknown (the counter can't be reached and a quota is
        set: refused rather than overspent). Without a quota, calls are still counted (for
        `status`), and one the counter misses is only logged."""
        operation = self.operation_for(connector)
        daily = self.daily_for(operation)
        key = operation.token_key
        day = self.today()
        try:
            taken = await bounded(self.counter.reserve(key, day, daily), COUNTER_SECONDS)
        except Exception as error:
            if daily <= 0:
                log.warning(
                    "could not count a Wolkvox call (no quota set): %s", first_line(error)[:200]
                )
                return Reservation(self, day, key, counted=False)
            log.warning(
                "refused a Wolkvox call of connector %s: the daily quota counter could not be "
                "read (%s)",
                connector,
                first_line(error)[:200],
            )
            raise QuotaUnknown(connector, "the daily quota counter could not be read") from None
        if not taken:
            raise QuotaSpent(connector, daily)
        return Reservation(self, day, key)

    async def used_today(self, operation: Operation | None = None) -> int:
        """Calls made today with `operation`'s token, by every instance and every operation
        sharing it; without an operation, see the class. Raises if the counter can't be
        reached."""
        if operation is not None:
            return await self.counter.get(operation.token_key, self.today())
        return await self.used_by(self.operations.all())

    async def used_by(self, operations: Sequence[Operation]) -> int:
        """Calls made today with the tokens of `operations` (each token once). Raises if the
        counter can't be reached."""
        day = self.today()
        counts = [await self.counter.get(op.token_key, day) for op in _distinct_tokens(operations)]
        return sum(counts)

    def state(self, used: int, operation: Operation | None = None) -> QuotaState:
        """ "ok", "warn" past 80 % of the quota, "spent" at 100 %; "ok" when it is unknown."""
        daily = self.daily if operation is None else self.daily_for(operation)
        if daily <= 0:
            return "ok"
        if used >= daily:
            return "spent"
        return "warn" if used > daily * WARN_FROM else "ok"

    async def spent(self, connector: str = "") -> bool:
        """True when today's quota of `connector`'s operation ("": the environment's or only
        one) is known to be spent; False when unknown, unreadable, or the operation is gone."""
        try:
            operation = self.operation_for(connector)
        except (NoOperations, UnknownOperation):
            return False
        if self.daily_for(operation) <= 0:
            return False
        try:
            used = await self.used_today(operation)
        except Exception as error:
            log.warning("could not read the calls made today: %s", error)
            return False
        return self.state(used, operation) == "spent"


def _default(operations: Sequence[Operation]) -> Operation | None:
    """The operation a bare connector id means: the environment's, or the only one."""
    for operation in operations:
        if operation.from_environment:
            return operation
    return operations[0] if len(operations) == 1 else None


def _distinct_tokens(operations: Sequence[Operation]) -> list[Operation]:
    """One operation per token (the first of those sharing one)."""
    seen: dict[str, Operation] = {}
    for operation in operations:
        seen.setdefault(operation.token_key, operation)
    return list(seen.values())


class Reservation:
    """One call taken from the day's quota of a token; `give_back` when it never reached
    Wolkvox."""

    def __init__(self, quota: Quota, day: str, token_key: str, *, counted: bool = True) -> None:
        self.quota = quota
        self.day = day
        self.token_key = token_key
        self.counted = counted

    async def give_back(self) -> None:
        if not self.counted:
            return
        self.counted = False
        try:
            await bounded(self.quota.counter.give_back(self.token_key, self.day), COUNTER_SECONDS)
        except Exception as error:  # counted once too many: safe, only the quota is stricter
            log.warning(
                "could not give back a Wolkvox call never made: %s", first_line(error)[:200]
            )
