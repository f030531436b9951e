"""One Wolkvox operation, and what is checked before one is saved (pure)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.errors import OperationInvalid
from bot.templates.connectors import (
    ALIAS,
    COMMAND_WORDS,
    NO_OPERATION,
    canonical_connector,
    is_connector_id,
    is_operation_name,
)

SERVER_CODE = re.compile(r"(?:wv)?(\d{1,4})", re.IGNORECASE)
MAX_TOKEN_CHARS = 512
MAX_DAILY_QUOTA = 999_999
MAX_ALIASES = 50


@dataclass(frozen=True)
class Operation:
    """A Wolkvox customer account the bot serves. `token` never shows in repr, logs or replies:
    `token_tail` (its last 4 characters) is what people see; `token_key` (a hash) names it in
    counters and keys. `daily_quota` 0 means WOLKVOX_DAILY_QUOTA (0 there too: unknown).
    `aliases` maps an alias to a connector id of this operation. `from_environment`: defined by
    WOLKVOX_SERVER/WOLKVOX_TOKEN, changed only in the deployment's settings."""

    name: str
    server: str
    token: str = field(repr=False)
    daily_quota: int = 0
    aliases: tuple[tuple[str, str], ...] = ()
    from_environment: bool = False

    @property
    def token_key(self) -> str:
        return token_key(self.token)

    @property
    def token_tail(self) -> str:
        """The token's last 4 characters (all of it hidden when it is shorter than 12)."""
        return self.token[-4:] if len(self.token) >= 12 else ""


ChangeAction = Literal["added", "edited", "removed", "rekeyed"]


@dataclass(frozen=True)
class StoredOperation:
    """An operation's row: the token sealed (`bot.operations.secrets`)."""

    name: str
    server: str
    sealed_token: str
    daily_quota: int
    aliases: tuple[tuple[str, str], ...]
    token_tail: str  # kept beside the sealed token, so listing needs no key


@dataclass(frozen=True)
class OperationChange:
    """Who changed which operation, when, and which fields (never the token's value)."""

    at: datetime
    who: str  # a Slack user id, or "console"
    operation: str
    action: ChangeAction
    fields: tuple[str, ...] = ()  # "server", "token", "daily_quota", "aliases"


def token_key(token: str) -> str:
    """A short hash naming a token in keys and rows (the quota's counter, the slots)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def read_server_code(raw: str) -> str | None:
    """An operation's server code as four digits ("wv32" -> "0032"); None when malformed."""
    match = SERVER_CODE.fullmatch(raw.strip())
    return match.group(1).zfill(4) if match else None


def check_name(name: str, taken: Iterable[str] = ()) -> str:
    name = name.strip().lower()
    if not is_operation_name(name):
        raise OperationInvalid("name", "malformed", name[:40])
    if name in NO_OPERATION:  # `use none` clears a channel's default
        raise OperationInvalid("name", "reserved", name)
    if name in set(taken):
        raise OperationInvalid("name", "taken", name)
    return name


def check_server(raw: str) -> str:
    server = read_server_code(raw)
    if server is None:
        raise OperationInvalid("server", "malformed", raw.strip()[:40])
    return server


def check_token(token: str) -> str:
    token = token.strip()
    if not token:
        raise OperationInvalid("token", "missing")
    if len(token) > MAX_TOKEN_CHARS or any(c.isspace() or not c.isprintable() for c in token):
        raise OperationInvalid("token", "malformed")  # never echoed
    return token


def check_daily_quota(raw: str) -> int:
    raw = raw.strip().replace(",", "").replace(".", "").replace("_", "")
    if not raw:
        return 0
    if not raw.isdigit() or not (0 <= int(raw) <= MAX_DAILY_QUOTA):
        raise OperationInvalid("daily_quota", "malformed", raw[:20])
    return int(raw)


def check_aliases(raw: str, taken: Mapping[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """`ventas=1234, soporte=5678` (commas or new lines) -> (("ventas", "1234"), ...).

    `taken` maps the aliases other operations (and WOLKVOX_CONNECTORS) use to what they mean:
    an alias names one connector in the whole bot."""
    taken = taken or {}
    aliases: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,\n]", raw))):
        name, sep, number = (x.strip() for x in part.partition("="))
        name = name.lower()
        if not sep or not ALIAS.fullmatch(name) or not is_connector_id(number):
            raise OperationInvalid("aliases", "malformed", part[:60])
        if name in COMMAND_WORDS:
            raise OperationInvalid("aliases", "command_word", name)
        if name in taken or name in aliases:
            raise OperationInvalid("aliases", "taken", name)
        aliases[name] = canonical_connector(number)
    if len(aliases) > MAX_ALIASES:
        raise OperationInvalid("aliases", "too_many", str(MAX_ALIASES))
    return tuple(sorted(aliases.items()))


def aliases_text(aliases: Iterable[tuple[str, str]]) -> str:
    """How the modal shows an operation's aliases: `ventas=1234, soporte=5678`."""
    return ", ".join(f"{name}={number}" for name, number in aliases)
