"""Settings, read once from the environment at start-up. Nothing else reads `os.environ`.

One small reader per concern (Slack, Wolkvox, limits, stores, notifications, schedule, access,
web) reads its variables through one `EnvReader`, which collects every problem so that a single
ConfigError names all of them. Imports nothing of the project but two pure leaf modules.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, TypeVar
from urllib.parse import quote, unquote, urlsplit

from bot.errors import ConfigError
from bot.templates.connectors import is_connector_id, read_aliases

MB = 1024 * 1024

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_CACHE_TTL = 300
DEFAULT_TIMEOUT = 30.0
DEFAULT_REFRESH_COOLDOWN = 30.0
DEFAULT_USER_SYNCS_PER_MINUTE = 20
DEFAULT_KEEP_MB = 64
DEFAULT_PORT = 3000
DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - a web dyno must listen on every interface
DEFAULT_SHUTDOWN_GRACE = 25.0
DEFAULT_DATABASE_URL = "sqlite:///./wolkvox.db"
DEFAULT_HISTORY_DAYS = 180
DEFAULT_AUTO_SYNC_MINUTES = 60.0
MIN_AUTO_SYNC_MINUTES = 0.05  # 3 seconds: short periods are for tests
MIN_METRICS_TOKEN = 16

_SERVER = re.compile(r"(?:wv)?(\d{1,4})", re.IGNORECASE)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")

_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run. Secrets are kept out of `repr`."""

    slack_bot_token: str = field(repr=False)
    wolkvox_token: str = field(repr=False)
    wolkvox_base_url: str
    wolkvox_server: str = ""
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    cache_ttl: int = DEFAULT_CACHE_TTL
    timeout: float = DEFAULT_TIMEOUT
    refresh_cooldown: float = DEFAULT_REFRESH_COOLDOWN  # 0: no cooldown
    user_syncs_per_minute: int = DEFAULT_USER_SYNCS_PER_MINUTE  # 0: no per-user limit
    keep_bytes: int = DEFAULT_KEEP_MB * MB  # snapshots kept in memory, in bytes
    notify_channel: str = ""
    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    connectors: tuple[tuple[str, str], ...] = ()
    database_url: str = DEFAULT_DATABASE_URL
    history_days: int = DEFAULT_HISTORY_DAYS
    notify_unchanged: bool = False
    language: str = "en"  # WOLKVOX_LANGUAGE: the console, WOLKVOX_NOTIFY_CHANNEL, the fallback
    auto_sync: tuple[str, ...] = ()
    auto_sync_minutes: float = DEFAULT_AUTO_SYNC_MINUTES
    allowed_users: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset()
    redis_url: str = field(default="", repr=False)  # may hold a password
    daily_quota: int = 0  # Wolkvox calls per token per day (licenses x 1,000); 0: unknown
    metrics_token: str = field(default="", repr=False)  # "": no /metrics

    @property
    def aliases(self) -> dict[str, str]:
        """Connector aliases from WOLKVOX_CONNECTORS: {"ventas": "1234"}."""
        return dict(self.connectors)

    @property
    def mode(self) -> Literal["http", "socket"]:
        """Socket Mode when an app-level token is configured, HTTP otherwise."""
        return "socket" if self.slack_app_token else "http"

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, mode: str | None = None) -> Settings:
        """Build settings from `env`; raise ConfigError naming every problem at once.

        `mode` forces "http" or "socket" ("console" needs no signing secret); by default
        SLACK_APP_TOKEN decides.
        """
        read = EnvReader(env)
        slack = _slack(read, mode)
        wolkvox = _wolkvox(read)
        aliases = _aliases(read)
        limits = _limits(read)
        stores = _stores(read)
        notifications = _notifications(read)
        schedule = _schedule(read, aliases)
        access = _access(read)
        web = _web(read)
        read.raise_problems()
        return cls(
            **slack,
            **wolkvox,
            connectors=tuple(aliases.items()),
            **limits,
            **stores,
            **notifications,
            **schedule,
            **access,
            **web,
        )


