"""Checks at start, before serving: each problem is one line that says what to do.

- settings still holding the examples of .env.example refuse to start;
- `auth.test` with the bot token: a token Slack refuses stops the start, a Slack that can't be
  reached is a warning (the bot starts anyway and Slack may come back);
- a database that can't be reached stops the start, naming its host (never the password).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.config import Settings
from bot.ops.banner import database_host, database_url_parts
from bot.ops.health import first_line

log = logging.getLogger(__name__)

# The placeholders .env.example ships with (tests/test_preflight.py checks they match).
EXAMPLE_VALUES = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "WOLKVOX_TOKEN": "your-wolkvox-token",
}
# auth.test errors that mean the token itself is no good (not that Slack is unwell)
REFUSED_TOKEN = frozenset({"invalid_auth", "token_revoked", "account_inactive", "token_expired"})
SLACK_SECONDS = 10.0
DATABASE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Check:
    """A check's verdict: `problem` stops the start, `warning` is logged and the start goes on."""

    problem: str = ""
    warning: str = ""


def example_values(settings: Settings) -> Check:
    """Settings that still hold .env.example's placeholders."""
    values = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "WOLKVOX_TOKEN": settings.wolkvox_token,
    }
    left = [name for name, example in EXAMPLE_VALUES.items() if values[name] == example]
    if not left:
        return Check()
    names = " and ".join(left) if len(left) <= 2 else ", ".join(left)
    return Check(
        problem=f"{names} still hold{'s' if len(left) == 1 else ''} the example value from "
        ".env.example: put your own in .env (see .env.example for where to find each)"
    )


async def bot_token(settings: Settings, *, seconds: float = SLACK_SECONDS) -> Check:
    """Ask Slack's auth.test whether SLACK_BOT_TOKEN works (distribution mode has none)."""
    if settings.distribution:  # each workspace's token is checked when its requests come
        return Check()
    client = AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=int(seconds)
    )
    try:
        async with asyncio.timeout(seconds):
            await client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", "")) if error.response is not None else ""
        if code in REFUSED_TOKEN:
            return Check(
                problem=f"Slack refused SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token "
                "(xoxb-...) from your app's OAuth & Permissions page; reinstall the app to "
                "your workspace if it was removed"
            )
        return Check(warning=f"Slack's auth.test answered {code or 'an error'}")
    except Exception as error:  # unreachable in any way: start anyway
        return Check(
            warning=f"could not reach Slack at {settings.slack_api_url} to check "
            f"SLACK_BOT_TOKEN ({first_line(error)}); starting anyway"
        )
    return Check()


async def database(database_url: str, *, seconds: float = DATABASE_SECONDS) -> Check:
    """Connect to DATABASE_URL once (SELECT 1) within `seconds`."""
    from bot.database.store import create_engine

    where = database_host(database_url)
    try:
        engine = create_engine(database_url)
    except (ArgumentError, ValueError, ImportError) as error:
        return Check(problem=f"DATABASE_URL can't be used ({redacted(error, database_url)})")
    try:
        async with asyncio.timeout(seconds):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return Check(
            problem=f"the database at {where} did not answer within {seconds:g} s: "
            "check DATABASE_URL and that the database runs and accepts connections from here"
        )
    except Exception as error:  # any failure to connect is this one problem
        return Check(
            problem=f"the database at {where} can't be reached "
            f"({redacted(error, database_url)}): check DATABASE_URL and that the database runs"
        )
    finally:
        await engine.dispose()
    return Check()


def redacted(error: BaseException, database_url: str) -> str:
    """The first line of an error, without DATABASE_URL's password."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    reason = first_line(cause)
    url = database_url_parts(database_url)
    if url is not None and url.password:
        reason = reason.replace(str(url.password), "***")
    return reason
