"""Real Redis and PostgreSQL for the tests that need them (started by scripts/test)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis

REDIS_URL = os.environ.get("REDIS_TEST_URL", "")
POSTGRES_URL = os.environ.get("POSTGRES_TEST_URL", "")
REDIS_DATABASES = 16  # redis-server's default


def _missing(what: str, variable: str) -> None:
    message = f"{what} is not running: {variable} is unset (scripts/test starts it)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must run every test, never skip these quietly
    pytest.skip(message)


def _worker_number() -> int:
    """0 without pytest-xdist; N for its worker gwN."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The session's Redis, emptied for one test: a database number of each xdist worker's
    own (0, 1, ...), so tests running side by side never see each other's keys."""
    if not REDIS_URL:
        _missing("Redis", "REDIS_TEST_URL")
    number = _worker_number()
    if number >= REDIS_DATABASES:
        pytest.fail(f"Redis has {REDIS_DATABASES} databases: run at most that many workers")
    url = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{number}"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        _missing("PostgreSQL", "POSTGRES_TEST_URL")
    name = f"wolkvox_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(POSTGRES_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(POSTGRES_URL)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()
