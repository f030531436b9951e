"""Operating the bot: /healthz, /readyz, /metrics, the daily Wolkvox quota, status facts, and
scripts/start installing only when the dependencies changed."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from bot.assembly import build_app
from bot.config import Settings
from bot.database.redis import connect
from bot.database.schema import quota_counts
from bot.database.store import Store
from bot.errors import QuotaExceeded, QuotaSpent, QuotaUnknown
from bot.ops import metrics
from bot.ops.quota import DatabaseCounter, Quota, RedisCounter, Reservation
from bot.sync.service import SyncTrigger, TemplateService
from bot.wolkvox.client import WolkvoxClient
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from tests.deployed import ROOT
from tests.engines import POSTGRES_URL
from tests.harness import BotServer

Start = Callable[..., BotServer]
METRICS_TOKEN = "metrics-token-0123456789"
QUOTA_SPENT = Reply(
    status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}
)
DAY = datetime(2026, 11, 24, 23, 59, tzinfo=UTC)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


# --- /healthz and /readyz ---


def test_healthz_says_the_process_is_alive_and_other_paths_are_not_found(start_bot: Start) -> None:
    bot = start_bot()
    answer = bot.http.get("/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")
    assert bot.http.get("/nope").status_code == 404


def test_ready_when_the_database_answers(start_bot: Start) -> None:
    answer = start_bot().http.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "database": "ok", "redis": "not used"}


@pytest.mark.parametrize("port", ["closed_port", "silent_port"])
def test_not_ready_when_redis_does_not_answer(
    start_bot: Start, request: pytest.FixtureRequest, port: str
) -> None:
    where = request.getfixturevalue(port)
    answer = start_bot(REDIS_URL=f"redis://127.0.0.1:{where}/0").http.get("/readyz", timeout=10)
    assert answer.status_code == 503
    assert answer.json() == {
        "ready": False,
        "database": "ok",
        "redis": "down",
        "failing": ["redis"],
    }


def test_not_ready_when_the_database_is_gone(start_bot: Start, postgres_url: str) -> None:
    bot = start_bot(DATABASE_URL=postgres_url)
    assert bot.http.get("/readyz").status_code == 200
    name = postgres_url.rsplit("/", 1)[1]

    async def drop() -> None:
        admin = await asyncpg.connect(POSTGRES_URL)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()

    asyncio.run(drop())
    answer = bot.http.get("/readyz", timeout=10)
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["database"] and answer.json()["database"] == "down"
    assert postgres_url not in answer.text


# --- /metrics ---


def test_metrics_are_off_without_a_token(start_bot: Start) -> None:
    assert start_bot().http.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x"],
)
def test_metrics_need_the_bearer_token(start_bot: Start, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = start_bot(METRICS_TOKEN=METRICS_TOKEN).http.get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "wolkvox_sync" not in answer.text


def test_metrics_count_syncs_calls_and_cache_hits(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(METRICS_TOKEN=METRICS_TOKEN, WOLKVOX_DAILY_QUOTA="1000")
    calls, hits, misses = (
        sample("wolkvox_sync_wolkvox_calls_total", outcome="ok"),
        sample("wolkvox_sync_cache_lookups_total", result="hit"),
        sample("wolkvox_sync_cache_lookups_total", result="miss"),
    )
    timed = sample("wolkvox_sync_wolkvox_call_seconds_count")
    bot.introduce(slack)
    bot.command("1234", response_url=slack.response_url("first"))
    assert slack.wait_replies("first", 1)
    assert "Cached" in str(bot.command("1234", response_url=slack.response_url("again")).body)
    metrics.command("sync", "ok")  # what the Slack listeners call

    answer = bot.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    scraped = samples(answer.text)
    assert scraped[("wolkvox_sync_wolkvox_calls_total", (("outcome", "ok"),))] == calls + 1
    assert scraped[("wolkvox_sync_wolkvox_call_seconds_count", ())] == timed + 1
    assert scraped[("wolkvox_sync_cache_lookups_total", (("result", "hit"),))] == hits + 1
    assert scraped[("wolkvox_sync_cache_lookups_total", (("result", "miss"),))] == misses + 1
    assert scraped[("wolkvox_sync_commands_total", (("kind", "sync"), ("outcome", "ok")))] >= 1
    assert scraped[("wolkvox_sync_quota_used_today", ())] == 1
    assert scraped[("wolkvox_sync_quota_daily", ())] == 1000
    assert ("wolkvox_sync_outbox_backlog", ()) in scraped
    assert ("wolkvox_sync_syncs_waiting_for_slot", ()) in scraped
    assert TOKEN not in answer.text


async def test_a_refused_call_is_counted_by_its_outcome(wolkvox: FakeWolkvox) -> None:
    before = sample("wolkvox_sync_wolkvox_calls_total", outcome="quota_exceeded")
    wolkvox.reply("1234", QUOTA_SPENT)
    client = WolkvoxClient(wolkvox.url, TOKEN)
    with pytest.raises(QuotaExceeded):
        await client.sync_templates("1234")
    await client.aclose()
    assert sample("wolkvox_sync_wolkvox_calls_total", outcome="quota_exceeded") == before + 1


async def test_syncs_waiting_for_a_slot_are_a_gauge(wolkvox: FakeWolkvox) -> None:
    for connector in ("1", "2", "3"):
        wolkvox.reply(connector, Reply(templates=1, delay=2.0))
    client = WolkvoxClient(wolkvox.url, TOKEN, timeout=60)
    syncs = [
        asyncio.create_task(client.sync_templates(c, caller=f"user:U{c}")) for c in ("1", "2", "3")
    ]
    deadline = time.monotonic() + 30
    while metrics.waiting_now() < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert metrics.waiting_now() == 1  # two hold the slots, the third waits
    assert sample("wolkvox_sync_syncs_waiting_for_slot") == 1
    await asyncio.gather(*syncs)
    await client.aclose()
    assert metrics.waiting_now() == 0 and sample("wolkvox_sync_syncs_waiting_for_slot") == 0


# --- the daily quota ---


@pytest.mark.parametrize(
    ("daily", "used", "state"),
    [
        (1000, 0, "ok"),
        (1000, 800, "ok"),
        (1000, 801, "warn"),
        (1000, 999, "warn"),
        (1000, 1000, "spent"),
        (1000, 1500, "spent"),
        (0, 10**6, "ok"),  # unknown quota: never warns
    ],
)
def test_the_quota_state(daily: int, used: int, state: str) -> None:
    quota = Quota(DatabaseCounter(None), TOKEN, daily)  # type: ignore[arg-type]
    assert quota.state(used) == state


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.db"
    return str(request.getfixturevalue("postgres_url"))


async def test_calls_are_counted_per_utc_day_across_instances_in_the_database(
    database: str,
) -> None:
    one, two = await Store.open(database), await Store.open(database)
    now = DAY
    here = Quota(DatabaseCounter(one.engine), TOKEN, 10, now=lambda: now)
    there = Quota(DatabaseCounter(two.engine), TOKEN, 10, now=lambda: now)
    # 14 reservations race from two instances: exactly the quota's 10 are taken
    tries = await asyncio.gather(
        *(q.reserve("1234") for q in [here, there] * 7), return_exceptions=True
    )
    assert sum(not isinstance(x, BaseException) for x in tries) == 10
    assert all(isinstance(x, QuotaSpent) for x in tries if isinstance(x, BaseException))
    assert await here.used_today() == await there.used_today() == 10
    given = next(x for x in tries if isinstance(x, Reservation))
    await given.give_back()
    await given.give_back()  # once only
    assert await there.used_today() == 9
    now = DAY + timedelta(minutes=1)  # midnight UTC: a new day
    assert await here.used_today() == 0
    await here.reserve("1234")
    assert await there.used_today() == 1
    async with one.engine.connect() as conn:
        rows = (await conn.execute(quota_counts.select())).all()
    assert TOKEN not in str(rows) and sorted(r.day for r in rows) == ["2026-11-24", "2026-11-25"]
    await one.aclose()
    await two.aclose()


async def test_calls_are_counted_in_redis_when_it_is_set(redis_url: str) -> None:
    shared = connect(redis_url)
    quota = Quota(RedisCounter(shared), TOKEN, 3, now=lambda: DAY)
    tries = await asyncio.gather(*(quota.reserve("1234") for _ in range(5)), return_exceptions=True)
    assert sum(isinstance(x, QuotaSpent) for x in tries) == 2
    assert await quota.used_today() == 3 and await quota.spent()
    await next(x for x in tries if isinstance(x, Reservation)).give_back()
    assert await quota.used_today() == 2
    [key] = [k.decode() for k in redis.Redis.from_url(redis_url).keys("wolkvox:quota:*")]
    assert key.endswith(":2026-11-24") and TOKEN not in key
    assert 0 < redis.Redis.from_url(redis_url).ttl(key) <= 2 * 86_400
    await shared.aclose()


async def test_a_counter_that_cannot_be_reached_refuses_when_a_quota_is_set(
    closed_port: int,
) -> None:
    shared = connect(f"redis://127.0.0.1:{closed_port}/0")
    with pytest.raises(QuotaUnknown):  # better refuse than spend past the quota
        await Quota(RedisCounter(shared), TOKEN, 3).reserve("1234")
    unknown = Quota(RedisCounter(shared), TOKEN, 0)  # no quota set: nothing to overspend
    await (await unknown.reserve("1234")).give_back()  # logged, not raised
    assert not await unknown.spent()
    await shared.aclose()


async def test_a_refresh_past_the_quota_answers_with_the_last_copy(
    wolkvox: FakeWolkvox, tmp_path: Path
) -> None:
    store = await Store.open(f"sqlite:///{tmp_path}/bot.db")
    client = WolkvoxClient(wolkvox.url, TOKEN)
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    quota = Quota(DatabaseCounter(store.engine), TOKEN, 2)
    service.spend_quota_with(quota)
    trigger = SyncTrigger(user_id="U1", user_name="maria")
    first = await service.sync("1234", trigger, refresh=True)
    second = await service.sync("1234", trigger, refresh=True)
    assert (first.origin, second.origin) == ("wolkvox", "wolkvox")
    assert quota.state(await quota.used_today()) == "spent"
    third = await service.sync("1234", trigger, refresh=True)
    assert third.origin == "quota" and third.snapshot is second.snapshot
    assert wolkvox.calls_for("1234") == 2
    # with no copy to show, a new connector is refused without a call
    with pytest.raises(QuotaSpent):
        await service.sync("5678", trigger, refresh=True)
    assert wolkvox.calls == ["1234", "1234"]
    await client.aclose()
    await store.aclose()


# --- status facts ---


async def test_status_facts_after_a_sync(env: dict[str, str], wolkvox: FakeWolkvox) -> None:
    bot = build_app(Settings.from_env({**env, "WOLKVOX_DAILY_QUOTA": "10"}, mode="http"))
    await bot.start(schedule=False)
    try:
        await bot.service.sync("1234", SyncTrigger(user_id="U1", user_name="maria"))
        facts = await bot.core.status()
    finally:
        await bot.aclose()
    assert (facts.calls_today, facts.daily_quota, facts.quota_state) == (1, 10, "ok")
    assert (facts.syncing, facts.waiting, facts.cached) == ([], 0, ["1234"])
    [last] = facts.last_syncs
    assert (last.connector, last.template_count, last.user_name) == ("1234", 3, "maria")
    assert (facts.database.state, facts.redis.state) == ("ok", "not used")


async def test_status_facts_see_other_instances_through_redis(
    env: dict[str, str], wolkvox: FakeWolkvox, redis_url: str
) -> None:
    shared = {**env, "REDIS_URL": redis_url, "WOLKVOX_DAILY_QUOTA": "1"}
    one = build_app(Settings.from_env(shared, mode="http"))
    two = build_app(Settings.from_env(shared, mode="http"))
    await one.start(schedule=False)
    await two.start(schedule=False)
    try:
        await one.service.sync("1234", SyncTrigger(user_id="U1", user_name="maria"))
        facts = await two.core.status()
    finally:
        await one.aclose()
        await two.aclose()
    assert (facts.calls_today, facts.quota_state, facts.cached) == (1, "spent", ["1234"])
    assert [s.connector for s in facts.last_syncs] == ["1234"]
    assert (facts.database.state, facts.redis.state) == ("ok", "ok")


# --- scripts/start ---


def test_start_installs_only_when_the_dependencies_change(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "start", tmp_path / "scripts" / "start")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    shim = tmp_path / ".venv" / "bin" / "python"
    shim.parent.mkdir(parents=True)
    shim.write_text(  # records pip and bot runs instead of doing them
        "#!/usr/bin/env bash\n"
        f'if [ "$1" = "-m" ]; then echo "$*" >> "{tmp_path}/runs.log"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    shim.chmod(0o755)

    def start() -> list[str]:
        log = tmp_path / "runs.log"
        log.unlink(missing_ok=True)
        subprocess.run(
            ["bash", "scripts/start", "serve"],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "set"},
            check=True,
            timeout=60,
        )
        return [line.split()[1] for line in log.read_text().splitlines()]

    assert start() == ["pip", "pip", "bot"]  # a new .venv: installed
    assert start() == ["bot"]  # nothing changed: straight to the bot
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "2"\n')
    assert start() == ["pip", "pip", "bot"]
    assert start() == ["bot"]
    (tmp_path / "requirements.txt").write_text("httpx==0.28.1\n")
    assert start() == ["pip", "pip", "bot"]
