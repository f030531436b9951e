"""WOLKVOX_AUTO_SYNC: the schedule syncs in the background and says so in its posts and in
history; across instances, one Wolkvox call per connector per period, claimed in the
database, however many processes run and across restarts."""

from __future__ import annotations

import logging
import math
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.database.schema import schedule_claims
from bot.database.store import Store, create_engine
from bot.ops.claims import DatabaseClaims
from bot.sync.schedule import AutoSync
from bot.sync.service import TemplateService
from bot.wolkvox.client import WolkvoxClient
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.blockkit import all_text
from tests.deployed import Instance, base_env
from tests.harness import BotServer, settings_env
from tests.slash import posts, said

Start = Callable[..., BotServer]
PERIOD = 3.0  # seconds: WOLKVOX_AUTO_SYNC_MINUTES=0.05, the shortest allowed


class Watched:
    """A Procfile web process whose output is read as it comes, line by line."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.instance = Instance(env, cwd)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.instance.proc.stdout is not None
        for line in self.instance.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, count: int = 1, timeout: float = 90) -> bool:
        """Wait until `text` appears in `count` lines of the output (or the process ends)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(text in line for line in self.lines) < count:
                left = deadline - time.monotonic()
                if left <= 0 or self.instance.proc.poll() is not None:
                    return False
                self._changed.wait(min(left, 0.5))
        return True

    def wait_ready(self) -> None:
        self.instance.wait_ready()

    def stop(self) -> str:
        proc = self.instance.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        self._reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        return self.output


def periods_between(start: float, end: float, period: float) -> int:
    """How many periods (aligned to the epoch) the span [start, end] touches."""
    return math.floor(end / period) - math.floor(start / period) + 1


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    opened = await Store.open(database)
    yield opened
    await opened.aclose()


def schedule(
    wolkvox: FakeWolkvox, store: Store, connectors: list[str], name: str
) -> tuple[AutoSync, WolkvoxClient]:
    """One instance's schedule: its own client and service, the shared database's claims."""
    client = WolkvoxClient(wolkvox.url, TOKEN)
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
    claims = DatabaseClaims(store.engine, owner=name)
    return AutoSync(service, connectors, PERIOD, claims=claims), client


async def test_instances_claiming_the_same_periods_sync_each_connector_once_per_period(
    wolkvox: FakeWolkvox, store: Store
) -> None:
    instances = [schedule(wolkvox, store, ["1234", "5678"], f"web.{i}") for i in (1, 2, 3)]
    starts = [1_800_000_000.0 + k * PERIOD for k in range(4)]
    for start in starts:
        won = [await auto.run_period(start) for auto, _ in instances]
        assert sorted(c for mine in won for c in mine) == ["1234", "5678"]
    assert wolkvox.calls_for("1234") == wolkvox.calls_for("5678") == len(starts)
    for _, client in instances:
        await client.aclose()


async def test_a_restart_within_a_period_makes_no_call(wolkvox: FakeWolkvox, store: Store) -> None:
    before, client = schedule(wolkvox, store, ["1234"], "web.1")
    start = before.period_start(1_800_000_001.5)
    assert await before.run_period(start) == ["1234"]
    await client.aclose()
    after, client = schedule(wolkvox, store, ["01234"], "web.1")  # the same process, restarted
    assert await after.run_period(after.period_start(1_800_000_002.9)) == []
    assert await after.run_period(after.period_start(1_800_000_003.0)) == ["1234"]
    assert wolkvox.calls_for("1234") == 2
    await client.aclose()