class EnvReader:
    """Reads variables from `env`; records each problem and goes on with the default."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        """Record a problem; `raise_problems` reports them all together."""
        self.problems.append(message)

    def raise_problems(self) -> None:
        """Raise one ConfigError naming every recorded problem, if there is any."""
        if self.problems:
            raise ConfigError(self.problems)

    def text(self, name: str) -> str:
        """The variable without surrounding whitespace; "" when unset."""
        return self._env.get(name, "").strip()

    def number(self, name: str, default: _N, low: _N, high: _N, unit: str) -> _N:
        """A number between `low` and `high` of the type of `default`, in `unit` (for messages)."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = type(default)(raw)
        except ValueError:
            self.problem(f"{name} must be {unit}, got {raw!r}")
            return default
        if not low <= value <= high:  # also refuses nan
            self.problem(f"{name} must be {unit} between {low:g} and {high:g}, got {raw!r}")
            return default
        return value

    def flag(self, name: str) -> bool:
        """true/false, yes/no, on/off or 1/0; unset is false."""
        raw = self.text(name).lower()
        if raw in ("", "0", "false", "no", "off"):
            return False
        if raw in ("1", "true", "yes", "on"):
            return True
        self.problem(f"{name} must be true or false, got {raw!r}")
        return False

    def ids(self, name: str, pattern: re.Pattern[str], what: str) -> frozenset[str]:
        """Comma-separated Slack ids, each matching `pattern` (`what` names them for messages)."""
        ids = [word.strip() for word in self.text(name).split(",") if word.strip()]
        bad = [i for i in ids if not pattern.fullmatch(i)]
        if bad:
            self.problem(f"{name} must be comma-separated {what}; not: {', '.join(bad[:5])}")
        return frozenset(ids)


def setting_names() -> frozenset[str]:
    """Every variable `Settings.from_env` reads."""
    names: set[str] = set()

    class Recorder(Mapping[str, str]):
        def __getitem__(self, name: str) -> str:
            names.add(name)
            raise KeyError(name)

        def __iter__(self) -> Iterator[str]:
            return iter(())

        def __len__(self) -> int:
            return 0

    with contextlib.suppress(ConfigError):
        Settings.from_env(Recorder(), mode="socket")  # socket: SLACK_APP_TOKEN is read too
    return frozenset(names)


def misspelt_settings(env: Mapping[str, str]) -> list[str]:
    """A warning for each variable in `env` whose name looks like a misspelt WOLKVOX_* or
    SLACK_* setting: `WOLKVOX_CACHE_TTLL: did you mean WOLKVOX_CACHE_TTL?`."""
    known = sorted(setting_names())
    warnings = []
    for name in sorted(env):
        prefix = name.upper().partition("_")[0]
        if name in known or not any(_similar(prefix, ours) for ours in _OUR_PREFIXES):
            continue
        likely = difflib.get_close_matches(name.upper(), known, n=1, cutoff=_LIKELY_NAME)
        if likely:
            warnings.append(f"{name}: did you mean {likely[0]}?")
    return warnings


_OUR_PREFIXES = ("WOLKVOX", "SLACK")
_LIKELY_NAME = 0.8  # difflib's similarity: TTLL for TTL, SLACK_TOKEN for SLACK_BOT_TOKEN


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.7


class _Slack(TypedDict):
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_api_url: str


def _slack(read: EnvReader, mode: str | None) -> _Slack:
    bot_token = read.text("SLACK_BOT_TOKEN")
    if not bot_token:
        read.problem(
            "SLACK_BOT_TOKEN is missing (the bot token, xoxb-..., from OAuth & Permissions)"
        )
    elif not bot_token.startswith("xoxb-"):
        read.problem("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
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
    )


