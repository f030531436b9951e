"""The Bolt app: thin listeners (ack, parse, call, render, respond) and one error handler."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
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

from bot import blocks, commands, export, payloads
from bot.blockkit import Message
from bot.commands import Help, Lookup, Show
from bot.config import Settings
from bot.errors import BotError, ExpiredError, InputError, WolkvoxError
from bot.messages import describe, slack_problem, stale_warning
from bot.payloads import ViewRef
from bot.query import Query
from bot.service import SyncTrigger, TemplateService, TemplateSource
from bot.templates import Snapshot
from bot.text import escape
from bot.wolkvox import WolkvoxClient

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class Bot:
    """The running parts: the Bolt app, the template service and what must be closed."""

    app: AsyncApp
    service: TemplateService
    settings: Settings
    web: AsyncWebClient
    now: Clock
    _closers: list[Any] = field(default_factory=list)

    async def aclose(self) -> None:
        await self.service.drain()
        for closer in self._closers:
            await closer.aclose()


def build_app(
    settings: Settings,
    *,
    source: TemplateSource | None = None,
    web: AsyncWebClient | None = None,
    now: Clock = lambda: datetime.now(UTC),
) -> Bot:
    """Wire the app from its collaborators; tests pass fakes for `source` and `web`."""
    closers: list[Any] = []
    if source is None:
        client = WolkvoxClient(
            settings.wolkvox_base_url,
            settings.wolkvox_token,
            server=settings.wolkvox_server,
            timeout=settings.timeout,
        )
        closers.append(client)
        source = client
    if web is None:
        web = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        web.retry_handlers.extend(
            [AsyncRateLimitErrorRetryHandler(max_retry_count=2), AsyncServerErrorRetryHandler()]
        )
    service = TemplateService(source, cache_ttl=settings.cache_ttl, now=now)
    app = AsyncApp(client=web, signing_secret=settings.slack_signing_secret)
    bot = Bot(app=app, service=service, settings=settings, web=web, now=now, _closers=closers)
    _register(bot)
    return bot


def _register(bot: Bot) -> None:
    app, service = bot.app, bot.service

    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = str(command.get("text") or "")
        try:
            parsed = commands.parse(text, bot.settings.aliases)
        except InputError as error:
            await _ack(ack, blocks.error_message(describe(error)))
            return
        if isinstance(parsed, Help):
            await _ack(ack, blocks.help_message(bot.settings.aliases))
            return
        user_id = str(command.get("user_id") or "")
        cached = None if parsed.refresh else service.cached(parsed.connector)
        if cached is not None:
            await _ack(ack, _render(bot, parsed, cached, "cache", user_id))
            return
        await _ack(ack, blocks.progress_message(parsed.connector))
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(command.get("user_name") or ""),
            command=f"{commands.COMMAND} {text}".strip(),
        )
        await _reply(respond, await _sync(bot, parsed, trigger, refresh=parsed.refresh))

    async def on_page(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            ref, query = _view(action)
            snapshot = _kept(bot, ref)
        except BotError as error:
            await _reply(respond, _problem(error))
            return
        message = blocks.results_message(
            snapshot,
            now=bot.now(),
            query=query,
            page=ref.page,
            origin="cache",
            asked_by=_clicker(body),
        )
        await _reply(respond, message)

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

    async def on_open(ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            option = action.get("selected_option")
            ref = payloads.decode_template(
                option.get("value") if isinstance(option, dict) else None
            )
            snapshot = _kept(bot, ViewRef(ref.connector, ref.snapshot_id))
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
        try:
            ref, query = _view(action)
            snapshot = _kept(bot, ref)
        except BotError as error:
            await _reply(respond, _problem(error), replace=False)
            return
        message = blocks.results_message(
            snapshot,
            now=bot.now(),
            query=query,
            page=ref.page,
            origin="cache",
            shared_by=_clicker(body),
        )
        await _reply(respond, message, replace=False, in_channel=True)

    async def on_export(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            ref, query = _view(action)
            snapshot = _kept(bot, ref)
        except BotError as error:
            await _reply(respond, _problem(error), replace=False)
            return
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
                respond, blocks.error_message(slack_problem(error, "upload the CSV")), replace=False
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
            await _reply(respond, blocks.error_message(text), replace=False)

    app.command(commands.COMMAND)(on_command)
    app.action(blocks.ACTION_PREVIOUS)(on_page)
    app.action(blocks.ACTION_NEXT)(on_page)
    app.action(blocks.ACTION_REFRESH)(on_refresh)
    app.action(blocks.ACTION_OPEN)(on_open)
    app.action(blocks.ACTION_SHARE)(on_share)
    app.action(blocks.ACTION_EXPORT)(on_export)
    app.error(on_error)
    if bot.settings.notify_channel:
        service.on_fresh_sync(_notifier(bot))


async def _sync(
    bot: Bot, command: Lookup | Show, trigger: SyncTrigger, *, refresh: bool
) -> Message:
    """Run a sync and render its reply; Wolkvox failures become an error message."""
    try:
        outcome = await bot.service.sync(command.connector, trigger, refresh=refresh)
    except WolkvoxError as error:
        return blocks.error_message(describe(error))
    warning = stale_warning(outcome.error) if outcome.error is not None else ""
    return _render(bot, command, outcome.snapshot, outcome.origin, trigger.user_id, warning)


def _render(
    bot: Bot,
    command: Lookup | Show,
    snapshot: Snapshot,
    origin: str,
    user_id: str,
    warning: str = "",
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
    )


def _view(action: dict[str, Any]) -> tuple[ViewRef, Query]:
    ref = payloads.decode_view(action.get("value"))
    return ref, commands.parse_query_text(ref.query)


def _kept(bot: Bot, ref: ViewRef) -> Snapshot:
    snapshot = bot.service.kept(ref.snapshot_id)
    if snapshot is None or snapshot.connector != ref.connector:
        raise ExpiredError(ref.connector, ref.query)
    return snapshot


def _problem(error: BotError) -> Message:
    if isinstance(error, ExpiredError):
        return blocks.expired_message(error.connector, describe(error), error.query)
    return blocks.error_message(describe(error))


def _notifier(bot: Bot) -> Any:
    async def notify(snapshot: Snapshot, trigger: SyncTrigger) -> None:
        message = blocks.notification_message(
            snapshot, user_id=trigger.user_id, user_name=trigger.user_name
        )
        channel = bot.settings.notify_channel
        try:
            await bot.web.chat_postMessage(channel=channel, **message)
        except SlackApiError as error:
            log.warning("could not notify %s: %s", channel, slack_problem(error, "post"))

    return notify


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
