"""The two Wolkvox slots handed out in turn (bot.wolkvox.slots), in one process, across
instances through Redis, and across processes sharing a database without Redis (each
process's fair slots, then the database's): one caller holds one slot at most, the
longest-waiting caller that holds none goes next, and a waiter that gives up leaves nothing
behind. Slots are per token: another token's are free."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database.redis import connect
from bot.database.schema import token_slots
from bot.database.store import Store, create_engine
from bot.operations.model import token_key
from bot.wolkvox.database_slots import DatabaseSlots
from bot.wolkvox.redis_slots import RedisSlots
from bot.wolkvox.slots import FairSlots, LocalThenShared, Slots
from bot.wolkvox.token_slots import TokenSlots

ROUNDS = 200  # event-loop turns a waiter is given to take a free slot (Redis polls ~every 35 ms)


@pytest.fixture(params=["local", "redis", "sqlite", "postgresql"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """Where the slots are counted, and the URL of that store."""
    kind = str(request.param)
    if kind == "redis":
        return kind, str(request.getfixturevalue("redis_url"))
    if kind == "sqlite":
        return kind, f"sqlite:///{tmp_path}/slots.db"
    if kind == "postgresql":
        return kind, str(request.getfixturevalue("postgres_url"))
    return kind, ""


@pytest.fixture
async def make_slots(where: tuple[str, str]) -> AsyncIterator[Callable[[], Slots]]:
    """A factory of one token's slots as each instance sees them: one object in one process,
    one Redis client per instance, or one database engine per process (with its own fair
    slots in front)."""
    local = FairSlots()
    kind, url = where
    key = token_key(secrets.token_hex(8))
    clients: list[Redis] = []
    engines: list[AsyncEngine] = []
    if kind in ("sqlite", "postgresql"):
        await (await Store.open(url)).aclose()  # migrated once, before the processes start

    def make() -> Slots:
        if kind == "local":
            return local
        if kind == "redis":
            redis = connect(url)
            clients.append(redis)
            return RedisSlots(redis, key, lease_seconds=30)
        engine = create_engine(url)
        engines.append(engine)
        return LocalThenShared(FairSlots(), DatabaseSlots(engine, key, lease_seconds=30))

    yield make
    for client in clients:
        await client.aclose()
    for engine in engines:
        await engine.dispose()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(ROUNDS):
        if condition():
            return
        await asyncio.sleep(0.005)


async def settled(*tasks: asyncio.Task[None]) -> None:
    """Give waiting tasks time to take a slot that is free for them."""
    for _ in range(ROUNDS):
        if all(t.done() for t in tasks):
            return
        await asyncio.sleep(0.005)


async def test_one_caller_holds_one_slot_and_leaves_the_other_free(
    make_slots: Callable[[], Slots],
) -> None:
    here, there = make_slots(), make_slots()
    order: list[str] = []
    release = asyncio.Event()

    async def sync(slots: Slots, caller: str, name: str) -> None:
        async with slots.hold(caller):
            order.append(name)
            await release.wait()

    tasks = [asyncio.create_task(sync(here, "user:MARIA", f"m{i}")) for i in range(3)]
    try:
        await settled(*tasks)
        assert len(order) == 1  # her other two wait although a slot is free
        tasks.append(asyncio.create_task(sync(there, "user:EVE", "eve")))  # another instance
        await until(lambda: "eve" in order)
        assert order[1:] == ["eve"]
    finally:
        release.set()
        await asyncio.gather(*tasks)
    assert sorted(order) == ["eve", "m0", "m1", "m2"]


async def test_a_free_slot_goes_to_the_longest_waiting_caller_that_holds_none(
    make_slots: Callable[[], Slots],
) -> None:
    slots = make_slots()
    order: list[str] = []
    gates = {name: asyncio.Event() for name in ("a1", "b1", "a2", "c1")}

    async def sync(caller: str, name: str) -> None:
        async with slots.hold(caller):
            order.append(name)
            await gates[name].wait()

    tasks = [asyncio.create_task(sync("user:A", "a1")), asyncio.create_task(sync("user:B", "b1"))]
    try:
        await until(lambda: len(order) == 2)
        tasks.append(asyncio.create_task(sync("user:A", "a2")))  # first, but A holds a slot
        await asyncio.sleep(0.1)
        tasks.append(asyncio.create_task(sync("user:C", "c1")))
        await asyncio.sleep(0.1)
        gates["b1"].set()  # B's slot comes free: C goes before A's second
        await until(lambda: len(order) == 3)
        assert sorted(order[:2]) == ["a1", "b1"] and order[2:] == ["c1"]
        gates["a1"].set()
        await until(lambda: len(order) == 4)
        assert order[2:] == ["c1", "a2"]
    finally:
        for gate in gates.values():
            gate.set()
        await asyncio.gather(*tasks)


async def test_a_waiter_that_gives_up_leaves_its_turn_and_no_slot_behind(
    make_slots: Callable[[], Slots],
) -> None:
    slots = make_slots()
    async with AsyncExitStack() as held:
        await held.enter_async_context(slots.hold("user:A"))
        await held.enter_async_context(slots.hold("user:B"))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await held.enter_async_context(slots.hold("user:C"))
    # both released, C gone: two new callers take both slots at once
    async with AsyncExitStack() as again:
        async with asyncio.timeout(5):
            await again.enter_async_context(slots.hold("user:D"))
            await again.enter_async_context(slots.hold("user:E"))


# Across processes sharing a database, without Redis


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/slots.db"
    return str(request.getfixturevalue("postgres_url"))


async def migrated(url: str) -> AsyncEngine:
    await (await Store.open(url)).aclose()
    return create_engine(url)


async def test_processes_sharing_a_database_never_hold_more_than_two_per_token(
    database: str,
) -> None:
    engines = [await migrated(database)] + [create_engine(database) for _ in range(2)]
    processes = [TokenSlots(lease_seconds=30) for _ in engines]
    for slots, engine in zip(processes, engines, strict=True):
        slots.use_database(engine)
    tokens = [token_key("token-a"), token_key("token-b")]
    holding = {key: 0 for key in tokens}
    most = {key: 0 for key in tokens}

    async def call(i: int) -> None:
        key = tokens[i % 2]
        async with processes[i % 3].slots_for(key).hold(f"user:U{i % 7}"):
            holding[key] += 1
            most[key] = max(most[key], holding[key])
            await asyncio.sleep(0.02)
            holding[key] -= 1

    async with asyncio.timeout(60):
        await asyncio.gather(*(call(i) for i in range(60)))
    assert most == {tokens[0]: 2, tokens[1]: 2}  # each token's 2, side by side
    async with engines[0].connect() as conn:
        rows = (await conn.execute(token_slots.select())).all()
    assert {row.token_key for row in rows} == set(tokens)  # named by a hash, never the token
    assert all(row.expires_at == 0 for row in rows)  # every slot released
    for engine in engines:
        await engine.dispose()


async def test_a_crashed_process_frees_its_database_slot_when_the_lease_ends(
    database: str,
) -> None:
    engine = await migrated(database)
    key = token_key("token-a")
    crashed = DatabaseSlots(engine, key, lease_seconds=0.5)
    for holder in ("dead-1", "dead-2"):  # two processes took both slots and died holding them
        assert await crashed._try(holder) is not None
    slots = DatabaseSlots(engine, key, lease_seconds=30)
    async with asyncio.timeout(10):  # the leases run out: it gets one
        async with slots.hold("user:U1"):
            pass
    await engine.dispose()


async def test_a_slot_held_longer_than_its_lease_is_renewed(database: str) -> None:
    engine = await migrated(database)
    key = token_key("token-a")
    holder, other = (DatabaseSlots(engine, key, lease_seconds=1.5, limit=1) for _ in range(2))
    got_it = asyncio.Event()

    async def take_other() -> None:
        async with other.hold("user:U2"):
            got_it.set()

    async with holder.hold("user:U1"):
        waiting = asyncio.create_task(take_other())
        await asyncio.sleep(4.5)  # three leases long: still held (renewed every 0.5 s)
        assert not got_it.is_set()
    async with asyncio.timeout(10):
        await waiting
    await engine.dispose()


async def test_a_database_that_is_down_leaves_each_process_its_own_two(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without Redis the database counts the slots across processes; when it can't be reached
    the syncs still go out within this process's own 2 (the database being down keeps history
    waiting, not the templates), with one warning for the outage."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'gone.db'}")
    key = token_key("token-a")
    slots = LocalThenShared(FairSlots(2), DatabaseSlots(engine, key, lease_seconds=30))
    held = 0
    most = 0
    release = asyncio.Event()

    async def call(i: int) -> None:
        nonlocal held, most
        async with slots.hold(f"user:U{i}"):
            held += 1
            most = max(most, held)
            await release.wait()
            held -= 1

    calls = [asyncio.create_task(call(i)) for i in range(5)]
    async with asyncio.timeout(10):
        while held < 2:
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert held == 2  # this process's own limit still holds
    release.set()
    async with asyncio.timeout(10):
        await asyncio.gather(*calls)
    assert most == 2
    warnings = [r for r in caplog.records if "own 2" in r.getMessage()]
    assert len(warnings) == 1
    await engine.dispose()
