"""Settings, read once from the environment at start-up. Nothing else reads `os.environ`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.templates.connectors import is_connector_id, read_aliases

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_CACHE_TTL = 300
DEFAULT_TIMEOUT = 30.0
DEFAULT_PORT = 3000
DEFAULT_DATABASE_URL = "sqlite:///./wolkvox.db"
DEFAULT_AUTO_SYNC_MINUTES = 60
DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - a web dyno must listen on every interface

_SERVER = re.compile(r"(?:wv)?(\d{1,4})", re.IGNORECASE)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


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
    notify_channel: str = ""
    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    connectors: tuple[tuple[str, str], ...] = ()
    database_url: str = DEFAULT_DATABASE_URL
    notify_unchanged: bool = False
    auto_sync: tuple[str, ...] = ()
    auto_sync_minutes: int = DEFAULT_AUTO_SYNC_MINUTES
    allowed_users: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset()
    redis_url: str = field(default="", repr=False)  # may hold a password

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
        problems: list[str] = []

        def get(name: str) -> str:
            return env.get(name, "").strip()

        bot_token = get("SLACK_BOT_TOKEN")
        if not bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is missing (the bot token, xoxb-..., from OAuth & Permissions)"
            )
        elif not bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")

        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if mode == "http":
            app_token = ""
        elif mode == "socket" and not app_token:
            problems.append(
                "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-...)"
            )

        signing_secret = get("SLACK_SIGNING_SECRET")
        if mode == "console":
            app_token = ""
        elif not app_token and not signing_secret:
            problems.append(
                "SLACK_SIGNING_SECRET is missing (Basic Information > App Credentials); "
                "HTTP mode needs it to verify requests from Slack"
            )

        slack_api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not _is_http_url(slack_api_url):
            problems.append(f"SLACK_API_URL must be an http(s) URL, got {slack_api_url!r}")
        elif not slack_api_url.endswith("/"):
            slack_api_url += "/"

        wolkvox_token = get("WOLKVOX_TOKEN")
        if not wolkvox_token:
            problems.append(
                "WOLKVOX_TOKEN is missing (Wolkvox Manager > Configuration > Integrations > Tokens)"
            )

        server = ""
        raw_server = get("WOLKVOX_SERVER")
        if raw_server:
            match = _SERVER.fullmatch(raw_server)
            if match:
                server = match.group(1).zfill(4)
            else:
                problems.append(
                    f"WOLKVOX_SERVER must be the operation's server code, like 0032 or wv0032; "
                    f"got {raw_server!r}"
                )
        base_url = get("WOLKVOX_BASE_URL").rstrip("/")
        if base_url and not _is_http_url(base_url):
            problems.append(f"WOLKVOX_BASE_URL must be an http(s) URL, got {base_url!r}")
        if not base_url:
            if server:
                base_url = f"https://wv{server}.wolkvox.com"
            elif not raw_server:
                problems.append(
                    "WOLKVOX_SERVER is missing (the digits in your Wolkvox URL: wv0032 means 0032)"
                )

        cache_ttl = _number(env, "WOLKVOX_CACHE_TTL", DEFAULT_CACHE_TTL, int, 1, 86_400, problems)
        timeout = _number(env, "WOLKVOX_TIMEOUT", DEFAULT_TIMEOUT, float, 0.1, 120, problems)
        port = _number(env, "PORT", DEFAULT_PORT, int, 1, 65_535, problems)

        notify_channel = get("WOLKVOX_NOTIFY_CHANNEL")
        if notify_channel and not _CHANNEL_ID.fullmatch(notify_channel):
            problems.append(
                f"WOLKVOX_NOTIFY_CHANNEL must be a channel id like C0123ABCD (not a #name); "
                f"got {notify_channel!r}"
            )

        aliases: dict[str, str] = {}
        try:
            aliases = read_aliases(get("WOLKVOX_CONNECTORS"))
        except ValueError as error:
            problems.append(f"WOLKVOX_CONNECTORS: {error}; write it as ventas=1234,soporte=5678")

        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            engine_url(database_url)
        except ValueError as error:
            problems.append(
                f"DATABASE_URL: {error}; e.g. sqlite:///./wolkvox.db or postgresql://user@host/db"
            )
        notify_unchanged = _flag(env, "WOLKVOX_NOTIFY_UNCHANGED", problems)
        auto_sync: list[str] = []
        for word in filter(None, (w.strip() for w in get("WOLKVOX_AUTO_SYNC").split(","))):
            if is_connector_id(word):
                auto_sync.append(word)
            elif word.lower() in aliases:
                auto_sync.append(aliases[word.lower()])
            else:
                problems.append(
                    f"WOLKVOX_AUTO_SYNC: {word!r} is not a connector id (digits) or an alias"
                )
        minutes = _number(
            env, "WOLKVOX_AUTO_SYNC_MINUTES", DEFAULT_AUTO_SYNC_MINUTES, int, 1, 1440, problems
        )
        allowed_users = _ids(
            env, "WOLKVOX_ALLOWED_USERS", _USER_ID, "user ids like U0123ABCD", problems
        )
        allowed_channels = _ids(
            env, "WOLKVOX_ALLOWED_CHANNELS", _CHANNEL_ID, "channel ids like C0123ABCD", problems
        )

        redis_url = get("REDIS_URL")
        if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
            problems.append("REDIS_URL must be a redis:// or rediss:// URL")

        if problems:
            raise ConfigError(problems)
        return cls(
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_api_url=slack_api_url,
            wolkvox_server=server,
            wolkvox_token=wolkvox_token,
            wolkvox_base_url=base_url,
            cache_ttl=int(cache_ttl),
            timeout=float(timeout),
            notify_channel=notify_channel,
            port=int(port),
            host=get("HOST") or DEFAULT_HOST,
            connectors=tuple(aliases.items()),
            database_url=database_url,
            notify_unchanged=notify_unchanged,
            auto_sync=tuple(dict.fromkeys(auto_sync)),
            auto_sync_minutes=int(minutes),
            allowed_users=allowed_users,
            allowed_channels=allowed_channels,
            redis_url=redis_url,
        )


def engine_url(database_url: str) -> str:
    """DATABASE_URL as Heroku and people write it -> SQLAlchemy's async URL."""
    scheme, sep, rest = database_url.partition("://")
    if not sep:
        raise ValueError("not a URL")
    scheme = scheme.lower()
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"unsupported database {scheme!r} (use sqlite:// or postgresql://)")


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    kind: type[int] | type[float],
    low: float,
    high: float,
    problems: list[str],
) -> float:
    """Read a bounded number; on trouble record a problem and return the default."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    what = "a port number" if name == "PORT" else "a number of seconds"
    try:
        value = kind(raw)
    except ValueError:
        problems.append(f"{name} must be {what}, got {raw!r}")
        return default
    if not low <= value <= high:
        problems.append(f"{name} must be {what} between {low:g} and {high:g}, got {raw!r}")
        return default
    return value


def _flag(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    problems.append(f"{name} must be true or false, got {raw!r}")
    return False


def _ids(
    env: Mapping[str, str], name: str, pattern: re.Pattern[str], what: str, problems: list[str]
) -> frozenset[str]:
    ids = [w.strip() for w in env.get(name, "").split(",") if w.strip()]
    bad = [i for i in ids if not pattern.fullmatch(i)]
    if bad:
        problems.append(f"{name} must be comma-separated {what}; not: {', '.join(bad[:5])}")
    return frozenset(ids)
