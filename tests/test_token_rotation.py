"""Token rotation in distribution mode: a workspace installed with expiring tokens
(`refresh_token`, `expires_in`) has its bot token refreshed before it expires, and two
instances sharing the database (or Redis) refresh it once: the second finds it refreshed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from testkit.fake_slack import FakeSlack, Grant
from tests.harness import BotServer
from tests.installs import (  # the same fixtures and browser
    Browser,
    command_from,
    database_file,
    distribution_env,
    start_distributed,
)

__all__ = ["distribution_env", "start_distributed"]  # fixtures, used by name

HOUR = 3600  # within Bolt's 120 minutes: due for a refresh at once
HALF_DAY = 12 * 3600  # what Slack gives a refreshed token


def install_expiring(bot: BotServer, slack: FakeSlack, team_id: str) -> str:
    """Install `team_id` with a token that expires in an hour; its bot token."""
    slack.grant = Grant(team_id=team_id, team_name="Rotating", expires_in=HOUR)
    slack.refreshed_lifetime = HALF_DAY
    browser = Browser(bot)
    assert browser.install().status_code == 200
    browser.close()
    [token] = slack.tokens_of(team_id)
    return token


def answered(bot: BotServer, slack: FakeSlack, team_id: str, name: str) -> None:
    acked = command_from(bot, team_id, "help", slack.response_url(name))
    assert acked.status == 200
    if not acked.body:
        slack.wait_replies(name, 1)


def test_an_expiring_token_is_refreshed_before_it_expires_and_then_used(
    start_distributed: Callable[..., BotServer],
    slack: FakeSlack,
    distribution_env: dict[str, str],
) -> None:
    bot = start_distributed()
    first = install_expiring(bot, slack, "T0ROT")
    expires_at = slack.issued[first].expires_at
    assert expires_at is not None
    before = len(slack.api_calls)
    answered(bot, slack, "T0ROT", "one")
    assert slack.refreshed == 1
    [refresh] = [c for c in slack.api_calls[before:] if c.path == "/api/oauth.v2.access"]
    assert refresh.body["grant_type"] == "refresh_token"
    assert refresh.headers["Authorization"].startswith("Basic ")  # client credentials
    assert time.time() < expires_at  # before the old token expired
    [old, new] = slack.tokens_of("T0ROT")
    assert old == first
    # the command's calls after the refresh use the new token
    after = [c for c in slack.api_calls[before:] if c.path != "/api/oauth.v2.access"]
    assert after and {c.token for c in after} == {new}
    # stored (sealed) with its new expiry: the next commands refresh nothing
    with sqlite3.connect(database_file(distribution_env)) as db:
        [(sealed, expiry)] = db.execute(
            "SELECT bot_token, bot_token_expires_at FROM slack_installations"
        ).fetchall()
    assert new not in sealed and "xoxb" not in sealed
    assert expiry > time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + HALF_DAY - 60))
    raw = database_file(distribution_env).read_bytes()
    assert new.encode() not in raw and old.encode() not in raw
    answered(bot, slack, "T0ROT", "two")
    assert slack.refreshed == 1


@pytest.mark.parametrize("shared", ["database", "redis"])
def test_two_instances_refresh_a_token_once(
    shared: str,
    request: pytest.FixtureRequest,
    start_distributed: Callable[..., BotServer],
    slack: FakeSlack,
) -> None:
    extra = {"REDIS_URL": request.getfixturevalue("redis_url")} if shared == "redis" else {}
    one = start_distributed(**extra)
    install_expiring(one, slack, "T0TWO")
    two = start_distributed(**extra)  # the same database, WOLKVOX_SECRET_KEY (and Redis)
    slack.refresh_delay = 0.5  # both are due while the first refresh is on its way
    before = len(slack.api_calls)
    with ThreadPoolExecutor(4) as pool:
        done = [
            pool.submit(answered, bot, slack, "T0TWO", f"{shared}-{n}")
            for n, bot in enumerate([one, two, one, two])
        ]
        for future in done:
            future.result()
    assert slack.refreshed == 1  # a refresh token is spent once
    [_, new] = slack.tokens_of("T0TWO")
    used = {c.token for c in slack.api_calls[before:] if c.path != "/api/oauth.v2.access"}
    assert used == {new}
    refreshes = [c for c in slack.api_calls[before:] if c.path == "/api/oauth.v2.access"]
    assert len(refreshes) == 1
