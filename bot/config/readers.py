"""One small reader per concern of the settings: Slack, Wolkvox, limits, stores,
notifications, schedule, access and the web server. Each reads its variables through the one
`EnvReader` and returns what `Settings` holds of it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import TypedDict
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.database import engine_url
from bot.config.defaults import (
    DEFAULT_AUTO_SYNC_MINUTES,
    DEFAULT_CACHE_TTL,
    DEFAULT_DATABASE_URL,
    DEFAULT_HISTORY_DAYS,
    DEFAULT_HOST,
    DEFAULT_KEEP_MB,
    DEFAULT_OPERATION_NAME,
    DEFAULT_PORT,
    DEFAULT_REFRESH_COOLDOWN,
    DEFAULT_SHUTDOWN_GRACE,
    DEFAULT_SLACK_API_URL,
    DEFAULT_TIMEOUT,
    DEFAULT_TIMEZONE,
    DEFAULT_USER_SYNCS_AT_ONCE,
    DEFAULT_USER_SYNCS_PER_MINUTE,
    DEFAULT_WORKFLOW_SYNCS_PER_MINUTE,
    DEFAULT_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE,
    MB,
    MIN_AUTO_SYNC_MINUTES,
    MIN_METRICS_TOKEN,
    OPERATION_BASE_URL,
    REDIRECT_PATH,
)
from bot.config.env import EnvReader
from bot.errors import SecretKeyError
from bot.operations.secrets import read_secret_keys
from bot.templates.connectors import (
    canonical_connector,
    is_connector_word,
    is_operation_name,
    read_aliases,
)

_SERVER = re.compile(r"(?:wv)?(\d{1,4})", re.IGNORECASE)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


# What each reader gives Settings.


class _Slack(TypedDict):
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_api_url: str
    slack_client_id: str
    slack_client_secret: str
    slack_redirect_uri: str


class _Wolkvox(TypedDict):
    wolkvox_token: str
    wolkvox_server: str
    wolkvox_base_url: str
    operation_name: str
    secret_keys: tuple[str, ...]
    admins: frozenset[str]


class _Limits(TypedDict):
    cache_ttl: int
    timeout: float
    refresh_cooldown: float
    user_syncs_per_minute: int
    workflow_syncs_per_minute: int
    workspace_workflow_syncs_per_minute: int
    syncs_at_once: int
    keep_bytes: int
    daily_quota: int


class _Stores(TypedDict):
    database_url: str
    history_days: int
    redis_url: str


class _Notifications(TypedDict):
    notify_channel: str
    notify_unchanged: bool
    language: str
    timezone: tzinfo


class _Schedule(TypedDict):
    auto_sync: tuple[str, ...]
    auto_sync_minutes: float


class _Access(TypedDict):
    allowed_users: frozenset[str]
    allowed_channels: frozenset[str]


class _Web(TypedDict):
    port: int
    host: str
    shutdown_grace: float
    metrics_token: str


def slack(read: EnvReader, mode: str | None) -> _Slack:
    """The Slack app's credentials. SLACK_BOT_TOKEN serves one workspace (the default);
    without it, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET serve every workspace that installs the
    app from its link (distribution mode)."""
    client_id, client_secret = read.text("SLACK_CLIENT_ID"), read.text("SLACK_CLIENT_SECRET")
    distributed = bool(client_id and client_secret) and not read.text("SLACK_BOT_TOKEN")
    bot_token = read.checked(
        "SLACK_BOT_TOKEN",
        lambda token: token.startswith("xoxb-"),
        "SLACK_BOT_TOKEN must be a bot token starting with xoxb-",
        missing=""
        if distributed
        else "SLACK_BOT_TOKEN is missing (the bot token, xoxb-..., from OAuth & Permissions)",
    )
    if bool(client_id) != bool(client_secret) and not bot_token:
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        read.problem(
            f"{missing} is missing: installing from a link (distribution mode) needs "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information > App Credentials)"
        )
    redirect_uri = read.checked(
        "SLACK_REDIRECT_URI",
        lambda url: _is_http_url(url) and url.rstrip("/").endswith(REDIRECT_PATH),
        f"SLACK_REDIRECT_URI must be the https URL of {REDIRECT_PATH} on this app's host, "
        "got {got}",
    )
    app_token = _app_token(read, mode)
    signing_secret = read.text("SLACK_SIGNING_SECRET")
    if not app_token and not signing_secret and mode != "console":
        read.problem(
            "SLACK_SIGNING_SECRET is missing (Basic Information > App Credentials); "
            "HTTP mode needs it to verify requests from Slack"
        )
    api_url = read.text("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not _is_http_url(api_url):
        read.problem(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    elif not api_url.endswith("/"):
        api_url += "/"
    return _Slack(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=api_url,
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        slack_redirect_uri=redirect_uri,
    )


def distribution(read: EnvReader, slack: _Slack, wolkvox: _Wolkvox) -> None:
    """Distribution mode stores each workspace's Slack tokens encrypted: WOLKVOX_SECRET_KEY
    is required then."""
    distributed = (
        slack["slack_client_id"] and slack["slack_client_secret"] and not slack["slack_bot_token"]
    )
    if distributed and not wolkvox["secret_keys"] and not read.text("WOLKVOX_SECRET_KEY"):
        read.problem(
            "WOLKVOX_SECRET_KEY is missing: installing from a link (SLACK_CLIENT_ID) stores each "
            "workspace's Slack tokens encrypted with it (`wolkvox-sync secret-key` prints one)"
        )


def _app_token(read: EnvReader, mode: str | None) -> str:
    """SLACK_APP_TOKEN; "" when `mode` is "http" or "console", required when "socket"."""
    app_token = read.checked(
        "SLACK_APP_TOKEN",
        lambda token: token.startswith("xapp-"),
        "SLACK_APP_TOKEN must be an app-level token starting with xapp-",
        missing="SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-...)"
        if mode == "socket"
        else "",
    )
    return "" if mode in ("http", "console") else app_token


def wolkvox(read: EnvReader) -> _Wolkvox:
    """The environment's operation (WOLKVOX_SERVER + WOLKVOX_TOKEN, both or neither: without
    them the bot starts with no operation and admins add them in Slack), WOLKVOX_BASE_URL
    (`{server}` in it is each operation's server code), the secret keys and the admins."""
    token = read.text("WOLKVOX_TOKEN")
    raw_server = read.text("WOLKVOX_SERVER")
    server = _server_code(read, raw_server)
    base_url = read.text("WOLKVOX_BASE_URL").rstrip("/")
    if base_url and not _is_http_url(base_url.replace("{server}", "0000")):
        read.problem(f"WOLKVOX_BASE_URL must be an http(s) URL, got {base_url!r}")
    if token and not raw_server and (not base_url or "{server}" in base_url):
        read.problem(
            "WOLKVOX_SERVER is missing (the digits in your Wolkvox URL: wv0032 means 0032)"
        )
    if raw_server and not token:
        read.problem(
            "WOLKVOX_TOKEN is missing (Wolkvox Manager > Configuration > Integrations > Tokens)"
        )
    if not base_url:
        base_url = OPERATION_BASE_URL
    name = read.text("WOLKVOX_OPERATION_NAME").lower() or DEFAULT_OPERATION_NAME
    if not is_operation_name(name):
        read.problem(
            f"WOLKVOX_OPERATION_NAME must be 1 to 32 of a-z, 0-9, _ and -, got {name[:40]!r}"
        )
    keys: tuple[str, ...] = ()
    try:
        keys = read_secret_keys(read.text("WOLKVOX_SECRET_KEY"))
    except SecretKeyError as error:
        read.problem(str(error))
    return _Wolkvox(
        wolkvox_token=token,
        wolkvox_server=server,
        wolkvox_base_url=base_url,
        operation_name=name,
        secret_keys=keys,
        admins=read.ids("WOLKVOX_ADMINS", _USER_ID, "user ids like U0123ABCD"),
    )


def _server_code(read: EnvReader, raw: str) -> str:
    """WOLKVOX_SERVER as four digits ("wv32" -> "0032"); "" when unset or malformed."""
    if not raw:
        return ""
    match = _SERVER.fullmatch(raw)
    if not match:
        read.problem(
            f"WOLKVOX_SERVER must be the operation's server code, like 0032 or wv0032; got {raw!r}"
        )
        return ""
    return match.group(1).zfill(4)


def aliases(read: EnvReader) -> dict[str, str]:
    try:
        return read_aliases(read.text("WOLKVOX_CONNECTORS"))
    except ValueError as error:
        read.problem(f"WOLKVOX_CONNECTORS: {error}; write it as ventas=1234,soporte=5678")
        return {}


def limits(read: EnvReader) -> _Limits:
    """How long results are reused and Wolkvox is waited for, and what bounds its use."""
    seconds = "a number of seconds"
    return _Limits(
        cache_ttl=read.number(
            "WOLKVOX_CACHE_TTL", DEFAULT_CACHE_TTL, 1, 86_400, "a whole number of seconds"
        ),
        timeout=read.number("WOLKVOX_TIMEOUT", DEFAULT_TIMEOUT, 0.1, 120.0, seconds),
        refresh_cooldown=read.number(
            "WOLKVOX_REFRESH_COOLDOWN", DEFAULT_REFRESH_COOLDOWN, 0.0, 3600.0, seconds
        ),
        user_syncs_per_minute=read.number(
            "WOLKVOX_USER_SYNCS_PER_MINUTE",
            DEFAULT_USER_SYNCS_PER_MINUTE,
            0,
            1000,
            "a whole number of syncs per minute",
        ),
        workflow_syncs_per_minute=read.number(
            "WOLKVOX_WORKFLOW_SYNCS_PER_MINUTE",
            DEFAULT_WORKFLOW_SYNCS_PER_MINUTE,
            0,
            1000,
            "a whole number of syncs per minute",
        ),
        workspace_workflow_syncs_per_minute=read.number(
            "WOLKVOX_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE",
            DEFAULT_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE,
            0,
            10_000,
            "a whole number of syncs per minute",
        ),
        syncs_at_once=read.number(
            "WOLKVOX_USER_SYNCS_AT_ONCE",
            DEFAULT_USER_SYNCS_AT_ONCE,
            1,
            2,
            "1 or 2",
        ),
        keep_bytes=MB
        * read.number("WOLKVOX_KEEP_MB", DEFAULT_KEEP_MB, 1, 4096, "a whole number of megabytes"),
        daily_quota=read.number(
            "WOLKVOX_DAILY_QUOTA", 0, 1, 999_999, "a whole number of calls per day"
        ),
    )


def stores(read: EnvReader) -> _Stores:
    """Where history lives and for how long, and the Redis that instances share."""
    database_url = read.text("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        engine_url(database_url)
    except ValueError as error:
        read.problem(
            f"DATABASE_URL: {error}; e.g. sqlite:///./wolkvox.db or postgresql://user@host/db"
        )
    history_days = read.number(
        "WOLKVOX_HISTORY_DAYS", DEFAULT_HISTORY_DAYS, 1, 36_500, "a whole number of days"
    )
    redis_url = read.checked(
        "REDIS_URL",
        lambda url: _scheme(url) in ("redis", "rediss", "unix"),
        "REDIS_URL must be a redis:// or rediss:// URL",
    )
    return _Stores(database_url=database_url, history_days=history_days, redis_url=redis_url)


def notifications(read: EnvReader) -> _Notifications:
    channel = read.checked(
        "WOLKVOX_NOTIFY_CHANNEL",
        _CHANNEL_ID.fullmatch,
        "WOLKVOX_NOTIFY_CHANNEL must be a channel id like C0123ABCD (not a #name); got {got}",
    )
    unchanged = read.flag("WOLKVOX_NOTIFY_UNCHANGED")
    raw = read.text("WOLKVOX_LANGUAGE") or "en"
    language = _LANGUAGES.get(raw.lower().replace("-", "_"))
    if language is None:
        read.problem(f"WOLKVOX_LANGUAGE must be en, es or pt_BR; got {raw!r}")
    return _Notifications(
        notify_channel=channel,
        notify_unchanged=unchanged,
        language=language or "en",
        timezone=_timezone(read),
    )


def _timezone(read: EnvReader) -> tzinfo:
    """WOLKVOX_TIMEZONE: where digests' 09:00 is (an IANA name; UTC by default)."""
    name = read.text("WOLKVOX_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        if not _TIMEZONE.fullmatch(name):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        read.problem(
            "WOLKVOX_TIMEZONE must be an IANA time zone name like America/Bogota or "
            f"America/Sao_Paulo (digests go out at 09:00 there); got {name[:60]!r}"
        )
        return ZoneInfo(DEFAULT_TIMEZONE)


_TIMEZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}")


_LANGUAGES = {"en": "en", "es": "es", "pt": "pt_BR", "pt_br": "pt_BR"}


def schedule(read: EnvReader, aliases: Mapping[str, str]) -> _Schedule:
    """The connectors (ids or aliases) synced by themselves, and how often."""
    connectors: list[str] = []
    for word in filter(None, (w.strip() for w in read.text("WOLKVOX_AUTO_SYNC").split(","))):
        if is_connector_word(word.lower()):
            connectors.append(canonical_connector(word.lower()))
        elif word.lower() in aliases:
            connectors.append(aliases[word.lower()])
        else:
            read.problem(
                f"WOLKVOX_AUTO_SYNC: {word!r} is not a connector id (digits), "
                "operation:digits or an alias"
            )
    minutes = read.number(
        "WOLKVOX_AUTO_SYNC_MINUTES",
        DEFAULT_AUTO_SYNC_MINUTES,
        MIN_AUTO_SYNC_MINUTES,
        1440.0,
        "a number of minutes",
    )
    return _Schedule(auto_sync=tuple(dict.fromkeys(connectors)), auto_sync_minutes=minutes)


def access(read: EnvReader) -> _Access:
    return _Access(
        allowed_users=read.ids("WOLKVOX_ALLOWED_USERS", _USER_ID, "user ids like U0123ABCD"),
        allowed_channels=read.ids(
            "WOLKVOX_ALLOWED_CHANNELS", _CHANNEL_ID, "channel ids like C0123ABCD"
        ),
    )


def web(read: EnvReader) -> _Web:
    metrics_token = read.checked(
        "METRICS_TOKEN",
        lambda token: len(token) >= MIN_METRICS_TOKEN,
        f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN} characters long",
    )
    return _Web(
        port=read.number("PORT", DEFAULT_PORT, 1, 65_535, "a port number"),
        host=read.text("HOST") or DEFAULT_HOST,
        shutdown_grace=read.number(
            "WOLKVOX_SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE, 0.0, 600.0, "a number of seconds"
        ),
        metrics_token=metrics_token,
    )


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed [ in the host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _scheme(url: str) -> str:
    try:
        return str(urlsplit(url).scheme)
    except ValueError:
        return ""
