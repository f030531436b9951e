"""The bot's settings, read once from the environment at start-up. Nothing else reads
`os.environ`.

One small reader per concern (`bot.config.readers`) reads its variables through one
`EnvReader`, which collects every problem so that a single ConfigError names all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Literal

from bot.config import defaults, readers
from bot.config.env import EnvReader
from bot.operations.model import Operation


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run. Secrets are kept out of `repr`."""

    slack_bot_token: str = field(repr=False)
    wolkvox_token: str = field(repr=False)
    wolkvox_base_url: str
    wolkvox_server: str = ""
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = defaults.DEFAULT_SLACK_API_URL
    cache_ttl: int = defaults.DEFAULT_CACHE_TTL
    timeout: float = defaults.DEFAULT_TIMEOUT
    refresh_cooldown: float = defaults.DEFAULT_REFRESH_COOLDOWN  # 0: no cooldown
    user_syncs_per_minute: int = defaults.DEFAULT_USER_SYNCS_PER_MINUTE  # 0: no per-user limit
    workflow_syncs_per_minute: int = defaults.DEFAULT_WORKFLOW_SYNCS_PER_MINUTE  # 0: none
    workspace_workflow_syncs_per_minute: int = (
        defaults.DEFAULT_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE  # 0: none
    )
    syncs_at_once: int = defaults.DEFAULT_USER_SYNCS_AT_ONCE  # per person or workflow runner
    keep_bytes: int = defaults.DEFAULT_KEEP_MB * defaults.MB  # snapshots kept in memory, in bytes
    notify_channel: str = ""
    port: int = defaults.DEFAULT_PORT
    host: str = defaults.DEFAULT_HOST
    shutdown_grace: float = defaults.DEFAULT_SHUTDOWN_GRACE
    connectors: tuple[tuple[str, str], ...] = ()
    database_url: str = defaults.DEFAULT_DATABASE_URL
    history_days: int = defaults.DEFAULT_HISTORY_DAYS
    notify_unchanged: bool = False
    language: str = "en"  # WOLKVOX_LANGUAGE: the console, WOLKVOX_NOTIFY_CHANNEL, the fallback
    timezone: tzinfo = UTC  # WOLKVOX_TIMEZONE: digests' 09:00
    auto_sync: tuple[str, ...] = ()
    auto_sync_minutes: float = defaults.DEFAULT_AUTO_SYNC_MINUTES
    allowed_users: frozenset[str] = frozenset()
    allowed_channels: frozenset[str] = frozenset()
    redis_url: str = field(default="", repr=False)  # may hold a password
    daily_quota: int = 0  # Wolkvox calls per token per day (licenses x 1,000); 0: unknown
    metrics_token: str = field(default="", repr=False)  # "": no /metrics
    operation_name: str = defaults.DEFAULT_OPERATION_NAME  # the environment's operation
    secret_keys: tuple[str, ...] = field(default=(), repr=False)  # WOLKVOX_SECRET_KEY
    admins: frozenset[str] = frozenset()  # WOLKVOX_ADMINS, besides Slack's admins and owners
    slack_client_id: str = ""  # with the secret and no SLACK_BOT_TOKEN: distribution mode
    slack_client_secret: str = field(default="", repr=False)
    slack_redirect_uri: str = ""  # "": the app's Redirect URL that Slack has (manifest.yml)

    @property
    def distribution(self) -> bool:
        """Distribution mode: every workspace that installs the app from its link
        (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN) is served, each with the bot
        token its installation gave; otherwise the one workspace of SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id and self.slack_client_secret) and not (
            self.slack_bot_token
        )

    @property
    def environment_operation(self) -> Operation | None:
        """The operation WOLKVOX_SERVER + WOLKVOX_TOKEN define (None without a token); its
        aliases are WOLKVOX_CONNECTORS' bare ids."""
        if not self.wolkvox_token:
            return None
        return Operation(
            name=self.operation_name,
            server=self.wolkvox_server,
            token=self.wolkvox_token,
            daily_quota=self.daily_quota,
            aliases=tuple((a, key) for a, key in self.connectors if ":" not in key),
            from_environment=True,
        )

    def wolkvox_url(self, server: str) -> str:
        """The Wolkvox base URL of an operation on `server` (WOLKVOX_BASE_URL's `{server}`)."""
        return self.wolkvox_base_url.replace("{server}", server)

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
        slack = readers.slack(read, mode)
        wolkvox = readers.wolkvox(read)
        aliases = readers.aliases(read)
        limits = readers.limits(read)
        stores = readers.stores(read)
        notifications = readers.notifications(read)
        schedule = readers.schedule(read, aliases)
        access = readers.access(read)
        web = readers.web(read)
        readers.distribution(read, slack, wolkvox)
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
