from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.slack import FakeSlack
from tests.fakes.wolkvox import TOKEN, FakeWolkvox
from tests.harness import BOT_TOKEN, SIGNING_SECRET, BotServer

pytest_plugins = ["tests.engines"]  # the redis_url and postgres_url fixtures


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


@pytest.fixture
def env(wolkvox: FakeWolkvox, slack: FakeSlack, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path}/wolkvox.db",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WOLKVOX_SERVER": "0032",
        "WOLKVOX_TOKEN": TOKEN,
        "WOLKVOX_BASE_URL": wolkvox.url,
        "WOLKVOX_TIMEOUT": "5",
    }


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
