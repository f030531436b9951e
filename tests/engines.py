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


def _missing(what: str, variable: str) -> None:
    message = f"{what} is not running: {variable} is unset (scripts/test starts it)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must run every test, never skip these quietly
    pytest.skip(message)


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not REDIS_URL:
        _missing("Redis", "REDIS_TEST_URL")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    yield REDIS_URL


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
