"""The Slack door built on a core: the Web API client, the Bolt app and its listeners, and
whose language each person reads (`bot.assembly` calls this)."""

from __future__ import annotations

from redis.asyncio import Redis
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core import Core
from bot.i18n import Language
from bot.slack.admin import register_operation_admin
from bot.slack.door import SlackDoor
from bot.slack.listeners import register
from bot.slack.user_languages import UserLanguages


def build_web(settings: Settings) -> AsyncWebClient:
    """The Slack Web API client, retrying on rate limits and server errors."""
    web = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    web.retry_handlers.extend(
        [AsyncRateLimitErrorRetryHandler(max_retry_count=2), AsyncServerErrorRetryHandler()]
    )
    return web


def build_slack(
    core: Core,
    *,
    web: AsyncWebClient | None = None,
    redis: Redis | None = None,
    default_language: Language = "en",
) -> SlackDoor:
    """The Bolt app over `core`, every listener registered; `web` defaults to Slack's API."""
    settings = core.settings
    web = web or build_web(settings)
    door = SlackDoor(
        core=core,
        app=AsyncApp(client=web, signing_secret=settings.slack_signing_secret),
        web=web,
        languages=UserLanguages(
            web, default=default_language, redis=redis, several=lambda: core.book.several
        ),
    )
    register(door)
    # -- the operations section of the App Home and its modal (bot.slack.admin) --
    register_operation_admin(door)
    return door
