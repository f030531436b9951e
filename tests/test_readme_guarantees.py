"""Guarantees the README makes, each against the real thing: the bot on a real port, a real
Redis, a real PostgreSQL behind a link that can be cut, a real process for settings."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis

from bot.assembly import FLIGHT_LOCK_MARGIN, build_app
from bot.config import Settings
from bot.database.redis import PREFIX, connect
from bot.slack import action_ids, values
from bot.sync.schedule import AutoSync
from bot.sync.shared_cache import SharedState
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.deployed import base_env
from tests.harness import BOT_TOKEN, BotServer

Start = Callable[..., BotServer]

# Every refresh in these tests must reach Wolkvox: no cooldown between refreshes.
NO_COOLDOWN = {"WOLKVOX_REFRESH_COOLDOWN": "0"}


def until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll `predicate` until it holds; False if it never did within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def answer_then(wolkvox: FakeWolkvox, before: Callable[[], None]) -> None:
    """Run `before` each time the fake Wolkvox receives a call, then answer it as usual."""
    answer = wolkvox.answer

    def hooked(handler: Any) -> None:
        before()
        answer(handler)

    wolkvox.answer = hooked  # type: ignore[method-assign]


def sync(bot: BotServer, slack: FakeSlack, name: str, text: str = "1234 --refresh") -> str:
    acked = bot.command(text, response_url=slack.response_url(name))
    assert acked.status == 200
    [reply] = slack.wait_replies(name, 1)
    return all_text(reply)


def posts(slack: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [c.body for c in slack.calls("chat.postMessage") if c.body["channel"] == channel]


def sqlite_rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    """Read the bot's SQLite file from another connection: only what was committed."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute(query).fetchall()


# --- Redis: the cache key and the flight lock expire ---


def test_the_redis_cache_key_expires_with_the_cache_ttl(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox, redis_url: str
) -> None:
    bot = start_bot(REDIS_URL=redis_url, WOLKVOX_CACHE_TTL="3")
    store = redis.Redis.from_url(redis_url)
    key = f"{PREFIX}cache:default:1234"  # the connector key: operation:id
    sync(bot, slack, "a", "1234")
    ttl_ms = store.pttl(key)
    assert 0 < ttl_ms <= 3000  # -1 would mean "never expires", -2 "never set"
    assert until(lambda: store.exists(key) == 0), "the cache key outlived WOLKVOX_CACHE_TTL"
    assert wolkvox.calls_for("1234") == 1
    assert "3 templates" in sync(bot, slack, "b", "1234")
    assert wolkvox.calls_for("1234") == 2  # expired for every instance: Wolkvox is asked again
    store.close()


def test_the_bots_flight_lock_on_redis_expires_after_the_wolkvox_timeout(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox, redis_url: str
) -> None:
    bot = start_bot(REDIS_URL=redis_url)
    store = redis.Redis.from_url(redis_url)
    arrived, go_on = threading.Event(), threading.Event()

    def hold_the_call() -> None:
        arrived.set()
        go_on.wait(30)

    answer_then(wolkvox, hold_the_call)
    bot.command("1234", response_url=slack.response_url("a"))
    assert arrived.wait(30)
    ttl_ms = store.pttl(
        f"{PREFIX}lock:default:1234"
    )  # taken by the bot, while its call is in flight
    go_on.set()
    timeout = bot.settings.timeout
    assert timeout * 1000 < ttl_ms <= (timeout + FLIGHT_LOCK_MARGIN) * 1000
    assert "3 templates" in all_text(slack.wait_replies("a", 1)[-1])
    store.close()


HOLDER = """
import asyncio, sys
from bot.sync.shared_cache import SharedState
from bot.database.redis import connect

async def main() -> None:
    state = SharedState(connect(sys.argv[1]), cache_ttl=60, lock_seconds=float(sys.argv[2]))

    async def produce() -> None:
        print("holding", flush=True)
        await asyncio.Event().wait()  # a call that never ends: the process is killed in it

    await state.once("1234", fresh_since=0, produce=produce, deadline_seconds=60)

asyncio.run(main())
"""


