"""The one place where errors become words: for the person who typed the command (mrkdwn,
safe to post, in their language), and a hint for whoever runs the bot (logged, and shown by
the console)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

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
    NoOperations,
    NotAdmin,
    OperationInvalid,
    OperationNeeded,
    QuotaExceeded,
    QuotaSpent,
    QuotaUnknown,
    SecretKeyError,
    SharedStateUnavailable,
    SyncLimitReached,
    TooManyAtOnce,
    TooManyRequests,
    Unavailable,
    UnknownOperation,
    WolkvoxError,
    WolkvoxRejected,
    WolkvoxTimeout,
)
from bot.i18n import N_, Translator
from bot.i18n.command_words import COMMAND, words
from bot.i18n.mrkdwn import clip, code, escape, one_line, plain
from bot.operations.model import MAX_ALIASES, MAX_DAILY_QUOTA, MAX_TOKEN_CHARS

INVITE = "`/invite @Wolkvox Sync`"


def describe(error: BotError, t: Translator) -> str:
    """What went wrong, for the user: the connector, the cause, what Wolkvox said, what to do."""
    if isinstance(error, InputError):
        # the parser writes in the user's language; other readers raise an English msgid
        return f":grey_question: {t._(str(error))}"
    if isinstance(error, ExpiredError):
        return t._(
            ":hourglass: The data behind this message for connector *{connector}* is no longer "
            "kept. Press *Refresh* to sync it again."
        ).format(connector=escape(t.connector(error.connector)))
    if isinstance(error, WolkvoxError):
        return t._(":x: Could not sync connector *{connector}*: {cause}").format(
            connector=escape(t.connector(error.connector)), cause=cause(error, t)
        )
    if isinstance(error, SyncLimitReached):
        return limit_reached(error, t)
    if isinstance(error, SharedStateUnavailable):
        return t._(
            ":x: I can't reach my shared storage right now, so I won't call Wolkvox: that "
            "could break its limit of 2 calls at once. Nothing was lost; try again in a minute."
        )
    if isinstance(error, NoOperations | UnknownOperation | OperationNeeded | NotAdmin):
        return _operation_problem(error, t)
    if isinstance(error, SecretKeyError):
        return t._(
            ":x: I can't store or read a Wolkvox token: my WOLKVOX_SECRET_KEY setting is "
            "missing or is not the key the tokens were stored with. Ask whoever runs this bot "
            "to check it."
        )
    return t._(":x: Something went wrong.")


def _operation_problem(
    error: NoOperations | UnknownOperation | OperationNeeded | NotAdmin, t: Translator
) -> str:
    """No operation at all, none of that name, which one (a bare id), not an admin."""
    if isinstance(error, NoOperations) or (isinstance(error, UnknownOperation) and not error.known):
        return no_operations(t)
    if isinstance(error, UnknownOperation):
        return t._(
            ":grey_question: There is no Wolkvox operation named {name}. The operations are "
            "{operations}."
        ).format(name=code(error.name, 40), operations=_names(error.known))
    if isinstance(error, OperationNeeded):
        return t._(
            ":grey_question: Several Wolkvox operations are set up ({operations}): which one "
            "is connector *{connector}* in? Write it as {example}, or make one the default "
            "of the channel with {use}."
        ).format(
            operations=_names(error.names),
            connector=escape(error.connector),
            example=f"`{error.names[0]}:{escape(error.connector)}`",
            use=f"`{COMMAND} {words(t).use} {error.names[0]}`",
        )
    return t._(
        ":lock: Adding, editing and removing Wolkvox operations is for this workspace's admins "
        "and owners."
    )


def no_operations(t: Translator) -> str:
    """No Wolkvox operation is set up yet: who adds one, and where."""
    return t._(
        ":wrench: No Wolkvox operation is set up yet: an admin adds one in the app's Home tab "
        "(or with {console})."
    ).format(console="`wolkvox-sync operation add`")


def operation_question(error: OperationNeeded, t: Translator) -> str:
    """The question a bare connector id gets when several operations exist and the channel
    has no default; one button per operation follows it."""
    return t._(
        ":grey_question: Several Wolkvox operations are set up: which one is connector "
        "*{connector}* in?"
    ).format(connector=escape(error.connector))


def operation_question_hint(error: OperationNeeded, t: Translator) -> str:
    """Under the question's buttons: how to skip the question next time."""
    return t._("Or write {example}; {use} makes one the default of this channel.").format(
        example=f"`{error.names[0]}:{escape(error.connector)}`",
        use=f"`{COMMAND} {words(t).use} {error.names[0]}`",
    )


