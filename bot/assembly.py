"""The composition root: the one place the running bot is put together from the settings.

Who answers a sync: `TemplateService` (cache -> single flight -> kept snapshots) over a
`TemplateSource`, which is `OperationsSource` (each connector key's operation: its server,
its token, a `WolkvoxClient` per server and token; 2 calls in flight per token, across
instances through Redis when REDIS_URL is set, else through the database), or what a test
passes. The core (`bot.core.Core`) holds them with the operations (the book), the database
and operating parts; the Slack door (`bot.slack.door.SlackDoor`) stands on the core, and the
console and the web entry use that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core import Clock, Core
from bot.database.redis import connect
from bot.database.store import Store
from bot.i18n import LANGUAGES, read_language, translator
from bot.operations.books import OperationBooks
from bot.operations.secrets import SecretBox
from bot.operations.source import OperationsSource
from bot.slack.app import build_slack
from bot.slack.door import SlackDoor
from bot.sync.limits import SyncLimits
from bot.sync.service import TemplateService, TemplateSource
from bot.sync.shared_cache import SharedState
from bot.wolkvox.token_slots import TokenSlots

# How long the shared (Redis) parts outlive one Wolkvox call of `WOLKVOX_TIMEOUT` seconds:
# a crashed instance's lock on a connector, and its slot of the 2 allowed in flight, expire
# this long after the call would have timed out, so another instance takes over.
FLIGHT_LOCK_MARGIN = 15.0
SLOT_LEASE_MARGIN = 5.0
# A waiter on another instance's call gives up after two timeouts (one to get a slot, one for
# the call) and this margin for publishing the result.
FLIGHT_PUBLISH_MARGIN = 30.0


def flight_deadline(timeout: float) -> float:
    """How long a request waits for a sync that another instance is running."""
    return timeout * 2 + FLIGHT_PUBLISH_MARGIN


@dataclass
class Shared:
    """What instances share through Redis (all None without REDIS_URL), and what to close."""

    redis: Redis | None = None
    state: SharedState | None = None
    closers: list[Any] = field(default_factory=list)


def build_shared(settings: Settings) -> Shared:
    """Connect to Redis when configured: the shared cache and flight locks (and the slots)."""
    if not settings.redis_url:
        return Shared()
    redis = connect(settings.redis_url)
    state = SharedState(
        redis, cache_ttl=settings.cache_ttl, lock_seconds=settings.timeout + FLIGHT_LOCK_MARGIN
    )
    return Shared(redis, state, closers=[state])


def build_slots(settings: Settings, redis: Redis | None) -> TokenSlots:
    """The 2 Wolkvox slots of each token: in Redis when set, else in this process and (once
    the core opens the database) in the database, leased a little longer than a call."""
    return TokenSlots(redis=redis, lease_seconds=settings.timeout + SLOT_LEASE_MARGIN)


def build_source(settings: Settings, books: OperationBooks, slots: TokenSlots) -> OperationsSource:
    """Wolkvox, for each connector key's operation (its server and token)."""
    return OperationsSource(books, settings, slots)


def build_service(
    settings: Settings, source: TemplateSource, shared: SharedState | None, now: Clock
) -> TemplateService:
    """The template service: cache, single flight, kept snapshots, cooldown, per-user limit."""
    return TemplateService(
        source,
        cache_ttl=settings.cache_ttl,
        now=now,
        shared=shared,
        flight_deadline=flight_deadline(settings.timeout),
        keep_bytes=settings.keep_bytes,
        refresh_cooldown=settings.refresh_cooldown,
        limits=SyncLimits(
            user_per_minute=settings.user_syncs_per_minute,
            workflow_per_minute=settings.workflow_syncs_per_minute,
            workspace_per_minute=settings.workspace_workflow_syncs_per_minute,
            at_once=settings.syncs_at_once,
        ),
    )


def build_books(settings: Settings) -> OperationBooks:
    """The operations: the environment's now (single-workspace mode only); the stored ones
    once the database is open (in distribution mode, each workspace's when it first asks)."""
    return OperationBooks(
        None,
        SecretBox(settings.secret_keys),
        environment=settings.environment_operation,
        environment_aliases=settings.aliases,
        distribution=distribution(settings),
    )


def distribution(settings: Settings) -> bool:
    """Distribution mode: installed from a link into many workspaces (Settings.distribution)."""
    return bool(getattr(settings, "distribution", False))


def build_app(
    settings: Settings,
    *,
    source: TemplateSource | None = None,
    web: AsyncWebClient | None = None,
    store: Store | None = None,
    now: Clock = lambda: datetime.now(UTC),
) -> SlackDoor:
    """The bot: the core, and the Slack door on it; tests pass fakes for `source` and `web`.

    Await `SlackDoor.start()` before serving: it opens the database.
    """
    shared = build_shared(settings)
    closers = shared.closers
    books = build_books(settings)
    slots = build_slots(settings, shared.redis)
    if source is None:
        operations = build_source(settings, books, slots)
        closers.append(operations)
        source = operations
    for language in LANGUAGES:
        translator(language)  # read the catalogs now, not during someone's first command
    core = Core(
        service=build_service(settings, source, shared.state, now),
        settings=settings,
        now=now,
        books=books,
        store=store,
        slots=slots,
        closers=closers,
    )
    default_language = read_language(settings.language) or "en"
    return build_slack(core, web=web, redis=shared.redis, default_language=default_language)


__all__ = ["SlackDoor", "build_app"]
