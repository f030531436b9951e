"""The Bolt app: thin listeners (ack, parse, call, render, respond) and one error handler."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import BotError, ExpiredError, InputError, SharedStateUnavailable, WolkvoxError
from bot.history.recorder import History as SyncHistory
from bot.history.store import Store
from bot.slack import commands
from bot.slack import values as payloads
from bot.slack.access import REFUSAL, allowed
from bot.slack.commands import Help, History, Lookup, Show, Subscribe, Subscriptions, Unsubscribe
from bot.slack.error_messages import describe, slack_problem, stale_warning
from bot.slack.mrkdwn import escape
from bot.slack.notifier import Notifier
from bot.slack.values import ViewRef
from bot.slack.views import history as history_blocks
from bot.slack.views import lookups as blocks
from bot.slack.views.kit import Message
from bot.sync.schedule import AutoSync
from bot.sync.service import SyncTrigger, TemplateService, TemplateSource
from bot.sync.shared import RedisSlots, SharedState, connect
from bot.templates import export
from bot.templates.model import Snapshot
from bot.templates.query import Query
from bot.wolkvox.client import MAX_IN_FLIGHT, WolkvoxClient

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class Bot:
    """The running parts: the Bolt app, the template service, history and what must be closed."""

    app: AsyncApp
    service: TemplateService
    settings: Settings
    web: AsyncWebClient
    now: Clock
    store: Store | None = None
    notifier: Notifier | None = None
    scheduler: AutoSync | None = None
    _closers: list[Any] = field(default_factory=list)

    async def start(self, *, schedule: bool = True) -> None:
        """Open the database (create or upgrade the schema), send what is still queued, and
        start the in-process schedule."""
        if self.store is None:
            self.store = await Store.open(self.settings.database_url)
            self._closers.append(self.store)
        history = SyncHistory(self.store)
        self.notifier = Notifier(
            self.store,
            self.web,
            notify_channel=self.settings.notify_channel,
            notify_unchanged=self.settings.notify_unchanged,
            now=self.now,
        )
        self.service.record_with(history.record)
        self.service.on_fresh_sync(self.notifier.after_sync)
        await self.notifier.deliver_pending()
        if schedule and self.settings.auto_sync:
            self.scheduler = AutoSync(
                self.service, self.settings.auto_sync, self.settings.auto_sync_minutes * 60
            )
            self.scheduler.start()

    async def aclose(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.service.drain()
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
    if settings.redis_url:
        redis = connect(settings.redis_url)
        shared = SharedState(
            redis, cache_ttl=settings.cache_ttl, lock_seconds=settings.timeout + 15
        )
        slots = RedisSlots(
            redis, settings.wolkvox_token, limit=MAX_IN_FLIGHT, lease_seconds=settings.timeout + 5
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
        flight_deadline=settings.timeout * 2 + 30,
    )
    app = AsyncApp(client=web, signing_secret=settings.slack_signing_secret)
    bot = Bot(
        app=app, service=service, settings=settings, web=web, now=now, store=store, _closers=closers
    )
    _register(bot)
    return bot


def _register(bot: Bot) -> None:
    app = bot.app

    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = str(command.get("text") or "")
        try:
            parsed = commands.parse(text, bot.settings.aliases)
        except InputError as error:
            await _ack(ack, blocks.text_message(describe(error)))
            return
        if isinstance(parsed, Help):
            await _ack(ack, blocks.help_message(bot.settings.aliases))
            return
        user_id = str(command.get("user_id") or "")
        channel_id = str(command.get("channel_id") or "")
        if not allowed(bot.settings, user_id=user_id, channel_id=channel_id):
            await _ack(ack, blocks.text_message(REFUSAL))
            return
        if isinstance(parsed, Lookup | Show):
            await _lookup(bot, parsed, command, ack, respond)
            return
        await ack()  # the database answers quickly, but not always within Slack's 3 s
        store = bot.require_store()
        if isinstance(parsed, History):
            records = await store.history(parsed.connector, 10)
            reply = history_blocks.history_message(parsed.connector, records, now=bot.now())
        elif isinstance(parsed, Subscriptions):
            subs = await store.subscriptions(channel_id=channel_id)
            reply = history_blocks.subscriptions_message(channel_id, subs)
        else:
            reply = await _subscription(bot, parsed, command)
        await _reply(respond, reply, replace=False)

    async def on_page(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        await _page(bot, action, body, respond, share=False)

    async def on_refresh(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            ref, query = _view(action)
        except BotError as error:
            await _reply(respond, _problem(error))
            return
        user = body.get("user") if isinstance(body.get("user"), dict) else None
        trigger = SyncTrigger(
            user_id=_clicker(body),
            user_name=str((user or {}).get("username") or (user or {}).get("name") or ""),
            command="Refresh button",
        )
        await _reply(respond, blocks.progress_message(ref.connector))
        lookup = Lookup(connector=ref.connector, query=query, refresh=True)
        await _reply(respond, await _sync(bot, lookup, trigger, refresh=True))

    async def on_open(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            option = action.get("selected_option")
            ref = payloads.decode_template(
                option.get("value") if isinstance(option, dict) else None
            )
            snapshot = await _kept(bot, ViewRef(ref.connector, ref.snapshot_id))
            if ref.index >= snapshot.count:
                raise InputError("That menu's data could not be read. Run the command again.")
        except BotError as error:
            await _reply(respond, _problem(error), replace=False)
            return
        template = snapshot.templates[ref.index]
        await _reply(
            respond, blocks.detail_message(snapshot, template, now=bot.now()), replace=False
        )

    async def on_share(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        await _page(bot, action, body, respond, share=True)

    async def on_export(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        viewed = await _viewed(bot, action, respond, replace=False)
        if viewed is None:
            return
        _, query, snapshot = viewed
        matches = query.apply(snapshot.templates, snapshot.index)
        channel = _channel(body)
        filename = export.csv_filename(snapshot.connector, query.text())
        filters = f" ({escape(query.text())})" if not query.empty else ""
        try:
            await bot.web.files_upload_v2(
                channel=channel,
                filename=filename,
                title=filename,
                content=export.templates_csv(matches),
                initial_comment=(
                    f"Templates of connector {escape(snapshot.connector)}{filters}: "
                    f"{len(matches):,} rows, exported by <@{_clicker(body)}>"
                ),
            )
        except SlackApiError as error:
            await _reply(
                respond, blocks.text_message(slack_problem(error, "upload the CSV")), replace=False
            )

    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        reference = secrets.token_hex(4)
        log.error("unhandled error ref=%s", reference, exc_info=error)
        if respond is not None and isinstance(body, dict) and body.get("response_url"):
            text = (
                f":x: Something went wrong on our side (reference `{reference}`). Please try again."
            )
            await _reply(respond, blocks.text_message(text), replace=False)

    app.command(commands.COMMAND)(on_command)
    app.action(blocks.ACTION_PREVIOUS)(on_page)
    app.action(blocks.ACTION_NEXT)(on_page)
    app.action(blocks.ACTION_REFRESH)(on_refresh)
    app.action(blocks.ACTION_OPEN)(on_open)
    app.action(blocks.ACTION_SHARE)(on_share)
    app.action(blocks.ACTION_EXPORT)(on_export)

    async def on_home(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home") or not event.get("user"):
            return
        user_id = str(event["user"])
        if bot.settings.allowed_users and user_id not in bot.settings.allowed_users:
            view = history_blocks.refused_home_view(REFUSAL)
        else:
            store = bot.require_store()
            recent = await store.history(None, 15)
            subs = await store.subscriptions(team_id=str(body.get("team_id") or ""))
            view = history_blocks.home_view(recent, subs, now=bot.now())
        await bot.web.views_publish(user_id=user_id, view=view)

    app.middleware(_guard_actions(bot))
    app.event("app_home_opened")(on_home)
    app.error(on_error)


async def _sync(
    bot: Bot, command: Lookup | Show, trigger: SyncTrigger, *, refresh: bool
) -> Message:
    """Run a sync and render its reply; Wolkvox failures become an error message."""
    try:
        outcome = await bot.service.sync(command.connector, trigger, refresh=refresh)
    except (WolkvoxError, SharedStateUnavailable) as error:
        return blocks.text_message(describe(error))
    warning = stale_warning(outcome.error) if outcome.error is not None else ""
    note = history_blocks.changes_note(outcome.changes) if outcome.changes is not None else ""
    return _render(bot, command, outcome.snapshot, outcome.origin, trigger.user_id, warning, note)


def _render(
    bot: Bot,
    command: Lookup | Show,
    snapshot: Snapshot,
    origin: str,
    user_id: str,
    warning: str = "",
    note: str = "",
) -> Message:
    if isinstance(command, Show):
        return blocks.template_message(
            snapshot, command.name, now=bot.now(), origin=origin, asked_by=user_id, warning=warning
        )
    return blocks.results_message(
        snapshot,
        now=bot.now(),
        query=command.query,
        origin=origin,
        asked_by=user_id,
        warning=warning,
        note=note,
    )


async def _lookup(
    bot: Bot, command: Lookup | Show, payload: dict[str, Any], ack: AsyncAck, respond: AsyncRespond
) -> None:
    """Answer from the cache in the acknowledgement, or acknowledge and sync."""
    user_id = str(payload.get("user_id") or "")
    try:
        cached = None if command.refresh else await bot.service.cached(command.connector)
    except SharedStateUnavailable:
        cached = None  # the sync below says what is wrong
    if cached is not None:
        await _ack(ack, _render(bot, command, cached, "cache", user_id))
        return
    await _ack(ack, blocks.progress_message(command.connector))
    trigger = SyncTrigger(
        user_id=user_id,
        user_name=str(payload.get("user_name") or ""),
        command=f"{commands.COMMAND} {payload.get('text') or ''}".strip(),
    )
    await _reply(respond, await _sync(bot, command, trigger, refresh=command.refresh))


async def _subscription(
    bot: Bot, command: Subscribe | Unsubscribe, payload: dict[str, Any]
) -> Message:
    store = bot.require_store()
    channel_id = str(payload.get("channel_id") or "")
    connector = escape(command.connector)
    if not channel_id.startswith(("C", "G")):
        return blocks.text_message(
            ":grey_question: Subscriptions are for channels: run this in the channel that should "
            "get the changes."
        )
    if isinstance(command, Unsubscribe):
        removed = await store.unsubscribe(channel_id=channel_id, connector=command.connector)
        text = (
            f":no_bell: This channel no longer gets the changes of connector *{connector}*."
            if removed
            else f"This channel was not subscribed to connector *{connector}*."
        )
        return blocks.text_message(text)
    added = await store.subscribe(
        team_id=str(payload.get("team_id") or ""),
        channel_id=channel_id,
        connector=command.connector,
        user_id=str(payload.get("user_id") or ""),
        now=bot.now(),
    )
    if not added:
        return blocks.text_message(
            f"This channel already gets the changes of connector *{connector}*."
        )
    return blocks.text_message(
        f":bell: This channel now gets what changes in connector *{connector}* after every "
        "sync. For a private channel, make sure I'm in it: `/invite @Wolkvox Sync`."
    )


def _guard_actions(bot: Bot) -> Any:
    """Middleware: a click from someone not allowed to use the bot is refused, politely."""

    async def guard(
        body: dict[str, Any],
        ack: AsyncAck,
        respond: AsyncRespond,
        next: Callable[[], Awaitable[None]],  # Bolt passes it by this name
    ) -> None:
        if body.get("type") != "block_actions" or allowed(
            bot.settings, user_id=_clicker(body), channel_id=_channel(body)
        ):
            await next()
            return
        await ack()
        await _reply(respond, blocks.text_message(REFUSAL), replace=False)

    return guard


def _view(action: dict[str, Any]) -> tuple[ViewRef, Query]:
    ref = payloads.decode_view(action.get("value"))
    return ref, commands.parse_query_text(ref.query)


async def _page(
    bot: Bot, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond, *, share: bool
) -> None:
    """A page of a kept result: replacing the clicker's message (paging), or posted for the
    whole channel with who shared it (Share in channel)."""
    viewed = await _viewed(bot, action, respond, replace=not share)
    if viewed is None:
        return
    ref, query, snapshot = viewed
    clicker = _clicker(body)
    message = blocks.results_message(
        snapshot,
        now=bot.now(),
        query=query,
        page=ref.page,
        origin="cache",
        asked_by="" if share else clicker,
        shared_by=clicker if share else "",
    )
    await _reply(respond, message, replace=not share, in_channel=share)


async def _viewed(
    bot: Bot, action: dict[str, Any], respond: AsyncRespond, *, replace: bool
) -> tuple[ViewRef, Query, Snapshot] | None:
    """The view a button points to and its kept snapshot; or None, once the user was told
    why not (unreadable button, expired data)."""
    try:
        ref, query = _view(action)
        return ref, query, await _kept(bot, ref)
    except BotError as error:
        await _reply(respond, _problem(error), replace=replace)
        return None


async def _kept(bot: Bot, ref: ViewRef) -> Snapshot:
    snapshot = await bot.service.kept(ref.snapshot_id)
    if snapshot is None or snapshot.connector != ref.connector:
        raise ExpiredError(ref.connector, ref.query)
    return snapshot


def _problem(error: BotError) -> Message:
    if isinstance(error, ExpiredError):
        return blocks.expired_message(error.connector, describe(error), error.query)
    return blocks.text_message(describe(error))


def _clicker(body: dict[str, Any]) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _channel(body: dict[str, Any]) -> str:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container")
    return str(container.get("channel_id") or "") if isinstance(container, dict) else ""


async def _ack(ack: AsyncAck, message: Message) -> None:
    await ack(text=message["text"], blocks=message["blocks"])


async def _reply(
    respond: AsyncRespond, message: Message, *, replace: bool = True, in_channel: bool = False
) -> None:
    """Answer through response_url: by default replace the bot's earlier ephemeral reply.

    Slack's refusal (non-2xx) is logged, not raised.
    """
    response = await respond(
        text=message["text"],
        blocks=message["blocks"],
        response_type="in_channel" if in_channel else "ephemeral",
        replace_original=replace,
    )
    if response is not None and not 200 <= response.status_code < 300:
        log.warning("response_url refused the reply: %s %s", response.status_code, response.body)


__all__ = ["Bot", "BotError", "build_app"]