def _app_token(read: EnvReader, mode: str | None) -> str:
    """SLACK_APP_TOKEN; "" when `mode` is "http" or "console", required when "socket"."""
    app_token = read.text("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        read.problem("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if mode == "socket" and not app_token:
        read.problem("SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-...)")
    return "" if mode in ("http", "console") else app_token


class _Wolkvox(TypedDict):
    wolkvox_token: str
    wolkvox_server: str
    wolkvox_base_url: str


def _wolkvox(read: EnvReader) -> _Wolkvox:
    token = read.text("WOLKVOX_TOKEN")
    if not token:
        read.problem(
            "WOLKVOX_TOKEN is missing (Wolkvox Manager > Configuration > Integrations > Tokens)"
        )
    raw_server = read.text("WOLKVOX_SERVER")
    server = _server_code(read, raw_server)
    base_url = read.text("WOLKVOX_BASE_URL").rstrip("/")
    if base_url and not _is_http_url(base_url):
        read.problem(f"WOLKVOX_BASE_URL must be an http(s) URL, got {base_url!r}")
    if not base_url and server:
        base_url = f"https://wv{server}.wolkvox.com"
    elif not base_url and not raw_server:
        read.problem(
            "WOLKVOX_SERVER is missing (the digits in your Wolkvox URL: wv0032 means 0032)"
        )
    return _Wolkvox(wolkvox_token=token, wolkvox_server=server, wolkvox_base_url=base_url)


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


def _aliases(read: EnvReader) -> dict[str, str]:
    try:
        return read_aliases(read.text("WOLKVOX_CONNECTORS"))
    except ValueError as error:
        read.problem(f"WOLKVOX_CONNECTORS: {error}; write it as ventas=1234,soporte=5678")
        return {}


class _Limits(TypedDict):
    cache_ttl: int
    timeout: float
    refresh_cooldown: float
    user_syncs_per_minute: int
    keep_bytes: int
    daily_quota: int


def _limits(read: EnvReader) -> _Limits:
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
        keep_bytes=MB
        * read.number("WOLKVOX_KEEP_MB", DEFAULT_KEEP_MB, 1, 4096, "a whole number of megabytes"),
        daily_quota=read.number(
            "WOLKVOX_DAILY_QUOTA", 0, 1, 999_999, "a whole number of calls per day"
        ),
    )


class _Stores(TypedDict):
    database_url: str
    history_days: int
    redis_url: str


def _stores(read: EnvReader) -> _Stores:
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
    redis_url = read.text("REDIS_URL")
    if redis_url and _scheme(redis_url) not in ("redis", "rediss", "unix"):
        read.problem("REDIS_URL must be a redis:// or rediss:// URL")
    return _Stores(database_url=database_url, history_days=history_days, redis_url=redis_url)


class _Notifications(TypedDict):
    notify_channel: str
    notify_unchanged: bool
    language: str


def _notifications(read: EnvReader) -> _Notifications:
    channel = read.text("WOLKVOX_NOTIFY_CHANNEL")
    if channel and not _CHANNEL_ID.fullmatch(channel):
        read.problem(
            f"WOLKVOX_NOTIFY_CHANNEL must be a channel id like C0123ABCD (not a #name); "
            f"got {channel!r}"
        )
    unchanged = read.flag("WOLKVOX_NOTIFY_UNCHANGED")
    raw = read.text("WOLKVOX_LANGUAGE") or "en"
    language = _LANGUAGES.get(raw.lower().replace("-", "_"))
    if language is None:
        read.problem(f"WOLKVOX_LANGUAGE must be en, es or pt_BR; got {raw!r}")
    return _Notifications(
        notify_channel=channel, notify_unchanged=unchanged, language=language or "en"
    )


_LANGUAGES = {"en": "en", "es": "es", "pt": "pt_BR", "pt_br": "pt_BR"}


class _Schedule(TypedDict):
    auto_sync: tuple[str, ...]
    auto_sync_minutes: float


def _schedule(read: EnvReader, aliases: Mapping[str, str]) -> _Schedule:
    """The connectors (ids or aliases) synced by themselves, and how often."""
    connectors: list[str] = []
    for word in filter(None, (w.strip() for w in read.text("WOLKVOX_AUTO_SYNC").split(","))):
        if is_connector_id(word):
            connectors.append(word)
        elif word.lower() in aliases:
            connectors.append(aliases[word.lower()])
        else:
            read.problem(f"WOLKVOX_AUTO_SYNC: {word!r} is not a connector id (digits) or an alias")
    minutes = read.number(
        "WOLKVOX_AUTO_SYNC_MINUTES",
        DEFAULT_AUTO_SYNC_MINUTES,
        MIN_AUTO_SYNC_MINUTES,
        1440.0,
        "a number of minutes",
    )
    return _Schedule(auto_sync=tuple(dict.fromkeys(connectors)), auto_sync_minutes=minutes)


class _Access(TypedDict):
    allowed_users: frozenset[str]
    allowed_channels: frozenset[str]


def _access(read: EnvReader) -> _Access:
    return _Access(
        allowed_users=read.ids("WOLKVOX_ALLOWED_USERS", _USER_ID, "user ids like U0123ABCD"),
        allowed_channels=read.ids(
            "WOLKVOX_ALLOWED_CHANNELS", _CHANNEL_ID, "channel ids like C0123ABCD"
        ),
    )


class _Web(TypedDict):
    port: int
    host: str
    shutdown_grace: float
    metrics_token: str


