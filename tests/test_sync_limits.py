"""Sync limits inside the service (bot.sync.service, bot.sync.kept, bot.wolkvox.slots): memory
bounded in bytes, shared content, the refresh cooldown, bounded waits for a slot, one spelling
per connector. Over real HTTP to the fake Wolkvox (and a real Redis where named). (The same
limits through the running app: test_sync_limits_end_to_end.py.)"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.database.redis import connect
from bot.errors import Busy, WolkvoxError
from bot.operations.model import token_key
from bot.sync.kept import snapshot_bytes
from bot.sync.service import SyncTrigger, TemplateService
from bot.sync.shared_cache import SharedState
from bot.templates.connectors import canonical_connector
from bot.wolkvox.client import WolkvoxClient
from bot.wolkvox.redis_slots import RedisSlots
from bot.wolkvox.slots import FairSlots
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply, ok

WHO = SyncTrigger(user_id="U1", user_name="maria")
HANG_GUARD = 60  # seconds: a test that waits this long has found a sync left hanging


def account(count: int, *, body_chars: int = 1000, changed: int = -1, version: int = 0) -> Reply:
    """`count` templates with bodies of about `body_chars`; template `changed` says `version`."""
    return Reply(
        body=ok(
            [
                {
                    "name_template": f"plantilla_{i:05d}",
                    "idiom": "es_MX",
                    "category": "UTILITY",
                    "body_template": f"Hola {{{{1}}}}, pedido {i} v{version if i == changed else 0} "
                    + "x" * body_chars,
                }
                for i in range(count)
            ]
        )
    )


class Now:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
async def client(wolkvox: FakeWolkvox) -> AsyncIterator[WolkvoxClient]:
    wolkvox_client = WolkvoxClient(wolkvox.url, TOKEN, timeout=10)
    yield wolkvox_client
    await wolkvox_client.aclose()


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# Memory: bounded in bytes, a few snapshots per connector, identical content shared


async def test_kept_bytes_stay_within_the_budget_over_40_refreshes(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    wolkvox.reply("1234", account(200))
    probe = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    one = snapshot_bytes((await probe.sync("1234", WHO)).snapshot)
    budget = 2 * one + one // 2  # room for two snapshots of this size, not three
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0, keep_bytes=budget)
    snapshots = []
    for version in range(40):  # every refresh changes one template: nothing is equal
        wolkvox.reply("1234", account(200, changed=version % 200, version=version + 1))
        snapshots.append((await service.sync("1234", WHO, refresh=True)).snapshot)
        assert service.kept_bytes <= budget
    assert [await service.kept(s.id) is not None for s in snapshots[-3:]] == [False, True, True]
    assert await service.last_known("1234") is snapshots[-1]


async def test_only_the_newest_three_snapshots_of_a_connector_are_kept(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    ids = []
    for version in range(5):
        wolkvox.reply("1234", account(5, changed=0, version=version))
        ids.append((await service.sync("1234", WHO, refresh=True)).snapshot.id)
    kept = [await service.kept(snapshot_id) is not None for snapshot_id in ids]
    assert kept == [False, False, True, True, True]


async def test_unchanged_refreshes_share_one_copy(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    wolkvox.reply("1234", account(50))
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    first = (await service.sync("1234", WHO, refresh=True)).snapshot
    again = (await service.sync("1234", WHO, refresh=True)).snapshot
    assert again.id != first.id  # a sync of its own, for history and buttons...
    assert again.templates is first.templates  # ...holding no second copy
    assert again.index is first.index
    assert wolkvox.calls == ["1234", "1234"]


async def test_one_changed_template_shares_all_the_others(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    wolkvox.reply("1234", account(50))
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    first = (await service.sync("1234", WHO, refresh=True)).snapshot
    assert first.index[0]  # searched: its texts are loaded, so the next sync's reuse them
    wolkvox.reply("1234", account(50, changed=7, version=2))
    second = (await service.sync("1234", WHO, refresh=True)).snapshot
    pairs = list(zip(first.templates, second.templates, strict=True))
    assert [i for i, (a, b) in enumerate(pairs) if a is not b] == [7]
    assert "v2" in second.templates[7].body
    same_text = [a is b for a, b in zip(first.index, second.index, strict=True)]
    assert same_text.count(False) == 1 and not same_text[7]


async def test_memory_stays_flat_over_40_refreshes_of_5000_1kb_templates(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    wolkvox.reply("1234", account(5000))
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    await service.sync("1234", WHO, refresh=True)
    after_one = rss_bytes()
    for _ in range(39):
        await service.sync("1234", WHO, refresh=True)
    growth = rss_bytes() - after_one
    # Keeping every snapshot grew by about 11 MB a refresh (430 MB here); shared, they cost
    # nothing more than transient buffers.
    assert growth < 100 * 1024 * 1024, f"grew {growth >> 20} MB over 39 unchanged refreshes"
    assert service.kept_bytes <= 3 * snapshot_bytes((await service.sync("1234", WHO)).snapshot)


# The refresh cooldown


async def test_a_refresh_within_the_cooldown_answers_without_calling_wolkvox(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    now = Now()
    service = TemplateService(client, cache_ttl=300, now=now, refresh_cooldown=30)
    first = await service.sync("1234", WHO, refresh=True)
    now.advance(10)
    resting = await service.sync("1234", WHO, refresh=True)
    assert resting.origin == "cooldown" and resting.snapshot is first.snapshot
    assert resting.retry_in == pytest.approx(20)
    assert wolkvox.calls == ["1234"]
    now.advance(20)
    assert (await service.sync("1234", WHO, refresh=True)).origin == "wolkvox"
    assert wolkvox.calls == ["1234", "1234"]


async def test_zero_turns_the_cooldown_off(wolkvox: FakeWolkvox, client: WolkvoxClient) -> None:
    service = TemplateService(client, cache_ttl=300, now=Now(), refresh_cooldown=0)
    origins = [(await service.sync("1234", WHO, refresh=True)).origin for _ in range(3)]
    assert origins == ["wolkvox"] * 3
    assert wolkvox.calls == ["1234"] * 3


async def test_the_cooldown_holds_across_instances(redis_url: str, wolkvox: FakeWolkvox) -> None:
    now = Now()
    async with AsyncExitStack() as stack:
        services = []
        for _ in range(2):  # two processes sharing one Redis
            shared = SharedState(connect(redis_url), cache_ttl=300, lock_seconds=10)
            stack.push_async_callback(shared.aclose)
            instance_client = WolkvoxClient(wolkvox.url, TOKEN, timeout=10)
            stack.push_async_callback(instance_client.aclose)
            services.append(TemplateService(instance_client, cache_ttl=300, now=now, shared=shared))
        first = await services[0].sync("1234", WHO, refresh=True)
        now.advance(5)
        other = await services[1].sync("1234", WHO, refresh=True)
    assert other.origin == "cooldown" and other.snapshot.id == first.snapshot.id
    assert other.retry_in == pytest.approx(25)
    assert wolkvox.calls == ["1234"]


# A bounded wait for a slot


async def hold_both(slots: FairSlots | RedisSlots, stack: AsyncExitStack) -> None:
    for caller in ("user:U1", "user:U2"):  # one caller holds one slot at most
        await stack.enter_async_context(slots.hold(caller))


async def test_no_free_slot_within_the_timeout_means_busy(wolkvox: FakeWolkvox) -> None:
    slots = FairSlots()
    busy_client = WolkvoxClient(wolkvox.url, TOKEN, timeout=0.3, slots=slots)
    async with AsyncExitStack() as held:
        await hold_both(slots, held)  # two long syncs hold both slots
        with pytest.raises(Busy, match=r"no free slot within 0\.3 s"):
            await busy_client.sync_templates("1234")
    assert (await busy_client.sync_templates("1234")).templates  # free again: it works
    await busy_client.aclose()
    assert wolkvox.calls == ["1234"]


async def test_no_free_redis_slot_within_the_timeout_means_busy(
    redis_url: str, wolkvox: FakeWolkvox
) -> None:
    redis = connect(redis_url)
    slots = RedisSlots(redis, token_key(TOKEN), limit=2, lease_seconds=60)
    busy_client = WolkvoxClient(wolkvox.url, TOKEN, timeout=0.3, slots=slots)
    async with AsyncExitStack() as held:
        await hold_both(slots, held)  # held by syncs on other instances
        with pytest.raises(Busy):
            await busy_client.sync_templates("1234")
        assert await redis.zcard(slots.key) == 2  # the waiter left no slot of its own behind
    await busy_client.aclose()
    await redis.aclose()
    assert wolkvox.calls == []


async def test_past_the_waiter_cap_a_sync_is_busy_at_once(wolkvox: FakeWolkvox) -> None:
    slots = FairSlots()
    capped = WolkvoxClient(wolkvox.url, TOKEN, timeout=HANG_GUARD, slots=slots, max_waiting=3)
    async with AsyncExitStack() as held:
        await hold_both(slots, held)
        waiting = [asyncio.create_task(capped.sync_templates(str(c))) for c in range(1, 4)]
        for _ in range(100):  # let them reach the slots
            await asyncio.sleep(0)
        assert capped.waiting == 3
        with pytest.raises(Busy, match="3 syncs wait for a slot"):
            await capped.sync_templates("4")
        assert not any(task.done() for task in waiting)  # still waiting their turn
    answers = await asyncio.gather(*waiting)
    await capped.aclose()
    assert all(answer.templates for answer in answers)
    assert sorted(wolkvox.calls) == ["1", "2", "3"]


async def test_no_user_is_left_hanging(wolkvox: FakeWolkvox) -> None:
    short = WolkvoxClient(wolkvox.url, TOKEN, timeout=0.5)
    service = TemplateService(short, cache_ttl=0.001, refresh_cooldown=0)
    kept = (await service.sync("7", WHO)).snapshot
    connectors = [str(c) for c in range(1, 63)]  # 2 calls, 50 waiting, 10 more
    for connector in connectors:
        wolkvox.reply(connector, Reply(hang=True))  # Wolkvox stops answering anyone
    async with asyncio.timeout(HANG_GUARD):
        results = await asyncio.gather(
            *(service.sync(c, WHO, refresh=True) for c in connectors),
            return_exceptions=True,
        )
    await short.aclose()
    errors = [r for r in results if not hasattr(r, "origin")]
    assert all(isinstance(error, WolkvoxError) for error in errors)
    assert sum(isinstance(error, Busy) for error in errors) >= 10  # past the 50 waiting
    outcome: Any = results[6]  # connector 7 had a kept copy: shown, marked stale
    assert outcome.origin == "stale" and outcome.snapshot is kept
    assert isinstance(outcome.error, WolkvoxError)
    assert wolkvox.max_in_flight <= 2


# One spelling per connector


@pytest.mark.parametrize(
    ("word", "canonical"),
    [("1234", "1234"), ("01234", "1234"), ("0001234", "1234"), ("0", "0"), ("000", "0")],
)
def test_leading_zeros_do_not_make_another_connector(word: str, canonical: str) -> None:
    assert canonical_connector(word) == canonical


async def test_01234_and_1234_are_one_connector(
    wolkvox: FakeWolkvox, client: WolkvoxClient
) -> None:
    service = TemplateService(client, cache_ttl=300)
    wolkvox.reply("1234", Reply(templates=4, delay=0.2))
    both = await asyncio.gather(service.sync("01234", WHO), service.sync("1234", WHO))
    assert wolkvox.calls == ["1234"]
    assert both[0].snapshot is both[1].snapshot and both[0].snapshot.connector == "1234"
    assert (await service.sync("001234", WHO)).origin == "cache"
    assert await service.cached("01234") is both[0].snapshot
    assert not service.in_flight("01234")
