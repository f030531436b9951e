"""The app's parts wired together: the Bolt app and its listeners, the template service, the
Wolkvox client, shared state, history and notifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.history.recorder import History
from bot.history.retention import Retention
from bot.history.store import Store
from bot.i18n import LANGUAGES, read_language, translator
from bot.ops.operations import Operations
from bot.slack.languages import UserLanguages
from bot.slack.listeners import register
from bot.slack.notifier import Notifier
from bot.slack.pending import PendingReplies
from bot.sync.limits import UserSyncLimit
from bot.sync.schedule import AutoSync
from bot.sync.service import TemplateService, TemplateSource
from bot.sync.shared import RedisSlots, SharedState, connect
from bot.wolkvox.client import MAX_IN_FLIGHT, WolkvoxClient

Clock = Callable[[], datetime]

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
class Bot:
    """The running parts: the Bolt app, the template service, history and what must be closed."""

    app: AsyncApp
    service: TemplateService
    settings: Settings
    web: AsyncWebClient
    now: Clock
    languages: UserLanguages
    store: Store | None = None
    notifier: Notifier | None = None
    scheduler: AutoSync | None = None
    retention: Retention | None = None
    ops: Operations | None = None  # quota, schedule claims, readiness, metrics
    pending: PendingReplies = field(default_factory=PendingReplies)
    _closers: list[Any] = field(default_factory=list)

    async def start(self, *, schedule: bool = True) -> None:
        """Open the database (create or upgrade the schema), send what is still queued, and
        start the in-process schedule."""
        if self.store is None:
            self.store = await Store.open(self.settings.database_url)
            self._closers.append(self.store)
        self.ops = Operations(self.settings, self.store)
        self.service.spend_quota_with(self.ops.quota)
        self.languages.use_store(self.store)
        self.notifier = Notifier(
            self.store,
            self.web,
            notify_channel=self.settings.notify_channel,
            notify_unchanged=self.settings.notify_unchanged,
            now=self.now,
            languages=self.languages,
        )
        history = History(self.store, compose=self.notifier.compose)
        self.service.record_with(history.record)
        self.service.archive_with(history.snapshot)
        self.service.on_fresh_sync(self.notifier.after_sync)
        await self.notifier.deliver_pending()
        self.notifier.start_sweeping()
        self.retention = Retention(self.store, self.settings.history_days, self.now)
        self.retention.start()
        if schedule and self.settings.auto_sync:
            self.scheduler = AutoSync(
                self.service,
                self.settings.auto_sync,
                self.settings.auto_sync_minutes * 60,
                claims=self.ops.claims,
            )
            self.scheduler.start()

    async def aclose(self) -> None:
        """Stop (SIGTERM): let running syncs finish and answer within WOLKVOX_SHUTDOWN_GRACE,
        tell whoever still waits to run the command again, send what is queued, close."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.retention is not None:
            await self.retention.stop()
        await self.pending.settle(self.settings.shutdown_grace)
        await self.service.drain()
        if self.notifier is not None:
            await self.notifier.stop_sweeping()
            await self.notifier.deliver_pending()
        if self.ops is not None:
            await self.ops.aclose()
        for closer in reversed(self._closers):
            await closer.aclose()

    def require_store(self) -> Store:
        if self.store is None:
            raise RuntimeError("Bot.start() was not awaited")
        return self.store


def build_app(
    settings: Settings,
    *,
    source: TemplateSource | None = None,
    web: AsyncWebClient | None = None,
    store: Store | None = None,
    now: Clock = lambda: datetime.now(UTC),
) -> Bot:
    """Wire the app from its collaborators; tests pass fakes for `source` and `web`.

    Await `Bot.start()` before serving: it opens the database.
    """
    closers: list[Any] = []
    shared: SharedState | None = None
    slots: RedisSlots | None = None
    redis = None
    if settings.redis_url:
        redis = connect(settings.redis_url)
        shared = SharedState(
            redis, cache_ttl=settings.cache_ttl, lock_seconds=settings.timeout + FLIGHT_LOCK_MARGIN
        )
        slots = RedisSlots(
            redis,
            settings.wolkvox_token,
            limit=MAX_IN_FLIGHT,
            lease_seconds=settings.timeout + SLOT_LEASE_MARGIN,
        )
        closers.append(shared)
    if source is None:
        client = WolkvoxClient(
            settings.wolkvox_base_url,
            settings.wolkvox_token,
            server=settings.wolkvox_server,
            timeout=settings.timeout,
            slots=slots,
        )
        closers.append(client)
        source = client
    if web is None:
        web = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        web.retry_handlers.extend(
            [AsyncRateLimitErrorRetryHandler(max_retry_count=2), AsyncServerErrorRetryHandler()]
        )
    service = TemplateService(
        source,
        cache_ttl=settings.cache_ttl,
        now=now,
        shared=shared,
        flight_deadline=flight_deadline(settings.timeout),
        keep_bytes=settings.keep_bytes,
        refresh_cooldown=settings.refresh_cooldown,
        user_limit=UserSyncLimit(settings.user_syncs_per_minute),
    )
    for language in LANGUAGES:
        translator(language)  # read the catalogs now, not during someone's first command
    languages = UserLanguages(web, default=read_language(settings.language) or "en", redis=redis)
    app = AsyncApp(client=web, signing_secret=settings.slack_signing_secret)
    bot = Bot(
        app=app,
        service=service,
        settings=settings,
        web=web,
        now=now,
        languages=languages,
        store=store,
        _closers=closers,
    )
    register(bot)
    return bot


__all__ = ["Bot", "build_app"]