async def test_a_database_that_cannot_be_reached_skips_the_period(
    wolkvox: FakeWolkvox, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        nowhere = f"postgresql://wolkvox@127.0.0.1:{sock.getsockname()[1]}/wolkvox"
        engine = create_engine(nowhere)
        client = WolkvoxClient(wolkvox.url, TOKEN)
        service = TemplateService(client, cache_ttl=300, refresh_cooldown=0)
        auto = AutoSync(service, ["1234"], PERIOD, claims=DatabaseClaims(engine))
        with caplog.at_level(logging.WARNING):
            assert await auto.run_period(1_800_000_000.0) == []
    assert wolkvox.calls == []
    assert "could not claim the period" in caplog.text
    await client.aclose()
    await engine.dispose()


# --- two Procfile processes sharing PostgreSQL ---


@pytest.fixture
def cluster_env(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack, postgres_url: str
) -> dict[str, str]:
    return {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "HOST": "127.0.0.1",
        "DATABASE_URL": postgres_url,
        "WOLKVOX_AUTO_SYNC": "1234,5678",
        "WOLKVOX_REFRESH_COOLDOWN": "0",
    }


async def claims_per_connector(database_url: str) -> dict[str, int]:
    store = await Store.open(database_url)
    try:
        async with store.engine.connect() as conn:
            rows = await conn.execute(
                select(schedule_claims.c.connector, func.count()).group_by(
                    schedule_claims.c.connector
                )
            )
            return {connector: count for connector, count in rows}
    finally:
        await store.aclose()


async def test_two_instances_make_one_call_per_connector_per_period(
    cluster_env: dict[str, str], tmp_path: Path, wolkvox: FakeWolkvox
) -> None:
    env = {**cluster_env, "WOLKVOX_AUTO_SYNC_MINUTES": "0.05"}
    started = time.time()
    web = [Watched(env, tmp_path), Watched(env, tmp_path)]
    try:
        for instance in web:
            instance.wait_ready()
        # a restart inside the run: the new process joins the same schedule
        assert web[0].wait_for("auto-sync, period from", count=2), web[0].output
        web[0].stop()
        web[0] = Watched(env, tmp_path)
        web[0].wait_ready()
        deadline = time.monotonic() + 120
        while min(wolkvox.calls_for("1234"), wolkvox.calls_for("5678")) < 5:
            assert time.monotonic() < deadline, "the schedule stopped syncing"
            time.sleep(0.2)
    finally:
        outputs = [instance.stop() for instance in web]
    ended = time.time()
    for output in outputs:
        assert "Traceback" not in output and TOKEN not in output, output
    claimed = await claims_per_connector(env["DATABASE_URL"])
    periods = periods_between(started, ended, PERIOD)
    for connector in ("1234", "5678"):
        calls = wolkvox.calls_for(connector)
        # every call was claimed, and a period is claimed once: at most one call per period
        # (claims name the key: a bare id of WOLKVOX_AUTO_SYNC is the environment operation's)
        said = (connector, calls, claimed, periods)
        assert 5 <= calls <= claimed.get(f"default:{connector}", 0) <= periods, said
    assert wolkvox.max_in_flight <= 2


async def test_a_restarted_instance_makes_no_call_in_the_same_period(
    cluster_env: dict[str, str], tmp_path: Path, wolkvox: FakeWolkvox
) -> None:
    env = {**cluster_env, "WOLKVOX_AUTO_SYNC_MINUTES": "60"}
    started = time.time()
    first = Watched(env, tmp_path)
    try:
        assert first.wait_for("auto-sync, period from"), first.output
        deadline = time.monotonic() + 60
        while min(wolkvox.calls_for("1234"), wolkvox.calls_for("5678")) < 1:
            assert time.monotonic() < deadline, "the first instance did not sync"
            time.sleep(0.1)
    finally:
        first.stop()
    again = Watched(env, tmp_path)
    try:
        assert again.wait_for("auto-sync, period from"), again.output
    finally:
        output = again.stop()
    periods = periods_between(started, time.time(), 3600)
    assert wolkvox.calls_for("1234") == wolkvox.calls_for("5678") == periods
    if periods == 1:  # the usual case: the restart landed in the same hour
        assert "syncing here: none; already claimed: default:1234, default:5678" in output


def test_auto_sync_runs_in_the_background(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_AUTO_SYNC="1234,5678", WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    assert slack.wait(lambda: len(posts(slack)) == 2)
    assert sorted(wolkvox.calls) == ["1234", "5678"]
    assert all("by the schedule" in all_text(p) for p in posts(slack))
    assert "the schedule" in said(bot, slack, "1234 history", "h")