OPERATION_INVALID = {
    ("name", "malformed"): N_(
        "{value} can't name an operation: 1 to 32 lowercase letters, digits, _ or -, like "
        "cliente_a."
    ),
    ("name", "taken"): N_("There is already an operation named {value}: choose another name."),
    ("name", "reserved"): N_(
        "{value} can't name an operation: it is the word that clears a channel's default operation."
    ),
    ("name", "environment"): N_(
        "{value} is the operation WOLKVOX_SERVER and WOLKVOX_TOKEN define: it changes only in "
        "the deployment's settings."
    ),
    ("name", "rename"): N_("An operation's name can't change: add a new one instead."),
    ("server", "malformed"): N_(
        "{value} is not a server code: the digits in the operation's Wolkvox address "
        "(wv0032.wolkvox.com means 0032)."
    ),
    ("token", "malformed"): N_(
        "That token can't be right: one line of at most {most} printable characters, "
        "without spaces."
    ),
    ("daily_quota", "malformed"): N_(
        "{value} is not a daily quota: a whole number from 0 to {most} (0: "
        "WOLKVOX_DAILY_QUOTA applies)."
    ),
    ("aliases", "malformed"): N_(
        "{value} is not alias=connector id, as in ventas=1234 (an alias starts with a "
        "letter; then letters, digits, _ or -)."
    ),
    ("aliases", "command_word"): N_(
        "{value} is a command word, so it can't be an alias: choose another."
    ),
    ("aliases", "taken"): N_("The alias {value} already names another connector: choose another."),
    ("aliases", "too_many"): N_("An operation has at most {most} aliases."),
    ("test_connector", "malformed"): N_("A connector is its number, like 1234."),
}
MOST = {"token": MAX_TOKEN_CHARS, "daily_quota": MAX_DAILY_QUOTA, "aliases": MAX_ALIASES}


def operation_invalid(error: OperationInvalid, t: Translator, *, console: bool = False) -> str:
    """Why a value of an operation can't be saved: plain text, one line, naming the value
    (never a token), for the App Home's form (under its field) and the console alike."""
    value = clip(one_line(error.value), 60)
    if (error.field, error.reason) == ("token", "missing"):
        if console:
            return t._(
                "No token was given: type it when asked, or send it on standard input, as in "
                "{example} < token.txt (never on the command line)."
            ).format(example="wolkvox-sync operation add cliente_a --server 0032")
        return t._("Paste the operation's API token.")
    text = t._(
        OPERATION_INVALID.get((error.field, error.reason), N_("{value} can't be used here."))
    )
    return text.format(
        value=value,
        most=t.number(MOST.get(error.field, 0)),
    )


MAX_NAMES_LISTED = 25


def _names(names: tuple[str, ...]) -> str:
    """Operations' names as code, the first MAX_NAMES_LISTED of them."""
    shown = ", ".join(code(name, 40) for name in names[:MAX_NAMES_LISTED])
    return shown + (", …" if len(names) > MAX_NAMES_LISTED else "")


def limit_reached(error: SyncLimitReached, t: Translator) -> str:
    """Why a sync was not started: too many at once, or too many in a minute, for a person,
    a workflow or the workspace's workflows."""
    seconds = t.number(math.ceil(error.retry_in))
    if isinstance(error, TooManyAtOnce):
        if error.scope == "user":
            return t.nformat(
                ":hand: You already have {count} sync running or waiting for Wolkvox, the most "
                "I run at once for one person, so others get their turn. Try again when it "
                "has answered.",
                ":hand: You already have {count} syncs running or waiting for Wolkvox, the most "
                "I run at once for one person, so others get their turn. Try again when they "
                "have answered.",
                error.limit,
            )
        return t.nformat(
            "This workflow already has {count} sync running or waiting for Wolkvox, the most "
            "I run at once for one workflow. Run it again when that one has ended.",
            "This workflow already has {count} syncs running or waiting for Wolkvox, the most "
            "I run at once for one workflow. Run it again when those have ended.",
            error.limit,
        )
    if error.scope == "workflow":
        return t.nformat(
            "This workflow has started {count} sync that asks Wolkvox in the last minute, the "
            "most I run for one workflow. Try again in {seconds} s.",
            "This workflow has started {count} syncs that ask Wolkvox in the last minute, the "
            "most I run for one workflow. Try again in {seconds} s.",
            error.limit,
            seconds=seconds,
        )
    if error.scope == "workspace":
        return t.nformat(
            "The workflows of this workspace have started {count} sync that asks Wolkvox in "
            "the last minute, the most I run for all of them together. Try again in {seconds} s.",
            "The workflows of this workspace have started {count} syncs that ask Wolkvox in "
            "the last minute, the most I run for all of them together. Try again in {seconds} s.",
            error.limit,
            seconds=seconds,
        )
    return t.nformat(
        ":hand: You have started {count} sync in the last minute, the most I run for one "
        "person. Try again in {seconds} s; answers from the cache still work (the command "
        "without {refresh}).",
        ":hand: You have started {count} syncs in the last minute, the most I run for one "
        "person. Try again in {seconds} s; answers from the cache still work (the command "
        "without {refresh}).",
        error.limit,
        seconds=seconds,
        refresh=f"`{words(t).refresh}`",
    )


