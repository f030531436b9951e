"""The template service (bot.sync.service): cache, single flight, refresh, stale fallback,
listeners run once per Wolkvox call, kept snapshots bounded in bytes; over real HTTP to the
fake Wolkvox."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from bot.errors import QuotaExceeded
from bot.sync.kept import snapshot_bytes
from bot.sync.service import SyncTrigger, TemplateService
from bot.templates.model import Snapshot
from bot.wolkvox import WolkvoxClient
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply, wait_until

WHO = SyncTrigger(user_id="U1", user_name="maria")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(wolkvox: FakeWolkvox, clock: Clock) -> AsyncIterator[TemplateService]:
    client = WolkvoxClient(wolkvox.url, TOKEN, timeout=5)
    yield TemplateService(client, cache_ttl=300, timer=clock, refresh_cooldown=0)
    await client.aclose()


async def test_concurrent_requests_share_one_call(
    service: TemplateService, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=4, delay=0.3))
    outcomes = await asyncio.gather(*(service.sync("1234", WHO) for _ in range(30)))
    assert wolkvox.calls == ["1234"]
    assert sorted(o.origin for o in outcomes).count("wolkvox") == 1
    assert {o.origin for o in outcomes} == {"wolkvox", "shared"}
    assert len({o.snapshot.id for o in outcomes}) == 1


async def test_cache_serves_repeats_until_the_ttl_passes(
    service: TemplateService, wolkvox: FakeWolkvox, clock: Clock
) -> None:
    first = await service.sync("1234", WHO)
    clock.now += 299
    again = await service.sync("1234", WHO)
    assert again.origin == "cache" and again.snapshot is first.snapshot
    assert wolkvox.calls == ["1234"]
    clock.now += 2
    later = await service.sync("1234", WHO)
    assert later.origin == "wolkvox"
    assert wolkvox.calls == ["1234", "1234"]


async def test_refresh_bypasses_the_cache(service: TemplateService, wolkvox: FakeWolkvox) -> None:
    await service.sync("1234", WHO)
    outcome = await service.sync("1234", WHO, refresh=True)
    assert outcome.origin == "wolkvox"
    assert wolkvox.calls == ["1234", "1234"]


async def test_failure_with_a_kept_copy_returns_it_as_stale(
    service: TemplateService, wolkvox: FakeWolkvox, clock: Clock
) -> None:
    good = await service.sync("1234", WHO)
    wolkvox.reply(
        "1234",
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}),
    )
    clock.now += 10_000  # long past the TTL: the kept copy still helps
    outcome = await service.sync("1234", WHO)
    assert outcome.origin == "stale" and outcome.snapshot is good.snapshot
    assert isinstance(outcome.error, QuotaExceeded)


async def test_failure_without_a_copy_raises(
    service: TemplateService, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("9", Reply(status=503, body="down"))
    with pytest.raises(Exception, match="HTTP 503"):
        await service.sync("9", WHO)
    assert not service.in_flight("9")


async def test_listeners_run_once_per_wolkvox_call(
    service: TemplateService, wolkvox: FakeWolkvox
) -> None:
    seen: list[tuple[str, str]] = []

    async def listener(snapshot: Snapshot, changes: object, trigger: SyncTrigger) -> None:
        seen.append((snapshot.connector, trigger.user_id))

    service.on_fresh_sync(listener)
    wolkvox.reply("1234", Reply(delay=0.2))
    await asyncio.gather(*(service.sync("1234", WHO) for _ in range(10)))
    await service.sync("1234", WHO)  # cache hit: no listener
    await service.drain()
    assert seen == [("1234", "U1")]


async def test_kept_snapshots_are_bounded_in_bytes(wolkvox: FakeWolkvox) -> None:
    client = WolkvoxClient(wolkvox.url, TOKEN, timeout=5)
    for connector in ("1", "2", "3"):
        wolkvox.reply(connector, Reply(templates=10))
    probe = TemplateService(client, cache_ttl=300)
    one = snapshot_bytes((await probe.sync("1", WHO)).snapshot)  # each is about this size
    service = TemplateService(client, cache_ttl=300, keep_bytes=2 * one + one // 2)
    ids = [(await service.sync(c, WHO)).snapshot.id for c in ("1", "2", "3")]
    await client.aclose()
    assert await service.kept(ids[0]) is None  # evicted, least recently used
    assert await service.kept(ids[1]) is not None and await service.kept(ids[2]) is not None
    assert service.kept_bytes <= 2 * one + one // 2


async def test_a_removed_operation_is_forgotten_even_by_a_sync_running_meanwhile(
    service: TemplateService, wolkvox: FakeWolkvox
) -> None:
    first = await service.sync("cliente_b:1", WHO)
    await service.sync("cliente_c:1", WHO)
    held = threading.Event()
    wolkvox.reply("2", Reply(templates=2, release=held))
    running = asyncio.create_task(service.sync("cliente_b:2", WHO))
    assert await asyncio.to_thread(wait_until, lambda: wolkvox.in_flight == 1)
    await service.forget_operation("cliente_b")
    held.set()
    late = await running
    assert late.origin == "wolkvox" and late.snapshot.count == 2  # whoever asked is answered
    for key in ("cliente_b:1", "cliente_b:2"):  # nothing of it is served as fresh or recent
        assert await service.cached(key) is None
        assert await service.last_known(key) is None
    assert await service.kept(first.snapshot.id) is first.snapshot  # older messages' buttons
    assert (await service.sync("cliente_c:1", WHO)).origin == "cache"  # another operation's
    assert wolkvox.calls == ["1", "1", "2"]
