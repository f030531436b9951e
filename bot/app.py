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

from bot import blocks, commands, payloads
from bot.blocks import Message
from bot.config import Settings
from bot.errors import BotError, ExpiredError, InputError, WolkvoxError
from bot.messages import describe, stale_warning
from bot.service import SyncOutcome, SyncTrigger, TemplateService, TemplateSource
from bot.templates import Snapshot
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
        try:
            parsed = commands.parse(str(command.get("text") or ""))
        except InputError as error:
            await _ack(ack, blocks.error_message(describe(error)))
            return
        if isinstance(parsed, commands.Help):
            await _ack(ack, blocks.help_message())
            return
        user_id = str(command.get("user_id") or "")
        cached = None if parsed.refresh else service.cached(parsed.connector)
        if cached is not None:
            await _ack(ack, _summary(bot, cached, "cache", user_id))
            return
        await _ack(ack, blocks.progress_message(parsed.connector))
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(command.get("user_name") or ""),
            command=f"{commands.COMMAND} {command.get('text') or ''}".strip(),
        )
        await _reply(
            respond, await _sync(bot, parsed.connector, trigger, user_id, refresh=parsed.refresh)
        )

    async def on_page(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            ref = payloads.decode(action.get("value"))
            snapshot = service.kept(ref.snapshot_id)
            if snapshot is None or snapshot.connector != ref.connector:
                raise ExpiredError(ref.connector)
        except ExpiredError as error:
            await _reply(respond, blocks.expired_message(error.connector, describe(error)))
            return
        except InputError as error:
            await _reply(respond, blocks.error_message(describe(error)))
            return
        message = _summary(bot, snapshot, "cache", _clicker(body), page=ref.page)
        await _reply(respond, message)

    async def on_refresh(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            ref = payloads.decode(action.get("value"))
        except InputError as error:
            await _reply(respond, blocks.error_message(describe(error)))
            return
        user_id = _clicker(body)
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str((user or {}).get("username") or (user or {}).get("name") or ""),
            command="Refresh button",
        )
        await _reply(respond, blocks.progress_message(ref.connector))
        await _reply(respond, await _sync(bot, ref.connector, trigger, user_id, refresh=True))

    async def on_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        reference = secrets.token_hex(4)
        log.error("unhandled error ref=%s", reference, exc_info=error)
        if respond is not None and isinstance(body, dict) and body.get("response_url"):
            text = (
                f":x: Something went wrong on our side (reference `{reference}`). Please try again."
            )
            await _reply(respond, blocks.error_message(text))

    app.command(commands.COMMAND)(on_command)
    app.action(blocks.ACTION_PREVIOUS)(on_page)
    app.action(blocks.ACTION_NEXT)(on_page)
    app.action(blocks.ACTION_REFRESH)(on_refresh)
    app.error(on_error)
    if bot.settings.notify_channel:
        service.on_fresh_sync(_notifier(bot))


async def _sync(
    bot: Bot, connector: str, trigger: SyncTrigger, user_id: str, *, refresh: bool
) -> Message:
    """Run a sync and render its reply; Wolkvox failures become an error message."""
    try:
        outcome = await bot.service.sync(connector, trigger, refresh=refresh)
    except WolkvoxError as error:
        return blocks.error_message(describe(error))
    return _outcome_message(bot, outcome, user_id)


def _outcome_message(bot: Bot, outcome: SyncOutcome, user_id: str) -> Message:
    warning = stale_warning(outcome.error) if outcome.error is not None else ""
    return _summary(bot, outcome.snapshot, outcome.origin, user_id, warning=warning)


def _summary(
    bot: Bot, snapshot: Snapshot, origin: str, user_id: str, *, page: int = 0, warning: str = ""
) -> Message:
    return blocks.summary_message(
        snapshot, now=bot.now(), page=page, origin=origin, asked_by=user_id, warning=warning
    )


def _notifier(bot: Bot) -> Any:
    async def notify(snapshot: Snapshot, trigger: SyncTrigger) -> None:
        message = blocks.notification_message(
            snapshot, user_id=trigger.user_id, user_name=trigger.user_name
        )
        channel = bot.settings.notify_channel
        try:
            await bot.web.chat_postMessage(channel=channel, **message)
        except SlackApiError as error:
            reason = error.response.get("error") if error.response is not None else error
            hint = " (invite the bot to the channel)" if reason == "not_in_channel" else ""
            log.warning("could not notify %s: %s%s", channel, reason, hint)

    return notify


def _clicker(body: dict[str, Any]) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


async def _ack(ack: AsyncAck, message: Message) -> None:
    await ack(text=message["text"], blocks=message["blocks"])


async def _reply(respond: AsyncRespond, message: Message) -> None:
    """Replace the bot's earlier ephemeral reply; Slack's refusal is logged, not raised."""
    response = await respond(
        text=message["text"],
        blocks=message["blocks"],
        response_type="ephemeral",
        replace_original=True,
    )
    if response is not None and not 200 <= response.status_code < 300:
        log.warning("response_url refused the reply: %s %s", response.status_code, response.body)


__all__ = ["Bot", "BotError", "build_app"]