# Why a sync failed, by kind of error: whole sentences with named placeholders ({said} is what
# Wolkvox said, if anything), written for the person who asked; and what whoever runs the bot
# can do about it (logged; the console shows it). The first class that matches wins.
_CAUSES: tuple[tuple[type[WolkvoxError], str, str], ...] = (
    (
        QuotaSpent,
        N_(
            "today's Wolkvox quota for this connector's token ({daily} calls) is spent, and I "
            "keep no copy of this connector to show. The quota resets at midnight UTC (for "
            "you, {resets}); connectors synced before still answer from their last copy."
        ),
        N_("WOLKVOX_DAILY_QUOTA is spent for today (counted by the bot)."),
    ),
    (
        QuotaUnknown,
        N_(
            "I can't read today's count of Wolkvox calls right now, so I won't call Wolkvox: "
            "that could spend more than the daily quota. Nothing was lost; try again in a "
            "minute."
        ),
        N_(
            "The daily quota counter (REDIS_URL or DATABASE_URL) could not be read; calls "
            "are refused until it answers."
        ),
    ),
    (
        QuotaExceeded,
        N_(
            "TOKEN LIMIT EXCEEDED: the day's API quota for this token is spent.{said} The "
            "quota resets daily; cached results still work until then."
        ),
        "",
    ),
    (
        TooManyRequests,
        N_(
            "Wolkvox refused the call because 2 requests were already running with this "
            "token (another app may be using it).{said} Try again in a minute."
        ),
        N_(
            "Another app or instance may be using this operation's token (2 calls at once at most)."
        ),
    ),
    (
        InvalidToken,
        N_(
            "Wolkvox did not accept the bot's access key.{said} Ask whoever set up this bot to "
            "check it."
        ),
        N_(
            "PLEASE VALIDATE TOKEN: check WOLKVOX_TOKEN against Wolkvox Manager > "
            "Configuration > Integrations > Tokens."
        ),
    ),
    (
        MissingToken,
        N_(
            "Wolkvox says the bot sent no access key.{said} Ask whoever set up this bot to "
            "check its settings."
        ),
        N_("HTTP 401: check that WOLKVOX_TOKEN is set."),
    ),
    (
        Forbidden,
        N_(
            "Wolkvox refused the call.{said} This also happens during Wolkvox maintenance "
            "(backups): try again later."
        ),
        N_("HTTP 403: Wolkvox maintenance, or the token lacks access to this operation."),
    ),
    (
        BadRequest,
        N_(
            "Wolkvox rejected the request.{said} Check the connector id; if it is right, ask "
            "whoever set up this bot to check its Wolkvox server setting."
        ),
        N_("HTTP 400: check the connector id and WOLKVOX_SERVER (the operation's server code)."),
    ),
    (WolkvoxRejected, N_("Wolkvox answered with error code {code}.{said}"), ""),
    (
        Busy,
        N_(
            "I'm busy with other syncs right now (Wolkvox takes 2 at a time, and none came "
            "free in time). Nothing was lost; try again in a minute."
        ),
        "",
    ),
    (
        Unavailable,
        N_(
            "Wolkvox is not available right now (HTTP {status}, a server error on their "
            "side). Try again in a few minutes."
        ),
        "",
    ),
    (
        WolkvoxTimeout,
        N_(
            "the sync timed out: Wolkvox did not answer within {seconds} seconds. Large "
            "accounts can be slow: try again in a few minutes. If it keeps happening, ask "
            "whoever set up this bot to give Wolkvox more time."
        ),
        N_("Raise WOLKVOX_TIMEOUT if this account is large."),
    ),
    (
        ConnectionFailed,
        N_(
            "could not connect to Wolkvox ({detail}). Try again in a few minutes; if it keeps "
            "happening, ask whoever set up this bot to check its Wolkvox settings."
        ),
        N_(
            "Check WOLKVOX_SERVER; if it is right, this server's IP address may be missing "
            "from the operation's allow list in Wolkvox Manager."
        ),
    ),
    (BadResponse, N_("Wolkvox's answer could not be read: {detail}. Try again later."), ""),
)
_UNKNOWN_CAUSE = N_("the sync failed ({detail}).")


