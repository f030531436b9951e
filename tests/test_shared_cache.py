"""Shared state on a real Redis (bot.sync.shared_cache, bot.wolkvox.redis_slots): slots, single
flight, errors that cross instances intact, expiry after a crash, outages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot import errors
from bot.database.redis import connect
from bot.operations.model import token_key
from bot.sync.shared_cache import SharedState, dump_error, load_error
from bot.templates.model import Snapshot, Template
from bot.wolkvox.redis_slots import RedisSlots
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from tests.blockkit import all_text
from tests.harness import BotServer

NOW_SNAPSHOT = Snapshot(
    "abc123", "1234", (Template("a", "es", "UTILITY", "x"),), 0, datetime.now(UTC)
)


async def test_slots_never_exceed_two_across_instances(redis_url: str) -> None:
    instances = [connect(redis_url) for _ in range(3)]  # three processes' clients
    slots = [RedisSlots(r, token_key("the-token"), limit=2, lease_seconds=30) for r in instances]
    holding = 0
    most = 0

    async def call(i: int) -> None:
        nonlocal holding, most
        async with slots[i % 3].hold(f"user:U{i % 6}"):
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.05)
            holding -= 1

    await asyncio.gather(*(call(i) for i in range(24)))
    assert most == 2
    for r in instances:
        await r.aclose()


async def test_a_crashed_holder_frees_its_slot_when_the_lease_ends(redis_url: str) -> None:
    redis = connect(redis_url)
    slots = RedisSlots(redis, token_key("the-token"), limit=2, lease_seconds=0.5)
    for dead in ("dead-1|a", "dead-2|b"):  # two processes took both slots and died holding them
        assert await slots._acquire(keys=slots.keys, args=[2, 500, dead, 1, 2000])
    started = time.monotonic()
    async with slots.hold("user:U1"):
        waited = time.monotonic() - started
    assert waited >= 0.3  # it had to wait for the leases to run out
    assert "the-token" not in str(await redis.keys("*"))  # keys are named by a hash of the token
    await redis.aclose()


async def test_single_flight_across_instances(redis_url: str) -> None:
    states = [SharedState(connect(redis_url), cache_ttl=60, lock_seconds=10) for _ in range(2)]
    produced = 0

    async def produce() -> str:
        nonlocal produced
        produced += 1
        await asyncio.sleep(0.3)
        await states[0].publish(NOW_SNAPSHOT)
        return "produced"

    results = await asyncio.gather(
        *(
            states[i % 2].once("1234", fresh_since=0, produce=produce, deadline_seconds=5)
            for i in range(10)
        )
    )
    assert produced == 1
    assert results.count("produced") == 1 and results.count("abc123") == 9
    loaded = await states[1].snapshot("abc123")
    assert loaded is not None and loaded.templates == NOW_SNAPSHOT.templates
    for state in states:
        await state.aclose()


async def test_a_crashed_flight_holder_is_replaced_when_its_lock_expires(redis_url: str) -> None:
    state = SharedState(connect(redis_url), cache_ttl=60, lock_seconds=10)
    await state.redis.set(
        "wolkvox:lock:1234", "dead-instance", px=400
    )  # held by a process that died

    async def produce() -> str:
        return "mine"

    started = time.monotonic()
    assert await state.once("1234", fresh_since=0, produce=produce, deadline_seconds=5) == "mine"
    assert time.monotonic() - started >= 0.3
    await state.aclose()


async def test_waiters_get_the_error_of_the_call_they_waited_for(redis_url: str) -> None:
    states = [SharedState(connect(redis_url), cache_ttl=60, lock_seconds=10) for _ in range(2)]

    async def failing() -> str:
        await asyncio.sleep(0.2)
        raise errors.QuotaExceeded("1234", 403, "403", "FORBIDDEN", "TOKEN LIMIT EXCEEDED")

    async def never() -> str:
        raise AssertionError("a second call was made")

    since = time.time()
    first = asyncio.create_task(
        states[0].once("1234", fresh_since=since, produce=failing, deadline_seconds=5)
    )
    await asyncio.sleep(0.05)
    with pytest.raises(errors.QuotaExceeded) as caught:
        await states[1].once("1234", fresh_since=since, produce=never, deadline_seconds=5)
    assert caught.value.msg == "TOKEN LIMIT EXCEEDED" and caught.value.connector == "1234"
    with pytest.raises(errors.QuotaExceeded):
        await first
    for state in states:
        await state.aclose()


def test_errors_cross_instances_intact() -> None:
    error, _ = load_error(dump_error(errors.WolkvoxTimeout("9", 30)))
    assert (
        isinstance(error, errors.WolkvoxTimeout) and error.seconds == 30 and error.connector == "9"
    )


def test_an_unreachable_redis_stops_calls_to_wolkvox_with_a_clear_message(
    start_bot: Callable[..., BotServer], slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    bot = start_bot(REDIS_URL=dead)
    bot.command("1234", response_url=slack.response_url("r"))
    [reply] = slack.wait_replies("r", 1, timeout=30)
    assert "can't reach my shared storage right now" in all_text(reply)
    assert wolkvox.calls == []
