"""The two Wolkvox slots handed out in turn (bot.wolkvox.slots), in one process and across
instances through Redis: one caller holds one slot at most, the longest-waiting caller that
holds none goes next, and a waiter that gives up leaves nothing behind."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis

from bot.database.redis import connect
from bot.wolkvox.redis_slots import RedisSlots
from bot.wolkvox.slots import FairSlots, Slots

ROUNDS = 200  # event-loop turns a waiter is given to take a free slot (Redis polls ~every 35 ms)


@pytest.fixture(params=["local", "redis"])
async def make_slots(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Slots]]:
    """A factory of one token's slots as each instance sees them: one object in one process,
    one Redis client per instance across processes."""
    local = FairSlots()
    url = str(request.getfixturevalue("redis_url")) if request.param == "redis" else ""
    token = secrets.token_hex(8)
    clients: list[Redis] = []

    def make() -> Slots:
        if not url:
            return local
        redis = connect(url)
        clients.append(redis)
        return RedisSlots(redis, token, lease_seconds=30)

    yield make
    for client in clients:
        await client.aclose()


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
