from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.database.store import Store
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from tests.harness import BotServer, settings_env

pytest_plugins = ["tests.engines"]  # the redis_url and postgres_url fixtures


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`pytest -n auto` (the default, see pyproject.toml): two workers a core, since a test
    spends about half its time waiting on processes, servers and timeouts; at most one a
    Redis database (tests/engines.py). Tests of one file run in this process: quicker to
    start, and what a debugger wants."""
    from tests.engines import REDIS_DATABASES  # a plugin: pytest imports it first

    files = {arg.partition("::")[0] for arg in config.args}
    if len(files) == 1 and files.pop().endswith(".py"):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1), REDIS_DATABASES)


@pytest.fixture
def wolkvox() -> Iterator[FakeWolkvox]:
    fake = FakeWolkvox()
    yield fake
    fake.stop()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite history at the current revision, migrated once a session."""
    path = tmp_path_factory.mktemp("schema") / "wolkvox.db"

    async def migrate() -> None:
        await (await Store.open(f"sqlite:///{path}")).aclose()

    asyncio.run(migrate())
    return path


@pytest.fixture
def env(wolkvox: FakeWolkvox, slack: FakeSlack, tmp_path: Path, schema: Path) -> dict[str, str]:
    """The settings of a bot wired to the fakes. Its history starts as a copy of `schema`, as on
    any restart: migrating an empty file is a third of a start's CPU, and the first start on no
    file at all is test_migrations' (and the console's, and the Procfile process')."""
    shutil.copyfile(schema, tmp_path / "wolkvox.db")
    return settings_env(
        wolkvox.url,
        slack.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/wolkvox.db",
        WOLKVOX_TIMEOUT="5",
    )


@pytest.fixture
def start_bot(env: dict[str, str]) -> Iterator[Callable[..., BotServer]]:
    servers: list[BotServer] = []

    def start(**overrides: str) -> BotServer:
        server = BotServer({**env, **overrides})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def bot(start_bot: Callable[..., BotServer]) -> BotServer:
    return start_bot()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
