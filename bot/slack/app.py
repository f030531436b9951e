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
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.config.defaults import INSTALL_STATE_SECONDS
from bot.core import Core
from bot.i18n import Language
from bot.logs import keep_out_of_logs
from bot.operations.secrets import SecretBox
from bot.slack.admin import register_operation_admin
from bot.slack.door import SlackDoor
from bot.slack.listeners import register
from bot.slack.oauth.flow import build_install_flow, not_installed_text
from bot.slack.oauth.rotation import RefreshLock
from bot.slack.oauth.store import OneUseStateStore, SealedInstallationStore
from bot.slack.oauth.tokens import WorkspaceWebClient, bind_request_token
from bot.slack.oauth.uninstall import register_uninstall
from bot.slack.user_languages import UserLanguages


def build_web(settings: Settings) -> AsyncWebClient:
    """The Slack Web API client, retrying on rate limits and server errors. In distribution
    mode it has no token of its own: each call uses its workspace's (bot.slack.oauth.tokens)."""
    if settings.distribution:
        web: AsyncWebClient = WorkspaceWebClient(token=None, base_url=settings.slack_api_url)
    else:
        web = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    web.retry_handlers.extend(
        [AsyncRateLimitErrorRetryHandler(max_retry_count=2), AsyncServerErrorRetryHandler()]
    )
    return web


def build_bolt(core: Core, web: AsyncWebClient, redis: Redis | None) -> AsyncApp:
    """Bolt's app: with SLACK_BOT_TOKEN's one workspace, or (distribution mode) with the OAuth
    install flow, the installations in the database and each request's workspace's token."""
    settings = core.settings
    if not settings.distribution:
        return AsyncApp(client=web, signing_secret=settings.slack_signing_secret)
    keep_out_of_logs(settings.slack_client_secret)

    def engine() -> AsyncEngine:
        return core.require_store().engine

    store = SealedInstallationStore(
        settings.slack_client_id, engine, SecretBox(settings.secret_keys)
    )
    flow = build_install_flow(
        settings,
        store=store,
        states=OneUseStateStore(engine, INSTALL_STATE_SECONDS),
        web=web,
        lock=RefreshLock(redis=redis, engine=engine),
    )
    app = AsyncApp(
        client=web,
        signing_secret=settings.slack_signing_secret,
        oauth_flow=flow,  # its settings' authorize is ours (no installation_store here)
        user_facing_authorize_error_message=not_installed_text(settings),
    )
    app.use(bind_request_token)
    return app


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
        app=build_bolt(core, web, redis),
        web=web,
        languages=UserLanguages(
            web, default=default_language, redis=redis, several=lambda: core.book.several
        ),
    )
    register(door)
    # -- the operations section of the App Home and its modal (bot.slack.admin) --
    register_operation_admin(door)
    # -- uninstall: a workspace that removes the app leaves nothing (bot.slack.oauth.uninstall) --
    if settings.distribution:
        register_uninstall(door)
    return door
