"""What the operations' form says when something is wrong, in the admin's language (pure).

A field's error shows under that field (Slack's `response_action: errors`, plain text); a
test sync that failed shows under the field to fix: the token ("Wolkvox did not accept this
token"), the server code (nothing answered there), or the test connector. Nothing here ever
names a token.
"""

from __future__ import annotations

from bot.errors import (
    BadRequest,
    Busy,
    ConnectionFailed,
    InvalidToken,
    MissingToken,
    OperationInvalid,
    QuotaExceeded,
    QuotaSpent,
    QuotaUnknown,
    SecretKeyError,
    TooManyRequests,
    Unavailable,
    UnknownOperation,
    WolkvoxError,
    WolkvoxTimeout,
)
from bot.i18n import Translator
from bot.i18n.messages import cause, operation_invalid
from bot.i18n.mrkdwn import clip
from bot.slack.admin.ids import SERVER_BLOCK, TEST_BLOCK, TOKEN_BLOCK
from bot.slack.views.kit import plain_fallback

MAX_ERROR = 300  # characters of an error under a field
ALIASES_EXAMPLE = "ventas=1234, soporte=5678"


def invalid(error: OperationInvalid, t: Translator) -> str:
    """Why a field can't be saved (plain text: it shows under the field)."""
    return clip(operation_invalid(error, t), MAX_ERROR)


def secret_key_missing(t: Translator) -> str:
    """Under the token when the deployment can't store one."""
    return t._(
        "Tokens are stored encrypted with WOLKVOX_SECRET_KEY, which is not set in the "
        "deployment's settings: ask whoever runs the bot to set it (`wolkvox-sync secret-key` "
        "prints one)."
    )


def not_stored(error: Exception, t: Translator) -> str:
    """A save that failed for a reason no field explains."""
    if isinstance(error, SecretKeyError):
        return t._(
            "WOLKVOX_SECRET_KEY can't store the token: ask whoever runs the bot to check it."
        )
    if isinstance(error, UnknownOperation):
        return t._("That operation no longer exists: someone removed it meanwhile.")
    return t._("I could not save it right now. Nothing changed; try again in a minute.")


def trial_failed(error: WolkvoxError, server: str, t: Translator) -> tuple[str, str]:
    """Where a failed test sync's error goes (a block id) and what it says."""
    if isinstance(error, InvalidToken | MissingToken):
        return TOKEN_BLOCK, t._("Wolkvox did not accept this token. Nothing was saved.")
    if isinstance(error, QuotaExceeded | QuotaSpent):
        return TOKEN_BLOCK, t._(
            "This token's Wolkvox quota for today is spent, so it could not be tested. "
            "Save without a test connector, or test tomorrow."
        )
    if isinstance(error, ConnectionFailed | WolkvoxTimeout | Unavailable):
        return SERVER_BLOCK, t._(
            "Wolkvox did not answer on server {server}: check the server code. Nothing was saved."
        ).format(server=server)
    if isinstance(error, Busy | TooManyRequests | QuotaUnknown):
        return TEST_BLOCK, t._(
            "This token is busy with other syncs right now: try again in a minute."
        )
    if isinstance(error, BadRequest):
        return TEST_BLOCK, t._(
            "Wolkvox did not sync this connector with this token: check the connector's number."
        )
    said = clip(_unescaped(plain_fallback(cause(error, t))), MAX_ERROR - 40)
    return TEST_BLOCK, t._("The test sync failed: {cause}").format(cause=said)


def _unescaped(text: str) -> str:
    """mrkdwn's three escapes undone: an error under a field is plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