async def test_a_crashed_instances_flight_lock_expires_and_another_proceeds(
    redis_url: str,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, "1.5"],
        env=base_env(),
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        holder.kill()  # kill -9 while holding the lock: nothing of it runs any more
    state = SharedState(connect(redis_url), cache_ttl=60, lock_seconds=10)
    ttl_ms = await state.redis.pttl(f"{PREFIX}lock:1234")
    assert 0 < ttl_ms <= 1500  # set by the crashed holder, with its expiry

    async def produce() -> str:
        return "mine"

    # Without the expiry this waits for its whole deadline and raises WolkvoxTimeout.
    assert await state.once("1234", fresh_since=0, produce=produce, deadline_seconds=30) == "mine"
    await state.aclose()


# --- Access: the button guard honours WOLKVOX_ALLOWED_CHANNELS ---


def test_buttons_are_refused_outside_the_allowed_channels(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_CHANNELS="C0OPS", **NO_COOLDOWN)
    refresh = values.encode_view(values.ViewRef("1234"))
    outside = bot.click(
        action_ids.ACTION_REFRESH, refresh, response_url=slack.response_url("x"), channel_id="C0X"
    )
    assert outside.status == 200
    [refusal] = slack.wait_replies("x", 1)
    assert "limited to certain people and channels" in all_text(refusal)
    assert wolkvox.calls == []
    inside = bot.click(
        action_ids.ACTION_REFRESH, refresh, response_url=slack.response_url("o"), channel_id="C0OPS"
    )
    assert inside.status == 200
    answer = all_text(slack.wait_replies("o", 2)[-1])
    assert "3 templates" in answer and "limited to certain" not in answer
    assert wolkvox.calls == ["1234"]
    assert slack.replies_to("x") == [refusal]  # and the refused click did nothing more


# --- History: committed before anyone is notified, and its write is retried ---


def test_history_is_committed_before_anyone_is_notified(
    start_bot: Start, slack: FakeSlack, tmp_path: Path
) -> None:
    database = tmp_path / "wolkvox.db"
    stored_when_posted: list[int] = []
    record = slack.record

    def look_at_the_database_first(handler: Any) -> None:
        if handler.path == "/api/chat.postMessage":
            [(stored,)] = sqlite_rows(database, "SELECT count(*) FROM snapshots")
            stored_when_posted.append(stored)
        record(handler)

    slack.record = look_at_the_database_first  # type: ignore[method-assign]
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    sync(bot, slack, "a", "1234")
    assert slack.wait(lambda: len(posts(slack, "C0NOTIFY")) == 1)
    sync(bot, slack, "b", "5678")
    assert slack.wait(lambda: len(posts(slack, "C0NOTIFY")) == 2)
    assert stored_when_posted == [1, 2]  # each sync was in the database when its post left


