"""Several Wolkvox operations, synced end to end over HTTP with the fake Wolkvox: each with
its own server and token, side by side; 2 requests in flight and the daily quota per token
(shared by operations sharing a token), also across processes on one database without Redis
and across instances with Redis; removing an operation stops its cache and its schedule; a
change made in one process is in effect in another within seconds.

The environment's operation comes from WOLKVOX_SERVER/WOLKVOX_TOKEN; the others are stored
through the book (sealed with a real WOLKVOX_SECRET_KEY), as the App Home and the console do.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Protocol

import pytest

from bot.assembly import build_app
from bot.config import Settings
from bot.database.redis import PREFIX
from bot.errors import QuotaSpent, SecretKeyError, UnknownOperation
from bot.operations.model import Operation, token_key
from bot.operations.secrets import new_secret_key
from bot.operations.source import OperationsSource
from bot.slack.door import SlackDoor
from bot.sync.schedule import AutoSync
from bot.sync.service import SyncTrigger
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply

TOKEN_B = "wv-token-B-SECRET-bbbbbbbbbbbb"
TOKEN_C = "wv-token-C-SECRET-cccccccccccc"
SERVERS = {
    "default": ("0032", TOKEN),
    "cliente_b": ("0002", TOKEN_B),
    "cliente_c": ("0003", TOKEN_C),
}
DEADLINE = 30.0  # seconds: generous, for a loaded 2-core box; never a measure of speed


class Start(Protocol):
    def __call__(self, env: dict[str, str], *, schedule: bool = False) -> Awaitable[SlackDoor]: ...


def who(i: int) -> SyncTrigger:
    """A different person each time (one person holds at most one slot of a token)."""
    return SyncTrigger(user_id=f"U{i:05d}", user_name=f"person{i}")


async def until(condition: Callable[[], bool], what: str, seconds: float = DEADLINE) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds:g} s: {what}"
        await asyncio.sleep(0.02)


@pytest.fixture
def operations_env(env: dict[str, str], wolkvox: FakeWolkvox) -> dict[str, str]:
    """The environment's operation `default` on server 0032; servers 0002 and 0003 accept the
    tokens of the two operations the tests store; one secret key for every process."""
    for server, token in SERVERS.values():
        wolkvox.add_server(server, token)
    return {
        **env,
        "WOLKVOX_BASE_URL": wolkvox.base_url,  # http://127.0.0.1:port/wv{server}
        "WOLKVOX_SECRET_KEY": new_secret_key(),
        "WOLKVOX_TIMEOUT": "20",
    }


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Start a bot process's core (`build_app` + start, no schedule) on `env`; all are closed
    at the end."""
    doors: list[SlackDoor] = []

    async def start_door(env: dict[str, str], *, schedule: bool = False) -> SlackDoor:
        door = build_app(Settings.from_env(env, mode="http"))
        doors.append(door)
        await door.start(schedule=schedule)
        return door

    yield start_door
    for door in doors:
        await door.aclose()


async def add(door: SlackDoor, name: str, server: str, token: str, quota: int = 0) -> None:
    await door.book.save(Operation(name, server, token, daily_quota=quota), who="console")


async def sync_all(door: SlackDoor, keys: Iterable[str], *, refresh: bool = False) -> list[str]:
    """Sync every key at once, each for another person; the origins."""
    outcomes = await asyncio.gather(
        *(door.service.sync(key, who(i), refresh=refresh) for i, key in enumerate(keys))
    )
    return [outcome.origin for outcome in outcomes]


