"""Prometheus metrics (the official `prometheus-client`): tiny functions the rest of the code
calls, and the text `/metrics` serves.

One registry per process, of this bot's metrics only. Counters count from the start of the
process (Prometheus's `rate()` and `increase()` handle restarts); the gauges that live
elsewhere (outbox backlog, quota used today) are set by `bot.ops.operations` just before each
scrape.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
REGISTRY = CollectorRegistry()

_COMMANDS = Counter(
    "wolkvox_sync_commands",
    "Slash commands and clicks handled, by kind (sync, search, history...) and outcome",
    ["kind", "outcome"],
    registry=REGISTRY,
)
_WOLKVOX_CALLS = Counter(
    "wolkvox_sync_wolkvox_calls",
    "Calls to Wolkvox's sync_templates, by outcome (ok, or the error: quota_exceeded...)",
    ["outcome"],
    registry=REGISTRY,
)
_WOLKVOX_SECONDS = Histogram(
    "wolkvox_sync_wolkvox_call_seconds",
    "How long a call to Wolkvox took, from holding a slot to reading the answer",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120),
    registry=REGISTRY,
)
_CACHE = Counter(
    "wolkvox_sync_cache_lookups",
    "Requests for a connector's templates answered from the cache (hit) or not (miss)",
    ["result"],
    registry=REGISTRY,
)
_WAITING = Gauge(
    "wolkvox_sync_syncs_waiting_for_slot",
    "Syncs waiting for one of the 2 Wolkvox slots of the token (this process)",
    registry=REGISTRY,
)
_OUTBOX = Gauge(
    "wolkvox_sync_outbox_backlog",
    "Channel notifications queued and not yet delivered (all instances)",
    registry=REGISTRY,
)
_QUOTA_USED = Gauge(
    "wolkvox_sync_quota_used_today",
    "Wolkvox calls made with the token today (UTC day, all instances)",
    registry=REGISTRY,
)
_QUOTA_DAILY = Gauge(
    "wolkvox_sync_quota_daily",
    "WOLKVOX_DAILY_QUOTA: calls the token may make per day (0: not set)",
    registry=REGISTRY,
)
_waiting_now = 0


def command(kind: str, outcome: str) -> None:
    """Count one command or click: `kind` like "sync" or "search", `outcome` like "ok",
    "refused" or "error". Keep both to a fixed vocabulary: each pair is a time series."""
    _COMMANDS.labels(kind=kind, outcome=outcome).inc()


def wolkvox_call(outcome: str, seconds: float) -> None:
    """Count one call to Wolkvox and how long it took."""
    _WOLKVOX_CALLS.labels(outcome=outcome).inc()
    _WOLKVOX_SECONDS.observe(seconds)


def cache_hit() -> None:
    _CACHE.labels(result="hit").inc()


def cache_miss() -> None:
    _CACHE.labels(result="miss").inc()


def outbox_backlog(count: int) -> None:
    _OUTBOX.set(count)


def quota(used_today: int, daily: int) -> None:
    _QUOTA_USED.set(used_today)
    _QUOTA_DAILY.set(daily)


def outcome_of(error: BaseException | None) -> str:
    """A call's outcome label: "ok", or its error class in snake case ("quota_exceeded")."""
    if error is None:
        return "ok"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


@contextmanager
def waiting_for_slot() -> Iterator[None]:
    """`with metrics.waiting_for_slot():` around waiting for a Wolkvox slot."""
    global _waiting_now
    _waiting_now += 1
    _WAITING.inc()
    try:
        yield
    finally:
        _waiting_now -= 1
        _WAITING.dec()


def waiting_now() -> int:
    """How many syncs of this process wait for a slot now."""
    return _waiting_now


class WolkvoxCall:
    """Times one call to Wolkvox and counts it by how the block ends: `start()` once the call
    really goes out (a sync that never got a slot made no call and is not counted)."""

    def __init__(self) -> None:
        self._started: float | None = None

    def start(self) -> None:
        self._started = time.perf_counter()

    def __enter__(self) -> WolkvoxCall:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started is not None:
            wolkvox_call(outcome_of(error), time.perf_counter() - self._started)


def bearer_matches(authorization: bytes, token: str) -> bool:
    """Whether an Authorization header is `Bearer <token>` (compared in constant time)."""
    scheme, _, offered = authorization.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(offered.strip(), token.encode())


def text() -> bytes:
    """The metrics in Prometheus's text format."""
    return generate_latest(REGISTRY)