class DatabaseLink:
    """A TCP link to PostgreSQL that a test can cut, as if the server had stopped for a moment:
    open connections drop and the next connection attempts are refused."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.refused = 0
        self._refuse = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def outage(self, refused_connections: int) -> None:
        """Drop every open connection and refuse the next `refused_connections` attempts."""
        with self._lock:
            self._refuse = refused_connections
            dropped, self._open = self._open, set()
        for sock in dropped:
            self._close(sock)

    def close(self) -> None:
        self.listener.close()
        self.outage(0)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                refuse = self._refuse > 0
                if refuse:
                    self._refuse -= 1
                    self.refused += 1
            if refuse:
                self._close(client)
                continue
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        self._close(source)
        self._close(sink)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@pytest.fixture
def database_link(postgres_url: str) -> Iterator[tuple[DatabaseLink, str]]:
    """A link to a fresh PostgreSQL database, and the DATABASE_URL that goes through it."""
    parts = urlsplit(postgres_url)
    link = DatabaseLink((parts.hostname or "127.0.0.1", parts.port or 5432))
    credentials, at, _ = parts.netloc.rpartition("@")
    yield link, urlunsplit(parts._replace(netloc=f"{credentials}{at}127.0.0.1:{link.port}"))
    link.close()


async def test_the_history_write_is_retried_when_the_database_drops_out(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    postgres_url: str,
    database_link: tuple[DatabaseLink, str],
) -> None:
    link, through_link = database_link
    bot = start_bot(DATABASE_URL=through_link, **NO_COOLDOWN)
    # PostgreSQL goes away while Wolkvox answers: the first two connection attempts after it
    # are refused, so the write right after the call fails twice before the database is back.
    answer_then(wolkvox, lambda: link.outage(refused_connections=2))
    database = await asyncpg.connect(postgres_url)

    async def stored() -> int:
        return int(await database.fetchval("SELECT count(*) FROM snapshots"))

    try:
        assert "3 templates" in sync(bot, slack, "a", "1234")
        deadline = time.monotonic() + 30
        while await stored() == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await stored() == 1, "the sync was not stored once the database came back"
        assert link.refused == 2  # the outage did happen
    finally:
        bot.stop()  # before the database is dropped
        await database.close()


# --- Auto-sync repeats ---


async def test_auto_sync_repeats_at_its_interval_not_only_at_start(
    env: dict[str, str], wolkvox: FakeWolkvox
) -> None:
    bot = build_app(Settings.from_env({**env, **NO_COOLDOWN}, mode="http"))
    schedule = AutoSync(bot.service, ["1234"], interval=0.05)
    schedule.start()
    deadline = time.monotonic() + 30
    while wolkvox.calls_for("1234") < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await schedule.stop()
    await bot.aclose()
    assert wolkvox.calls_for("1234") >= 3 and schedule.rounds >= 3


def test_the_auto_sync_interval_is_minutes_from_the_settings(
    start_bot: Start, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_AUTO_SYNC="1234", WOLKVOX_AUTO_SYNC_MINUTES="7")
    assert until(lambda: wolkvox.calls_for("1234") == 1)  # the round at start
    assert bot.bot.core.scheduler is not None and bot.bot.core.scheduler.interval == 7 * 60


# --- Notifications: one "invite the bot" DM ---


def refuse_posts(slack: FakeSlack, channel: str, error: str) -> None:
    """Slack answers every post to `channel` with `error`, as it does when the bot isn't in it."""
    answer = slack._default

    def refusing(method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage" and body.get("channel") == channel:
            return {"ok": False, "error": error}
        return answer(method, body)

    slack._default = refusing  # type: ignore[method-assign]


def subscribe(bot: BotServer, slack: FakeSlack, connector: str, channel: str, user: str) -> None:
    name = f"subscribe-{connector}-{channel}"
    acked = bot.command(
        f"subscribe {connector}",
        response_url=slack.response_url(name),
        channel_id=channel,
        user_id=user,
    )
    assert acked.status == 200
    assert "now gets" in all_text(slack.wait_replies(name, 1)[0])


def test_a_notification_refused_three_times_warns_its_subscriber_once(
    start_bot: Start, slack: FakeSlack
) -> None:
    refuse_posts(slack, "C0PRIVATE", "not_in_channel")
    bot = start_bot()
    subscribe(bot, slack, "1234", "C0PRIVATE", "U0MARIA")
    for attempt, connector in enumerate(["1234", "5678", "9012"], start=1):
        sync(bot, slack, connector, connector)  # each sync is an occasion to try again
        assert slack.wait(lambda n=attempt: len(posts(slack, "C0PRIVATE")) == n)
    bot.stop()  # nothing more in flight
    warnings = posts(slack, "U0MARIA")
    assert len(warnings) == 1, [all_text(w) for w in warnings]
    assert "/invite @Wolkvox Sync" in all_text(warnings[0])


def test_a_channel_the_bot_is_not_in_warns_its_subscriber_once_over_many_syncs(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    refuse_posts(slack, "C0PRIVATE", "not_in_channel")
    bot = start_bot(**NO_COOLDOWN)
    subscribe(bot, slack, "1234", "C0PRIVATE", "U0MARIA")
    for count in (3, 4, 5):  # three syncs that change something: three notifications
        wolkvox.reply("1234", Reply(templates=count))
        sync(bot, slack, f"sync{count}")
    assert wolkvox.calls_for("1234") == 3
    # 1 + 2 + 3 refused posts: each occasion tries again what waits, and adds its own
    assert slack.wait(lambda: len(posts(slack, "C0PRIVATE")) == 6)
    bot.stop()  # nothing more in flight
    warnings = posts(slack, "U0MARIA")
    assert len(warnings) == 1, [all_text(w) for w in warnings]


# --- Settings: the environment wins over .env ---


def test_the_environment_wins_over_the_dotenv_file(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    decoy = FakeWolkvox()
    try:
        (tmp_path / ".env").write_text(
            f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_API_URL={slack.api_url}\nWOLKVOX_SERVER=0032\n"
            f"WOLKVOX_TOKEN={TOKEN}\nWOLKVOX_BASE_URL={decoy.url}\n"
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot", "sync", "1234"],
            cwd=tmp_path,
            env={**base_env(), "WOLKVOX_BASE_URL": wolkvox.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        decoy.stop()
    assert result.returncode == 0, result.stderr
    assert wolkvox.calls == ["1234"] and decoy.calls == []
