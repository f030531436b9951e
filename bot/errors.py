"""Every error the bot raises on purpose, in one tree.

    BotError
    ├── ConfigError            settings missing or malformed (start-up)
    ├── InputError             a command or button the bot cannot read
    ├── ExpiredError           a button whose data is no longer kept
    ├── SyncLimitReached       syncs per minute of one person, workflow runner or workspace
    │   └── TooManyAtOnce      one caller's syncs running or waiting at once
    ├── SharedStateUnavailable Redis (REDIS_URL), or the database's Wolkvox slots, unreachable
    ├── OperationError         a Wolkvox operation can't be used, added or changed as asked
    │   ├── NoOperations           none is set up yet: an admin has to add one
    │   ├── UnknownOperation       no operation has that name (or it was removed)
    │   ├── OperationNeeded        a bare connector id, several operations, no channel default
    │   ├── OperationInvalid       a field of an operation is wrong (name, server, quota, alias)
    │   └── NotAdmin               managing operations is for the workspace's admins
    ├── SecretKeyError         WOLKVOX_SECRET_KEY missing (to store a token) or not the key used
    └── WolkvoxError           the sync did not give templates
        ├── WolkvoxRejected    Wolkvox answered with an error code
        │   ├── BadRequest         400
        │   ├── MissingToken       401 PLEASE ENTER THE WOLKVOX-TOKEN
        │   ├── InvalidToken       403 PLEASE VALIDATE TOKEN
        │   ├── QuotaExceeded      403 TOKEN LIMIT EXCEEDED
        │   ├── TooManyRequests    403 EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS
        │   └── Forbidden          any other 403 (maintenance, backups)
        ├── Unavailable        HTTP 5xx
        ├── BadResponse        not JSON, truncated, wrong shape, too large
        ├── WolkvoxTimeout     no answer within WOLKVOX_TIMEOUT
        ├── ConnectionFailed   refused, reset, DNS
        ├── Busy               no free slot within WOLKVOX_TIMEOUT, or too many syncs waiting
        ├── QuotaSpent         the bot's count says the day's WOLKVOX_DAILY_QUOTA is spent
        └── QuotaUnknown       the quota counter could not be read: not called, to be safe

What the user reads for each is decided in one place: `bot.i18n.messages`.
"""

from __future__ import annotations