def cause(error: WolkvoxError, t: Translator, now: datetime | None = None) -> str:
    """Why a Wolkvox sync failed, in a sentence or two, for the person who asked (`now` tells
    when the quota resets; the clock's time by default)."""
    sentence = next((text for kind, text, _ in _CAUSES if isinstance(error, kind)), _UNKNOWN_CAUSE)
    return t._(sentence).format(**_facts(error, t), resets=quota_resets(t, now))


def operator_hint(error: WolkvoxError, t: Translator | None = None) -> str:
    """What whoever runs the bot can do about `error` ("" when nothing): English for the log,
    translated (with `t`) for the console."""
    hint = next((h for kind, _, h in _CAUSES if isinstance(error, kind)), "")
    return t._(hint) if t is not None and hint else hint


def _facts(error: WolkvoxError, t: Translator) -> dict[str, str]:
    """The values a cause's sentence may name, each made safe for mrkdwn."""
    facts = {
        "said": _wolkvox_said(error, t),
        "detail": plain(error.detail, 120 if isinstance(error, ConnectionFailed) else 200),
        "status": str(getattr(error, "status", "")),
        "seconds": t.number(getattr(error, "seconds", 0)),
        "code": "?",
        "daily": t.number(getattr(error, "daily", 0)),
    }
    if isinstance(error, WolkvoxRejected):
        status = error.code if 200 <= error.status < 300 else str(error.status)
        facts["code"] = escape(status or "?")
    return facts


def slack_problem(error: SlackApiError, failed: str, t: Translator) -> str:
    """Why Slack refused a call, and what the user can do about it. `failed` is the whole
    clause, in the user's language: "I could not upload the CSV here"."""
    reason = (
        str(error.response.get("error") or "unknown_error") if error.response else "unknown_error"
    )
    if reason == "not_in_channel":
        text = t._(
            ":x: {failed}: I am not a member of this conversation. Invite me with {invite} and "
            "try again."
        )
    elif reason in ("channel_not_found", "is_archived"):
        text = t._(
            ":x: {failed}: I can't reach this conversation ({reason}). For a private channel, "
            "invite me with {invite}."
        )
    elif reason == "missing_scope":
        text = t._(
            ":x: {failed}: the app lacks a permission. Ask your Slack admin to reinstall it."
        )
    else:
        text = t._(":x: {failed}: Slack said {reason}.")
    return text.format(failed=failed, reason=f"`{escape(reason)}`", invite=INVITE)


def cooldown_note(retry_in: float, cooldown: float, t: Translator) -> str:
    """Shown with a refresh answered from the last sync because it came too soon after it."""
    return t._(
        ":hourglass: This connector was synced less than {cooldown} s ago, so this is that "
        "sync: Wolkvox is asked again {cooldown} s after a sync at the earliest. You can "
        "refresh again in {seconds} s."
    ).format(cooldown=t.number(cooldown), seconds=t.number(math.ceil(retry_in)))


def quota_spent_note(t: Translator, now: datetime | None = None) -> str:
    """Shown with a refresh answered from the last copy because the day's quota is spent."""
    return t._(
        ":no_entry: Today's Wolkvox quota for this connector's token is spent, so I did not ask "
        "Wolkvox again: this is the last copy. The quota resets at midnight UTC (for you, "
        "{resets})."
    ).format(resets=quota_resets(t, now))


def quota_resets(t: Translator, now: datetime | None = None) -> str:
    """When the day's quota resets (the next midnight UTC after `now`), as a Slack date each
    reader sees in their own time zone: "tomorrow at 7:00 PM"."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return t.moment(datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC))


def stale_warning(error: WolkvoxError, t: Translator) -> str:
    """Shown above an older snapshot when the fresh sync failed."""
    return t._("The fresh sync failed, so this is the last good copy. {cause}").format(
        cause=_capital(cause(error, t))
    )


def _wolkvox_said(error: WolkvoxError, t: Translator) -> str:
    if not isinstance(error, WolkvoxRejected):
        return ""
    said = " / ".join(part for part in (error.error, error.msg) if part)
    return " " + t._("Wolkvox said: “{said}”.").format(said=plain(said, 300)) if said else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def not_installed(
    t: Translator, install_url: str = "", install_path: str = "/slack/install"
) -> str:
    """What a person reads when a command comes from a workspace with no installation of the
    bot (removed, or never completed): who can fix it, and where (the install link, when the
    bot knows its public address; else the page's path)."""
    if install_url:
        return t._(
            ":electric_plug: Wolkvox Sync is not installed in this workspace any more. Ask a "
            "Slack admin of this workspace to install it again from its install link: {link}"
        ).format(link=f"<{install_url}>")
    return t._(
        ":electric_plug: Wolkvox Sync is not installed in this workspace any more. Ask a "
        "Slack admin of this workspace to install it again from its install link (the page "
        "{path} at the bot's address)."
    ).format(path=code(install_path, 60))
