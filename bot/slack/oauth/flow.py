"""Slack's OAuth v2 install flow, run by Bolt (distribution mode).

`GET /slack/install` answers our "Add to Slack" page (bot.slack.oauth.pages) with a state that
is stored in the database and set as a cookie; `GET /slack/oauth_redirect` checks both (single
use, `INSTALL_STATE_SECONDS`), calls `oauth.v2.access` (client id and secret as HTTP Basic auth,
to SLACK_API_URL) and saves the installation, its tokens sealed. The pages speak the browser's
language (Accept-Language: es, pt, en).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.config.defaults import (
    INSTALL_PATH,
    INSTALL_STATE_SECONDS,
    REDIRECT_PATH,
    TOKEN_ROTATION_MINUTES,
)
from bot.i18n import LANGUAGES, translator
from bot.i18n.messages import not_installed
from bot.ops.banner import install_url
from bot.slack.oauth import pages
from bot.slack.oauth.rotation import RefreshLock, WorkspaceAuthorize
from bot.slack.oauth.store import OneUseStateStore, SealedInstallationStore

log = logging.getLogger(__name__)

# The bot scopes asked for: manifest.yml's oauth_config.scopes.bot (tests/test_install.py
# checks they agree).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
)


def authorize_url(slack_api_url: str) -> str:
    """Slack's authorize page beside its Web API: https://slack.com/oauth/v2/authorize for
    https://slack.com/api/ (a fake Slack in tests serves both)."""
    base = slack_api_url.rstrip("/")
    base = base.removesuffix("/api")
    return f"{base}/oauth/v2/authorize"


def not_installed_text(settings: Settings) -> str:
    """What a command from a workspace with no installation is answered (Bolt's answer when
    no installation is found): what to do, from the catalog. Slack sends no language with
    it, and the person's choice went with the installation, so it is said in every language
    the bot speaks, WOLKVOX_LANGUAGE's first. Names the install link, never a secret."""
    link = install_url(settings)
    first = settings.language if settings.language in LANGUAGES else "en"
    order = [first, *(language for language in LANGUAGES if language != first)]
    return "\n\n".join(
        not_installed(translator(language), link, INSTALL_PATH) for language in order
    )


def _language(request: AsyncBoltRequest) -> str:
    header = request.headers.get("accept-language") or [""]
    return pages.language_from_accept_language(header[0])


def _headers() -> dict[str, Any]:
    """The pages' headers (content type, CSP, no caching), named as BoltResponse keeps them."""
    return {name.lower(): [value] for name, value in pages.HEADERS.items()}


class InstallFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow with our install page and its headers."""

    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        return pages.install_page(_language(request), url)

    async def handle_installation(self, request: AsyncBoltRequest) -> BoltResponse:
        response = await super().handle_installation(request)
        if response.status == 200:  # the page (a redirect keeps Bolt's headers)
            response.headers.update(_headers())
        return response


async def _succeeded(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    language = _language(args.request)
    home = None
    if installation.team_id and installation.app_id:
        home = pages.app_home_link(installation.team_id, installation.app_id)
    log.info(
        "installed in %s (%s)",
        installation.team_id or installation.enterprise_id,
        "org-wide" if installation.is_enterprise_install else "workspace",
    )
    page = pages.success_page(
        language, installation.team_name or installation.enterprise_name or "", home_url=home
    )
    cookie = args.settings.state_utils.build_set_cookie_for_deletion()
    return BoltResponse(status=200, body=page, headers={**_headers(), "set-cookie": [cookie]})


async def _failed(args: AsyncFailureArgs) -> BoltResponse:
    reason, code = pages.failure_reason(args.reason)
    log.info("an install did not finish: %s", args.reason[:60])
    page = pages.failure_page(_language(args.request), reason, code=code)
    cookie = args.settings.state_utils.build_set_cookie_for_deletion()
    status = 200 if reason == "cancelled" else args.suggested_status_code
    return BoltResponse(status=status, body=page, headers={**_headers(), "set-cookie": [cookie]})


def build_install_flow(
    settings: Settings,
    *,
    store: SealedInstallationStore,
    states: OneUseStateStore,
    web: AsyncWebClient,
    lock: RefreshLock,
) -> InstallFlow:
    """The OAuth flow (and, in its settings, the authorize every request goes through)."""
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri or None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=_succeeded, failure=_failed),
        authorization_url=authorize_url(settings.slack_api_url),
        installation_store=store,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        state_store=states,
        state_expiration_seconds=INSTALL_STATE_SECONDS,
        logger=log,
    )
    oauth.authorize = WorkspaceAuthorize(
        logger=log,
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        client=web,
        lock=lock,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
    )
    return InstallFlow(client=web, logger=log, settings=oauth)
