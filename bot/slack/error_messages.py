"""The one place where errors become words a user reads (mrkdwn, safe to post)."""

from __future__ import annotations

import math

from slack_sdk.errors import SlackApiError

from bot.errors import (
    BadRequest,
    BadResponse,
    BotError,
    Busy,
    ConnectionFailed,
    ExpiredError,
    Forbidden,
    InputError,
    InvalidToken,
    MissingToken,
    QuotaExceeded,
    SharedStateUnavailable,
    SyncLimitReached,
    TooManyRequests,
    Unavailable,
    WolkvoxError,
    WolkvoxRejected,
    WolkvoxTimeout,
)
from bot.slack.mrkdwn import escape, plain


def describe(error: BotError) -> str:
    """What went wrong, for the user: the connector, the cause, what Wolkvox said, what to do."""
    if isinstance(error, InputError):
        return f":grey_question: {error}"
    if isinstance(error, ExpiredError):
        return (
            f":hourglass: The data behind this message for connector *{escape(error.connector)}* "
            "is no longer kept. Press *Refresh* to sync it again."
        )
    if isinstance(error, WolkvoxError):
        return f":x: Could not sync connector *{escape(error.connector)}*: {cause(error)}"
    if isinstance(error, SyncLimitReached):
        return (
            f":hand: You have started {error.limit:,} syncs in the last minute, the most I run "
            f"for one person. Try again in {math.ceil(error.retry_in):,} s; answers from the "
            f"cache still work (the command without `--refresh`)."
        )
    if isinstance(error, SharedStateUnavailable):
        return (
            ":x: The bot's shared state (Redis) can't be reached right now, so I won't call "
            "Wolkvox: that could break its limit of 2 calls at once. Nothing was lost; try "
            "again in a minute."
        )
    return ":x: Something went wrong."


# Why a sync failed, by kind of error: whole sentences with named placeholders ({said} is what
# Wolkvox said, if anything). The first class in this order that matches wins.
_CAUSES: tuple[tuple[type[WolkvoxError], str], ...] = (
    (
        QuotaExceeded,
        "TOKEN LIMIT EXCEEDED: the day's API quota for this token is spent.{said} "
        "The quota resets daily; cached results still work until then.",
    ),
    (
        TooManyRequests,
        "Wolkvox refused the call because 2 requests were already running with this token "
        "(another app or instance may be using it).{said} Try again in a minute.",
    ),
    (
        InvalidToken,
        "Wolkvox did not accept the token (PLEASE VALIDATE TOKEN).{said} "
        "Check WOLKVOX_TOKEN against Wolkvox Manager > Configuration > Integrations > Tokens.",
    ),
    (
        MissingToken,
        "Wolkvox says no token was sent (HTTP 401).{said} Check that WOLKVOX_TOKEN is set.",
    ),
    (
        Forbidden,
        "Wolkvox refused the call (HTTP 403).{said} This also happens during Wolkvox "
        "maintenance (backups): try again later.",
    ),
    (
        BadRequest,
        "Wolkvox rejected the request (HTTP 400).{said} Check the connector id and "
        "WOLKVOX_SERVER (the operation's server code).",
    ),
    (WolkvoxRejected, "Wolkvox answered with error code {code}.{said}"),
    (
        Busy,
        "I'm busy with other syncs right now (Wolkvox takes 2 at a time per token, and none "
        "came free in time). Nothing was lost; try again in a minute.",
    ),
    (
        Unavailable,
        "Wolkvox is not available right now (HTTP {status}, a server error on their side). "
        "Try again in a few minutes.",
    ),
    (
        WolkvoxTimeout,
        "the sync timed out: Wolkvox did not answer within {seconds} seconds. "
        "Large accounts can be slow; try again, or raise WOLKVOX_TIMEOUT.",
    ),
    (
        ConnectionFailed,
        "could not connect to Wolkvox ({detail}). Check WOLKVOX_SERVER; if it is right, this "
        "server's IP address may be missing from the operation's allow list in Wolkvox Manager.",
    ),
    (BadResponse, "Wolkvox's answer could not be read: {detail}."),
)
_UNKNOWN_CAUSE = "the sync failed ({detail})."


def cause(error: WolkvoxError) -> str:
    """Why a Wolkvox sync failed, in a sentence or two."""
    sentence = next((text for kind, text in _CAUSES if isinstance(error, kind)), _UNKNOWN_CAUSE)
    return sentence.format(**_facts(error))


def _facts(error: WolkvoxError) -> dict[str, str]:
    """The values a cause's sentence may name, each made safe for mrkdwn."""
    facts = {
        "said": _wolkvox_said(error),
        "detail": plain(error.detail, 120 if isinstance(error, ConnectionFailed) else 200),
        "status": str(getattr(error, "status", "")),
        "seconds": f"{getattr(error, 'seconds', 0):g}",
        "code": "?",
    }
    if isinstance(error, WolkvoxRejected):
        status = error.code if 200 <= error.status < 300 else str(error.status)
        facts["code"] = escape(status or "?")
    return facts


def slack_problem(error: SlackApiError, doing: str) -> str:
    """Why Slack refused a call, and what the user can do about it."""
    reason = (
        str(error.response.get("error") or "unknown_error") if error.response else "unknown_error"
    )
    if reason == "not_in_channel":
        return (
            f":x: I could not {doing} here: I am not a member of this conversation. Invite me "
            "with `/invite @Wolkvox Sync` and try again."
        )
    if reason in ("channel_not_found", "is_archived"):
        return (
            f":x: I could not {doing} here: I can't reach this conversation ({escape(reason)}). "
            "For a private channel, invite me with `/invite @Wolkvox Sync`."
        )
    if reason == "missing_scope":
        return (
            f":x: I could not {doing} here: the app lacks a permission. Reinstall it with the "
            "scopes in manifest.yml."
        )
    return f":x: I could not {doing} here: Slack said `{escape(reason)}`."


def cooldown_note(retry_in: float, cooldown: float) -> str:
    """Shown with a refresh answered from the last sync because it came too soon after it."""
    return (
        f":hourglass: This connector was synced less than {cooldown:g} s ago, so this is that "
        f"sync: Wolkvox is asked again {cooldown:g} s after a sync at the earliest. You can "
        f"refresh again in {math.ceil(retry_in):,} s."
    )


def stale_warning(error: WolkvoxError) -> str:
    """Shown above an older snapshot when the fresh sync failed."""
    return f"The fresh sync failed, so this is the last good copy. {_capital(cause(error))}"


def _wolkvox_said(error: WolkvoxError) -> str:
    if not isinstance(error, WolkvoxRejected):
        return ""
    words = " / ".join(part for part in (error.error, error.msg) if part)
    return f" Wolkvox said: “{plain(words, 300)}”." if words else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
