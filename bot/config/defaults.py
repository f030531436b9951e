"""Every setting's default, and the bounds a few of them share."""

from __future__ import annotations

MB = 1024 * 1024

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_CACHE_TTL = 300
DEFAULT_TIMEOUT = 30.0
DEFAULT_REFRESH_COOLDOWN = 30.0
DEFAULT_USER_SYNCS_PER_MINUTE = 20
DEFAULT_WORKFLOW_SYNCS_PER_MINUTE = 20  # per workflow runner, like a person
DEFAULT_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE = 60  # every workflow step of the workspace
DEFAULT_USER_SYNCS_AT_ONCE = 2  # running or waiting for a Wolkvox slot, per person or runner
DEFAULT_KEEP_MB = 64
DEFAULT_PORT = 3000
DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - a web dyno must listen on every interface
DEFAULT_SHUTDOWN_GRACE = 25.0
DEFAULT_DATABASE_URL = "sqlite:///./wolkvox.db"
DEFAULT_HISTORY_DAYS = 180
DEFAULT_AUTO_SYNC_MINUTES = 60.0
MIN_AUTO_SYNC_MINUTES = 0.05  # 3 seconds: short periods are for tests
MIN_METRICS_TOKEN = 16
DEFAULT_TIMEZONE = "UTC"  # WOLKVOX_TIMEZONE: where a digest's 09:00 is

# Operations (WOLKVOX_OPERATION_NAME names the one WOLKVOX_SERVER/WOLKVOX_TOKEN define)
DEFAULT_OPERATION_NAME = "default"
OPERATION_BASE_URL = "https://wv{server}.wolkvox.com"  # WOLKVOX_BASE_URL may use {server} too

# Distribution mode (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN): Slack's OAuth v2
INSTALL_PATH = "/slack/install"  # the "Add to Slack" page
REDIRECT_PATH = "/slack/oauth_redirect"  # where Slack sends the browser back
INSTALL_STATE_SECONDS = 600  # an install link's state: single use, 10 minutes
TOKEN_ROTATION_MINUTES = 120  # refresh an expiring Slack token this long before it expires
