"""Faults a test injects on purpose: private engines it can stop, kill and start again, fakes
that hold a call at the moment of the fault, and the tally of what got through.

The session's engines (scripts/engines.sh) are shared by every test; these are not. Each test
gets its own redis-server and PostgreSQL cluster on free ports of 127.0.0.1, in a directory of
its own that is removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.deployed import Instance, free_port
from tests.harness import TLS

FRESH = "Synced just now"  # a reply whose data this very command fetched from Wolkvox
SHARED_STATE_DOWN = "so I won't call Wolkvox"  # the answer while Redis can't be reached
PROGRESS = ":hourglass_flowing_sand:"  # the acknowledgement of a command that syncs
NOTIFY_CHANNEL = "C0NOTIFY"
_NOTIFIED = re.compile(r"Connector \*?(\d+)")


def until(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll `predicate` until it holds; fail naming `what` when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}")
        time.sleep(0.05)


# --- engines -------------------------------------------------------------------------------


def missing(what: str) -> None:
    """Skip when an engine is not installed; on CI (CI=true) fail instead."""
    message = f"{what} is not installed: the fault tests start their own (scripts/test installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server's bin directory (Debian's layout), else initdb's on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: [int(n) for n in re.findall(r"\d+", path)],
    )
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: its tools run as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A PostgreSQL cluster of one test's own, stopped and started on the same port."""

    def __init__(self, root: Path, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.data = root / "pg"
        self.run = root / "pg_run"  # socket and log, writable by the server's user
        self.port = free_port()
        for directory in (self.data, self.run):
            directory.mkdir()
            if os.geteuid() == 0:
                shutil.chown(directory, "postgres")
        self._tool("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.running = False

    def _tool(self, name: str, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / name), *args]), check=True, capture_output=True, timeout=60
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.run} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._tool(
            "pg_ctl", "-D", str(self.data), "-l", str(self.run / "log"), "-w", "-t", "30",
            "-o", options, "start",
        )  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Shut down: "fast" ends every session at once; "immediate" is a crash."""
        self._tool("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def create_database(self, name: str) -> str:
        with Database(self.url) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))


class PrivateRedis:
    """A redis-server of one test's own (no persistence, like a cache), killed and restarted
    on the same port."""

    def __init__(self, root: Path, binary: str) -> None:
        self.binary = binary
        self.dir = root / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        until(self.answers, 15, "redis-server to answer PING")

    def answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        """kill -9: no shutdown, connections reset, everything in memory gone."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Database:
    """Plain SQL on one connection, from a synchronous test (on an event loop of its own)."""

    def __init__(self, url: str) -> None:
        self._runner = asyncio.Runner()
        try:
            self._conn: asyncpg.Connection = self._runner.run(asyncpg.connect(url, timeout=10))
        except BaseException:
            self._runner.close()
            raise

    def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(self._runner.run(self._conn.fetch(sql, *args)))

    def execute(self, sql: str, *args: Any) -> str:
        return str(self._runner.run(self._conn.execute(sql, *args)))

    def close(self) -> None:
        try:
            if not self._conn.is_closed():
                self._runner.run(self._conn.close(timeout=2))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            self._conn.terminate()  # the server went away under it
        finally:
            self._runner.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def stored_syncs(database_url: str) -> Counter[str]:
    """How many syncs of each connector (by id, as replies name it) history holds."""
    with Database(database_url) as db:
        rows = db.fetch("SELECT connector FROM snapshots")
        return Counter(r["connector"].rpartition(":")[2] for r in rows)


def stored_snapshots(database_url: str) -> set[str]:
    """The ids of the syncs history holds."""
    with Database(database_url) as db:
        return {r["id"] for r in db.fetch("SELECT id FROM snapshots")}


def outbox(database_url: str) -> list[asyncpg.Record]:
    """Every queued notification, delivered or not."""
    with Database(database_url) as db:
        return db.fetch(
            "SELECT id, connector, delivered_at, claimed_until, failed FROM outbox ORDER BY id"
        )


def undelivered(database_url: str) -> int:
    return sum(1 for row in outbox(database_url) if row["delivered_at"] is None)


def outlive_claims(database_url: str) -> int:
    """What the end of a claim's lease does, without waiting for it: claims on notifications
    that were not delivered lapse now. Returns how many lapsed."""
    with Database(database_url) as db:
        done = db.execute(
            "UPDATE outbox SET claimed_until = extract(epoch FROM now()) - 1 "
            "WHERE delivered_at IS NULL AND claimed_until IS NOT NULL"
        )
    return int(done.split()[-1])


# --- the bot and the fakes -----------------------------------------------------------------


class Process(Instance):
    """A Procfile web process whose output is read as it comes (a full pipe would stall its
    logging during a fault), and that can be killed."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        super().__init__(env, cwd)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_ready(self) -> None:
        """Wait for /healthz; a process that exits meanwhile fails at once, with its output."""
        until(lambda: self.proc.poll() is not None or self._healthy(), 30, "the bot to start")
        if self.proc.poll() is not None:
            raise RuntimeError(self.stop())

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1, verify=TLS).text == "ok"
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, nothing in memory survives."""
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return "".join(self.lines)