async def test_three_operations_sync_side_by_side_with_their_own_server_and_token(
    operations_env: dict[str, str],
    wolkvox: FakeWolkvox,
    start: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    door: SlackDoor = await start(operations_env)
    await add(door, "cliente_b", "0002", TOKEN_B)
    await add(door, "cliente_c", "0003", TOKEN_C)
    assert door.book.names() == ("default", "cliente_b", "cliente_c")
    held = threading.Event()
    wolkvox.default = Reply(templates=2, release=held)
    keys = [f"{name}:{i}" for name in SERVERS for i in range(1, 21)]
    syncing = asyncio.create_task(sync_all(door, keys))
    # every token's 2 slots in use at once: 6 requests in flight, 3 operations side by side
    await until(
        lambda: all(wolkvox.in_flight_for(token) == 2 for _, token in SERVERS.values()),
        "2 requests in flight for each of the 3 tokens",
    )
    held.set()
    assert await syncing == ["wolkvox"] * 60
    for name, (server, token) in SERVERS.items():
        assert sorted(c for s, c in wolkvox.server_calls if s == server) == sorted(
            str(i) for i in range(1, 21)
        ), name
        sent = {
            r["headers"]["wolkvox-token"]
            for r in wolkvox.requests
            if r["path"].startswith(f"/wv{server}/")
        }
        assert sent == {token}, name  # each server was called with its operation's token only
        assert wolkvox.max_in_flight_for(token) == 2
        assert await door.ops.quota.used_today(door.book.require(name)) == 20  # type: ignore[union-attr]
    assert wolkvox.refused == 0
    assert wolkvox.max_in_flight == 6

    # measured: every connector again, each call 0.2 s at Wolkvox
    wolkvox.default = Reply(templates=2, delay=0.2)
    began = time.monotonic()
    assert await sync_all(door, keys, refresh=True) == ["wolkvox"] * 60
    wall = time.monotonic() - began
    per_token = {name: wolkvox.max_in_flight_for(token) for name, (_, token) in SERVERS.items()}
    print(f"\n3 operations x 20 syncs of 0.2 s: {wall:.2f} s, most in flight per token {per_token}")
    assert per_token == {"default": 2, "cliente_b": 2, "cliente_c": 2}
    assert wolkvox.refused == 0
    for token in (TOKEN, TOKEN_B, TOKEN_C):
        assert token not in caplog.text


async def test_operations_sharing_a_token_share_its_two_slots_and_its_quota(
    operations_env: dict[str, str], wolkvox: FakeWolkvox, start: Start
) -> None:
    wolkvox.add_server("0004", TOKEN_B)  # another operation of the same customer account
    door: SlackDoor = await start(operations_env)
    await add(door, "cliente_b", "0002", TOKEN_B, quota=4)
    await add(door, "cliente_d", "0004", TOKEN_B, quota=4)
    held = threading.Event()
    wolkvox.reply("1", Reply(templates=1, release=held), server="0002")
    wolkvox.reply("2", Reply(templates=1, release=held), server="0002")
    both = asyncio.create_task(sync_all(door, ["cliente_b:1", "cliente_b:2"]))
    await until(lambda: wolkvox.in_flight_for(TOKEN_B) == 2, "cliente_b holds both slots")
    other = asyncio.create_task(door.service.sync("cliente_d:7", who(99)))
    for _ in range(20):  # cliente_d waits for a slot of the token it shares
        await asyncio.sleep(0.02)
        assert wolkvox.calls_for("7", server="0004") == 0
    held.set()
    assert await both == ["wolkvox", "wolkvox"]
    assert (await other).origin == "wolkvox"
    assert wolkvox.max_in_flight_for(TOKEN_B) == 2 and wolkvox.refused == 0
    # one count for the token: 3 calls so far, of the 4 each allows
    quota = door.ops.quota  # type: ignore[union-attr]
    b, d = door.book.require("cliente_b"), door.book.require("cliente_d")
    assert await quota.used_today(b) == await quota.used_today(d) == 3
    assert (await door.service.sync("cliente_d:8", who(100))).origin == "wolkvox"
    with pytest.raises(QuotaSpent):  # spent by both: no call for a connector never synced
        await door.service.sync("cliente_b:9", who(101))
    # the environment's token is counted apart
    assert await quota.used_today(door.book.require("default")) == 0
    assert (await door.service.sync("default:9", who(102))).origin == "wolkvox"
    assert wolkvox.calls_for("9", server="0002") == 0


async def burst_two_processes(
    one: SlackDoor, two: SlackDoor, wolkvox: FakeWolkvox, env: dict[str, str]
) -> None:
    """Both processes sync 15 connectors of cliente_b (token B) and 5 of the environment's
    operation at once; each call takes a moment at Wolkvox."""
    await add(one, "cliente_b", "0002", TOKEN_B)
    await until(lambda: "cliente_b" in two.book.names(), "the other process sees cliente_b")
    wolkvox.default = Reply(templates=1, delay=0.1)
    first = [f"cliente_b:{i}" for i in range(1, 16)] + [f"default:{i}" for i in range(1, 6)]
    second = [f"cliente_b:{i}" for i in range(16, 31)] + [f"default:{i}" for i in range(6, 11)]
    origins = await asyncio.gather(sync_all(one, first), sync_all(two, second))
    assert list(origins) == [["wolkvox"] * 20, ["wolkvox"] * 20]
    assert wolkvox.max_in_flight_for(TOKEN_B) == 2
    assert wolkvox.max_in_flight_for(TOKEN) <= 2
    assert wolkvox.refused == 0


async def test_two_processes_on_one_database_without_redis_never_exceed_two_per_token(
    operations_env: dict[str, str], wolkvox: FakeWolkvox, start: Start
) -> None:
    one: SlackDoor = await start(operations_env)
    two: SlackDoor = await start(operations_env)
    assert one.core.slots is not None and one.core.slots.where == "database"
    await burst_two_processes(one, two, wolkvox, operations_env)


async def test_two_instances_with_redis_never_exceed_two_per_token(
    operations_env: dict[str, str],
    wolkvox: FakeWolkvox,
    start: Start,
    redis_url: str,
) -> None:
    env = {**operations_env, "REDIS_URL": redis_url}
    one: SlackDoor = await start(env)
    two: SlackDoor = await start(env)
    assert one.core.slots is not None and one.core.slots.where == "redis"
    await burst_two_processes(one, two, wolkvox, env)
    redis = one.core.slots.redis
    assert redis is not None
    keys = [k.decode() if isinstance(k, bytes) else k for k in await redis.keys("*")]
    assert not any(TOKEN_B in k or TOKEN in k for k in keys)
    # removed on one instance: no instance serves its cached copies any more
    assert await two.service.cached("cliente_b:1") is not None  # synced by the other one
    await one.book.remove("cliente_b", who="console")
    assert not await redis.keys(f"{PREFIX}cache:cliente_b:*")
    assert not await redis.keys(f"{PREFIX}latest:cliente_b:*")
    assert await two.service.cached("cliente_b:1") is None
    await until(lambda: "cliente_b:16" not in two.service.cached_here, "the other forgets it")


async def test_removing_an_operation_stops_its_cache_and_its_schedule(
    operations_env: dict[str, str],
    wolkvox: FakeWolkvox,
    start: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {**operations_env, "WOLKVOX_AUTO_SYNC": "cliente_b:1234,1234"}
    door: SlackDoor = await start(env, schedule=True)
    await add(door, "cliente_b", "0002", TOKEN_B)
    scheduler = door.core.scheduler
    assert scheduler is not None
    assert scheduler.due() == ["cliente_b:1234", "default:1234"]  # a bare id: the environment's
    assert (await door.service.sync("cliente_b:1234", who(1))).origin in ("wolkvox", "shared")
    assert (await door.service.sync("cliente_b:1234", who(2))).origin == "cache"
    assert (await door.service.sync("default:1234", who(4))).snapshot.count == 3
    calls = wolkvox.calls_for("1234", server="0002")
    source = door.service._source
    assert isinstance(source, OperationsSource) and source.clients == 2

    await door.book.remove("cliente_b", who="U0ADMIN")
    assert await door.service.cached("cliente_b:1234") is None  # nothing served from the cache
    assert await door.service.last_known("cliente_b:1234") is None
    with pytest.raises(UnknownOperation) as raised:
        await door.service.sync("cliente_b:1234", who(3))
    assert raised.value.name == "cliente_b" and raised.value.known == ("default",)
    assert wolkvox.calls_for("1234", server="0002") == calls  # and Wolkvox is not called
    await until(lambda: source.clients == 1, "the removed operation's client is closed")
    # the schedule skips it, said once in the log
    caplog.set_level(logging.INFO)
    caplog.clear()
    assert scheduler.due() == ["default:1234"]
    assert scheduler.due() == ["default:1234"]
    assert caplog.text.count("connector cliente_b:1234 is skipped") == 1
    await scheduler.run_once()
    assert wolkvox.calls_for("1234", server="0002") == calls


async def test_a_change_made_in_one_process_is_in_effect_in_another_within_seconds(
    operations_env: dict[str, str], wolkvox: FakeWolkvox, start: Start
) -> None:
    one: SlackDoor = await start(operations_env)
    two: SlackDoor = await start(operations_env)
    await add(one, "cliente_c", "0003", TOKEN_C)
    await until(lambda: "cliente_c" in two.book.names(), "the other process sees cliente_c")
    assert (await two.service.sync("cliente_c:55", who(1))).origin == "wolkvox"
    assert wolkvox.server_calls == [("0003", "55")]
    # a new token, set in one process, is the one the other calls with
    await one.book.save(
        Operation("cliente_c", "0003", TOKEN_B), who="console", replacing="cliente_c"
    )
    wolkvox.add_server("0003", TOKEN_B)
    await until(
        lambda: two.book.require("cliente_c").token_key == token_key(TOKEN_B), "the new token"
    )
    assert (await two.service.sync("cliente_c:56", who(2))).origin == "wolkvox"
    assert wolkvox.requests[-1]["headers"]["wolkvox-token"] == TOKEN_B
    # removed in one, forgotten in the other: its cached copy is not served any more
    assert "cliente_c:55" in two.service.cached_here
    await one.book.remove("cliente_c", who="console")
    await until(lambda: "cliente_c:55" not in two.service.cached_here, "the other forgets it")
    assert await two.service.cached("cliente_c:55") is None
    with pytest.raises(UnknownOperation):
        await two.service.sync("cliente_c:55", who(3))


async def test_operations_survive_a_restart_and_a_wrong_secret_key_stops_the_start(
    operations_env: dict[str, str], wolkvox: FakeWolkvox, start: Start
) -> None:
    first: SlackDoor = await start(operations_env)
    await add(first, "cliente_b", "0002", TOKEN_B, quota=7)
    again: SlackDoor = await start(operations_env)
    assert again.book.require("cliente_b") == Operation("cliente_b", "0002", TOKEN_B, 7)
    assert (await again.service.sync("cliente_b:1", who(1))).origin == "wolkvox"
    wrong = {**operations_env, "WOLKVOX_SECRET_KEY": new_secret_key()}
    with pytest.raises(SecretKeyError) as raised:
        await start(wrong)
    said = str(raised.value)
    assert "WOLKVOX_SECRET_KEY" in said and TOKEN_B not in said
    assert operations_env["WOLKVOX_SECRET_KEY"] not in said


async def test_bare_ids_of_the_schedule_need_the_environment_operation(
    operations_env: dict[str, str], start: Start
) -> None:
    door: SlackDoor = await start(operations_env)
    schedule = AutoSync(
        door.service, ["1234", "default:5678"], 3600, operations=door.book.names, environment=None
    )
    assert schedule.connectors == ["default:5678"]  # no environment operation: 1234 is skipped