from typing import Literal


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(BotError):
    """One or more settings are missing or malformed; `problems` names each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class InputError(BotError):
    """The user's input can't be read; the message says what was wrong and how to write it."""


class ExpiredError(BotError):
    """A button refers to data the bot no longer keeps."""

    def __init__(self, connector: str, query: str = "") -> None:
        self.connector = connector
        self.query = query
        super().__init__(f"data for connector {connector} expired")


LimitScope = Literal["user", "workflow", "workspace"]


class SyncLimitReached(BotError):
    """More syncs in a minute than allowed for `scope`: a person (WOLKVOX_USER_SYNCS_PER_MINUTE),
    a workflow runner (WOLKVOX_WORKFLOW_SYNCS_PER_MINUTE) or a workspace's workflow steps
    (WOLKVOX_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE)."""

    def __init__(
        self, connector: str, limit: int, retry_in: float, scope: LimitScope = "user"
    ) -> None:
        self.connector = connector
        self.limit = limit
        self.retry_in = retry_in
        self.scope = scope
        super().__init__(f"connector {connector}: {limit} syncs a minute reached ({scope})")


class TooManyAtOnce(SyncLimitReached):
    """One person (or workflow runner) already has `limit` syncs running or waiting for a
    Wolkvox slot (WOLKVOX_USER_SYNCS_AT_ONCE)."""

    def __init__(self, connector: str, limit: int, scope: LimitScope = "user") -> None:
        super().__init__(connector, limit, 0.0, scope)
        self.args = (f"connector {connector}: {limit} syncs at once reached ({scope})",)


class SharedStateUnavailable(BotError):
    """What several instances share did not answer: Redis (after its client's retries), or the
    database's table of Wolkvox slots per token (without Redis)."""


class OperationError(BotError):
    """A Wolkvox operation can't be used, added or changed as asked."""


class NoOperations(OperationError):
    """No operation is set up: an admin adds one in the App Home (or the console)."""

    def __init__(self) -> None:
        super().__init__("no Wolkvox operation is set up")


class UnknownOperation(OperationError):
    """No operation is named `name` (never was, or it was removed); `known` lists those that are."""

    def __init__(self, name: str, known: tuple[str, ...] = ()) -> None:
        self.name = name
        self.known = known
        super().__init__(f"no operation named {name!r}")


class OperationNeeded(OperationError):
    """A bare connector id while several operations exist and the channel has no default:
    which one? (`names`: the operations to choose from.) Nothing was called."""

    def __init__(self, connector: str, names: tuple[str, ...]) -> None:
        self.connector = connector
        self.names = names
        super().__init__(f"connector {connector}: which operation? ({', '.join(names)})")


class OperationInvalid(OperationError):
    """A field of an operation is wrong: `field` is name, server, token, daily_quota, aliases,
    test_connector; `reason` a short English code the catalog words (see bot.i18n.messages)."""

    def __init__(self, field: str, reason: str, value: str = "") -> None:
        self.field = field
        self.reason = reason
        self.value = value  # never the token
        super().__init__(f"{field}: {reason}" + (f" ({value!r})" if value else ""))


class NotAdmin(OperationError):
    """Adding, editing or removing an operation is for Slack workspace admins and owners and
    the people in WOLKVOX_ADMINS."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        super().__init__(f"{user_id} is not an admin")


class SecretKeyError(BotError):
    """WOLKVOX_SECRET_KEY is missing while a token must be stored, malformed, or none of its
    keys opens a stored token. The message names the variable, never a key or a token."""


class WolkvoxError(BotError):
    """A sync of `connector` failed."""

    def __init__(self, connector: str, detail: str = "") -> None:
        self.connector = connector
        self.detail = detail
        super().__init__(f"connector {connector}: {type(self).__name__}: {detail}".rstrip(": "))


class WolkvoxRejected(WolkvoxError):
    """Wolkvox answered with an error: HTTP status or body `code`, plus its `error` and `msg`."""

    def __init__(self, connector: str, status: int, code: str, error: str, msg: str) -> None:
        self.status = status
        self.code = code
        self.error = error
        self.msg = msg
        said = " / ".join(part for part in (error, msg) if part)
        super().__init__(connector, f"HTTP {status}, code {code or '-'}: {said}")


class BadRequest(WolkvoxRejected):
    pass


class MissingToken(WolkvoxRejected):
    pass


class InvalidToken(WolkvoxRejected):
    pass


class QuotaExceeded(WolkvoxRejected):
    pass


class TooManyRequests(WolkvoxRejected):
    pass


class Forbidden(WolkvoxRejected):
    pass


class Unavailable(WolkvoxError):
    """Wolkvox answered HTTP 5xx."""

    def __init__(self, connector: str, status: int) -> None:
        self.status = status
        super().__init__(connector, f"HTTP {status}")


class BadResponse(WolkvoxError):
    """The answer could not be read (HTML page, truncated JSON, wrong shape, too large)."""


class WolkvoxTimeout(WolkvoxError):
    """No complete answer within the configured timeout."""

    def __init__(self, connector: str, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(connector, f"no answer within {seconds:g} s")


class ConnectionFailed(WolkvoxError):
    """The connection was refused, reset or could not be made."""


class Busy(WolkvoxError):
    """The bot is busy with other syncs: no slot for a Wolkvox call came free within the
    timeout, or too many syncs were already waiting for one. Wolkvox was not called."""


class QuotaSpent(WolkvoxError):
    """The bot's own count says the day's WOLKVOX_DAILY_QUOTA for this token is spent: Wolkvox
    was not called."""

    def __init__(self, connector: str, daily: int) -> None:
        self.daily = daily
        super().__init__(connector, f"{daily} calls today, the daily quota")


class QuotaUnknown(WolkvoxError):
    """The quota counter (Redis or the database) could not be read or written, so the call was
    not made: better refuse than spend past WOLKVOX_DAILY_QUOTA."""