def _web(read: EnvReader) -> _Web:
    metrics_token = read.text("METRICS_TOKEN")
    if metrics_token and len(metrics_token) < MIN_METRICS_TOKEN:
        read.problem(f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN} characters long")
    return _Web(
        port=read.number("PORT", DEFAULT_PORT, 1, 65_535, "a port number"),
        host=read.text("HOST") or DEFAULT_HOST,
        shutdown_grace=read.number(
            "WOLKVOX_SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE, 0.0, 600.0, "a number of seconds"
        ),
        metrics_token=metrics_token,
    )


def engine_url(database_url: str) -> str:
    """DATABASE_URL as Heroku and people write it -> SQLAlchemy's async URL (without the
    options that `database_options` turns into connect arguments)."""
    return database_options(database_url)[0]


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_POSTGRES_OPTIONS = ("sslmode", "sslrootcert", "connect_timeout", "application_name")
_SQLALCHEMY_OPTIONS = ("host",)  # a Unix socket directory: SQLAlchemy's asyncpg dialect reads it


def database_options(database_url: str) -> tuple[str, dict[str, Any]]:
    """DATABASE_URL as platforms hand it out -> SQLAlchemy's async URL and asyncpg's connect
    arguments: libpq's `sslmode`, `sslrootcert`, `connect_timeout` and `application_name`
    become `ssl`, `timeout` and `server_settings`. Any other option is refused by name."""
    scheme, sep, rest = database_url.partition("://")
    if not sep:
        raise ValueError("not a URL")
    scheme = scheme.lower()
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}", {}
    if scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
        raise ValueError(f"unsupported database {scheme!r} (use sqlite:// or postgresql://)")
    location, _, query = rest.partition("?")
    options = _query_options(query)
    unknown = [name for name in options if name not in _POSTGRES_OPTIONS + _SQLALCHEMY_OPTIONS]
    if unknown:
        raise ValueError(
            f"unsupported option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(a PostgreSQL URL may have {', '.join(_POSTGRES_OPTIONS + _SQLALCHEMY_OPTIONS)})"
        )
    connect_args: dict[str, Any] = {}
    tls = _postgres_ssl(options.get("sslmode"), options.get("sslrootcert"))
    if tls is not None:
        connect_args["ssl"] = tls
    if "connect_timeout" in options:
        connect_args["timeout"] = _connect_timeout(options["connect_timeout"])
    if "application_name" in options:
        connect_args["server_settings"] = {"application_name": options["application_name"]}
    kept = "&".join(
        f"{name}={quote(value, safe='/')}"
        for name, value in options.items()
        if name in _SQLALCHEMY_OPTIONS
    )
    return f"postgresql+asyncpg://{location}{'?' if kept else ''}{kept}", connect_args


def _query_options(query: str) -> dict[str, str]:
    """`a=1&b=x%20y` -> {"a": "1", "b": "x y"}, percent-decoded as libpq does (+ stays +)."""
    options: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        name, _, value = pair.partition("=")
        options[unquote(name)] = unquote(value)
    return options


def _postgres_ssl(mode: str | None, root_cert: str | None) -> ssl.SSLContext | str | bool | None:
    """libpq's sslmode and sslrootcert as asyncpg's `ssl`: False, a mode asyncpg knows, or a
    context that verifies the server against `root_cert`. None: asyncpg's default (prefer)."""
    if mode is not None and mode not in SSL_MODES:
        raise ValueError(f"sslmode must be one of {', '.join(SSL_MODES)}; got {mode!r}")
    if root_cert == "system":  # libpq 16: the system's CAs, and only with full verification
        if mode not in (None, "verify-full"):
            raise ValueError("sslrootcert=system needs sslmode=verify-full")
        return ssl.create_default_context()
    if mode is None or mode == "disable":
        return None if mode is None else False
    if not root_cert or mode in ("allow", "prefer"):  # libpq verifies nothing in these modes
        return mode
    try:  # require with a root certificate verifies it, as libpq does (like verify-ca)
        context = ssl.create_default_context(cafile=root_cert)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"sslrootcert {root_cert!r} cannot be read ({error})") from None
    context.check_hostname = mode == "verify-full"
    return context


def _connect_timeout(raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:  # also refuses nan
        raise ValueError(f"connect_timeout must be a number of seconds above 0; got {raw!r}")
    return seconds


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed [ in the host
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme
    except ValueError:
        return ""
