"""Distribution mode in tests: a bot with the app's client id and secret and no bot token
(`distribution_env`, `start_distributed`), a person's browser that installs it from the link
through the fake Slack's authorize page (`Browser`), and a slash command from a given workspace
(`command_from`)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from bot.operations.secrets import new_secret_key
from testkit.fake_slack import FakeSlack
from tests.harness import TLS, Acked, BotServer, command_body, sign

COOKIE = "slack-app-oauth-state"


@pytest.fixture
def distribution_env(env: dict[str, str], slack: FakeSlack) -> dict[str, str]:
    """A bot with the app's client id and secret and no bot token (distribution mode)."""
    left = {k: v for k, v in env.items() if k not in ("SLACK_BOT_TOKEN", "WOLKVOX_TOKEN")}
    left.pop("WOLKVOX_SERVER", None)
    return {
        **left,
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "WOLKVOX_SECRET_KEY": new_secret_key(),
    }


@pytest.fixture
def start_distributed(
    distribution_env: dict[str, str], slack: FakeSlack
) -> Iterator[Callable[..., BotServer]]:
    servers: list[BotServer] = []

    def start(**overrides: str) -> BotServer:
        server = BotServer({**distribution_env, **overrides})
        slack.redirect_url = server.url + "/slack/oauth_redirect"  # the app's Redirect URL
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def database_file(env: dict[str, str]) -> Path:
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


class Browser:
    """A person's browser: keeps the state cookie (sent back over http:// as Chromium does on
    127.0.0.1), follows the install link to the fake Slack and back."""

    def __init__(self, bot: BotServer, language: str = "en") -> None:
        self.bot = bot
        self.http = httpx.Client(timeout=10, verify=TLS, headers={"Accept-Language": language})
        self.cookie = ""

    def close(self) -> None:
        self.http.close()

    def install_page(self) -> tuple[httpx.Response, str]:
        """The install page and the authorize link on it."""
        page = self.http.get(self.bot.url + "/slack/install")
        assert page.status_code == 200, page.text
        self.cookie = page.headers["set-cookie"].split(";")[0]
        assert self.cookie.startswith(COOKIE + "=")
        [link] = re.findall(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.text)
        return page, html.unescape(link)

    def authorize(self, link: str) -> str:
        """Slack's authorize page (the fake agrees at once): where it sends the browser."""
        answer = self.http.get(link)
        assert answer.status_code == 302
        return answer.headers["location"]

    def back(self, redirect: str) -> httpx.Response:
        return self.http.get(redirect, headers={"Cookie": self.cookie})

    def install(self) -> httpx.Response:
        _, link = self.install_page()
        return self.back(self.authorize(link))


def command_from(
    bot: BotServer,
    team_id: str,
    text: str,
    response_url: str,
    *,
    enterprise_id: str = "",
    **who: str,
) -> Acked:
    """A slash command from workspace `team_id` (of an org-wide install of `enterprise_id`)."""
    fields = dict(parse_qsl(command_body(text, response_url=response_url, **who)))
    fields["team_id"] = team_id
    if enterprise_id:
        fields |= {"enterprise_id": enterprise_id, "is_enterprise_install": "true"}
    body = urlencode(fields)
    return bot.post(body, sign(body))
