"""The link to Redis (when REDIS_URL is set): the client, TLS as platforms hand it out, and
the prefix of every key the bot writes. What is kept there lives with its users:
`bot.sync.shared_cache` (cache and single flight) and `bot.wolkvox.redis_slots` (the calls in
flight per token). Keys never contain a token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

PREFIX = "wolkvox:"


def connect(url: str) -> Redis:
    """A client that retries briefly on connection trouble before giving up."""
    return Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
        **tls_options(url),
    )


def tls_options(url: str) -> dict[str, Any]:
    """What a rediss:// URL needs beyond itself: Heroku Redis presents a self-signed
    certificate, so, as Heroku documents for redis-py, it is not verified
    (`ssl_cert_reqs=None`) unless the URL says otherwise (`?ssl_cert_reqs=required`)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "rediss":
        return {}
    if any(name == "ssl_cert_reqs" for name, _ in parse_qsl(parts.query)):
        return {}  # redis-py reads it from the URL, which wins over keyword arguments
    return {"ssl_cert_reqs": None}