class GatedWolkvox(FakeWolkvox):
    """A fake Wolkvox that holds every call (counted in flight) while `gate` is closed."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        super().__init__()

    def _answer(self, handler: Any, connector: str, reply: Reply) -> None:
        self.gate.wait(60)
        super()._answer(handler, connector, reply)


class SlowSlack(FakeSlack):
    """A fake Slack that takes chat.postMessage at once but answers it `post_delay` seconds
    later, so a process can die with posts in flight that Slack has nonetheless received."""

    def __init__(self, post_delay: float) -> None:
        self.post_delay = post_delay
        self.posts_arriving = 0
        self._arrivals = threading.Lock()
        super().__init__()

    def record(self, handler: Any) -> None:
        if handler.path == "/api/chat.postMessage":
            with self._arrivals:
                self.posts_arriving += 1
            time.sleep(self.post_delay)
        # if the poster died waiting for the answer, the message is posted all the same
        with contextlib.suppress(OSError):
            super().record(handler)


def snapshot_ids(message: Any) -> set[str]:
    """The snapshots a message's buttons and menus point at (their values carry the id)."""
    found: set[str] = set()
    if isinstance(message, dict):
        value = message.get("value")
        if isinstance(value, str) and value.startswith("{"):
            with contextlib.suppress(ValueError):
                snapshot = json.loads(value).get("s")
                if isinstance(snapshot, str) and snapshot:
                    found.add(snapshot)
        for item in message.values():
            found |= snapshot_ids(item)
    elif isinstance(message, list):
        for item in message:
            found |= snapshot_ids(item)
    return found


def notified(slack: FakeSlack, channel: str = NOTIFY_CHANNEL) -> Counter[str]:
    """How many change notifications each connector got in `channel`."""
    return Counter(
        match.group(1)
        for post in slack.calls("chat.postMessage")
        if post.body.get("channel") == channel
        and (match := _NOTIFIED.search(str(post.body.get("text", ""))))
    )


class Commands:
    """Slash commands sent to instances, and each one's final answer as its user sees it."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.acks: dict[str, httpx.Response | Exception] = {}

    def send(self, sends: Iterable[tuple[str, Instance, str]]) -> None:
        """Send (name, instance, text) commands at once, each with its own response_url."""
        batch = list(sends)

        def one(item: tuple[str, Instance, str]) -> httpx.Response | Exception:
            name, instance, text = item
            member = f"U0{zlib.crc32(name.encode()):010X}"  # a team: one member per command
            try:
                return instance.command(text, self.slack.response_url(name), user_id=member)
            except httpx.HTTPError as error:  # not acknowledged within Slack's 3 s
                return error

        with ThreadPoolExecutor(max(1, len(batch))) as pool:
            for (name, _, _), ack in zip(batch, pool.map(one, batch), strict=True):
                self.acks[name] = ack

    def final(self, name: str) -> dict[str, Any] | None:
        """The final answer: the acknowledgement itself, or the last post to response_url
        (after a "syncing", or an empty acknowledgement)."""
        ack = self.acks[name]
        if isinstance(ack, Exception) or ack.status_code != 200:
            return None
        acked: dict[str, Any] = ack.json() if ack.content else {}
        if acked and PROGRESS not in all_text(acked):
            return acked
        replies = self.slack.replies_to(name)
        return replies[-1] if replies else None

    def answer(self, name: str) -> str | None:
        final = self.final(name)
        return None if final is None else all_text(final)

    def fresh_snapshots(self, prefix: str = "") -> set[str]:
        """The syncs answered as fresh (ids of the snapshots their buttons point at), to the
        commands whose names start with `prefix`."""
        finals = (self.final(name) for name in self.acks if name.startswith(prefix))
        return {
            snapshot
            for final in finals
            if final is not None and FRESH in all_text(final)
            for snapshot in snapshot_ids(final)
        }

    def answers(self) -> dict[str, str | None]:
        return {name: self.answer(name) for name in self.acks}

    def all_answered(self) -> bool:
        return all(answer is not None for answer in self.answers().values())

    def wait_answered(self, seconds: float) -> None:
        until(self.all_answered, seconds, f"an answer to each of {len(self.acks)} commands")


@dataclass
class Tally:
    """What one fault did to the work around it: the figures issue 10 asks for."""

    fault: str
    injected: list[str] = field(default_factory=list)
    commands: int = 0
    answered: int = 0
    fresh: int = 0
    shared_state_down: int = 0
    history_rows: int = 0
    fresh_syncs: int = 0  # distinct syncs answered as fresh
    history_lost: int = 0  # of those, the ones history does not hold
    expected: int = 0  # notifications that must reach the channel
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0

    def count_answers(self, commands: Commands) -> None:
        answers = list(commands.answers().values())
        self.commands = len(answers)
        self.answered = sum(a is not None for a in answers)
        self.fresh = sum(FRESH in (a or "") for a in answers)
        self.shared_state_down = sum(SHARED_STATE_DOWN in (a or "") for a in answers)

    def count_history(self, commands: Commands, database_url: str) -> None:
        fresh, stored = commands.fresh_snapshots(), stored_snapshots(database_url)
        self.fresh_syncs, self.history_rows = len(fresh), len(stored)
        self.history_lost = len(fresh - stored)

    def count_notifications(self, expected: Iterable[str], posts: Counter[str]) -> None:
        """`expected`: the connectors that must each have been announced once."""
        wanted = set(expected)
        self.expected = len(wanted)
        self.delivered = sum(1 for c in wanted if posts[c] >= 1)
        self.lost = self.expected - self.delivered
        self.duplicates = sum(n - 1 for n in posts.values() if n > 1)

    def report(self) -> str:
        line = (
            f"FAULT {self.fault}: injected {', '.join(self.injected)}; "
            f"commands {self.commands}, answered {self.answered} "
            f"(fresh {self.fresh}, shared-state message {self.shared_state_down}); "
            f"history rows {self.history_rows}; fresh syncs {self.fresh_syncs}, "
            f"not in history {self.history_lost}; "
            f"notifications expected {self.expected}, delivered {self.delivered}, "
            f"lost {self.lost}, duplicates {self.duplicates}"
        )
        print(line)  # shown with `pytest -s` (or -rP): the figures of the note
        return line
