"""The tables of the history database, as the newest migration leaves them.

Alembic revisions in `migrations/versions/` create and change these tables; they never import
this module (a revision is frozen, this is the head). Times are Unix seconds (floats).

Template content is stored once: a `template_versions` row per distinct (name, language,
category, body), a `template_sets` row per distinct ordered list of them, and each snapshot
points at its set, so a sync that changed nothing adds one `snapshots` row.

A `connector` column holds a connector's key, `operation:id` (`cliente_a:1234`, at most
32 + 1 + 20 characters): revision 0006 gave the rows of before it the environment's operation.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

template_versions = Table(
    "template_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),  # SHA-256 of name, language, category, body
    Column("name", String(512), nullable=False),
    Column("language", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("digest", name="uq_template_versions_digest"),
)

template_sets = Table(
    "template_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),  # SHA-256 of its members' digests, in order
    UniqueConstraint("digest", name="uq_template_sets_digest"),
)

template_set_members = Table(
    "template_set_members",
    metadata,
    Column(
        "set_id",
        Integer,
        ForeignKey("template_sets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("template_versions.id"), nullable=False),
)
Index("ix_template_set_members_version", template_set_members.c.version_id)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("connector", String(64), nullable=False),
    Column("synced_at", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("user_id", String(32), nullable=False, default=""),
    Column("user_name", String(100), nullable=False, default=""),
    Column("command", String(1100), nullable=False, default=""),
    Column("template_count", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("first", Boolean, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column(
        "template_set_id",
        Integer,
        ForeignKey("template_sets.id", name="fk_snapshots_template_set"),
        nullable=False,
    ),
)
Index("ix_snapshots_connector_time", snapshots.c.connector, snapshots.c.synced_at)
Index("ix_snapshots_time", snapshots.c.synced_at)
Index("ix_snapshots_template_set", snapshots.c.template_set_id)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("team_id", String(32), nullable=False, default=""),
    Column("channel_id", String(32), nullable=False),
    Column("connector", String(64), nullable=False),
    Column("created_by", String(32), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    # Revision 0009: the canonical filter text of the changes the channel hears ("" = all)
    # and how often it hears them: "each" sync, or a "daily" or "weekly" digest.
    Column("filters", Text, nullable=False, default=""),
    Column("cadence", String(8), nullable=False, default="each"),
    UniqueConstraint("channel_id", "connector", name="uq_subscription"),
)
Index("ix_subscriptions_connector", subscriptions.c.connector)

# Revision 0009: each period's digest of a channel, claimed by one instance and sent once
# (`bot.sync.digests`). A claim without `sent_at` older than a few minutes may be retaken.
digest_sends = Table(
    "digest_sends",
    metadata,
    Column("workspace", String(32), primary_key=True, default=""),  # "" single-workspace mode
    Column("channel_id", String(32), primary_key=True),
    Column("cadence", String(8), primary_key=True),  # daily, weekly
    Column("period_start_ms", BigInteger, primary_key=True),  # Unix milliseconds
    Column("period_end_ms", BigInteger, nullable=False),
    Column("claimed_by", String(100), nullable=False, default=""),
    Column("claimed_at", Float, nullable=False),
    Column("sent_at", Float, nullable=True),
    Column("late", Boolean, nullable=False, default=False),
    Column("posted", Boolean, nullable=False, default=False),  # False: nothing changed
)
Index("ix_digest_sends_end", digest_sends.c.period_end_ms)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("connector", String(64), nullable=False),
    Column("subscriber", String(32), nullable=False, default=""),
    Column("payload", Text, nullable=False),
    Column("details_csv", Text, nullable=True),
    Column("details_name", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(200), nullable=False, default=""),
    Column("warned", Boolean, nullable=False, default=False),
    Column("claimed_until", Float, nullable=True),
    Column("delivered_at", Float, nullable=True),
    Column("failed", Boolean, nullable=False, default=False),
)
Index("ix_outbox_pending", outbox.c.delivered_at, outbox.c.failed)

# Operations (revision 0004): who runs each period of WOLKVOX_AUTO_SYNC, and Wolkvox calls per day.
schedule_claims = Table(
    "schedule_claims",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("period_start_ms", BigInteger, primary_key=True),  # Unix milliseconds
    Column("claimed_by", String(100), nullable=False, default=""),
    Column("claimed_at", Float, nullable=False),
)

quota_counts = Table(
    "quota_counts",
    metadata,
    Column("token_key", String(16), primary_key=True),  # a hash of the token, never the token
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("calls", Integer, nullable=False, default=0),
)

# Revision 0008: a person is a user id within a workspace (the team or enterprise id; "" in
# single-workspace mode), and so are a channel's default and an operation.
user_languages = Table(
    "user_languages",
    metadata,
    Column("workspace", String(32), primary_key=True, default=""),
    Column("user_id", String(32), primary_key=True),
    Column("language", String(8), nullable=False),  # en, es, pt_BR: the person's own choice
    Column("chosen_at", Float, nullable=False),
)

# Operations (revision 0006): the Wolkvox operations stored by admins (Slack or the console),
# their tokens sealed with WOLKVOX_SECRET_KEY (bot.operations.secrets), never in clear text.
operations = Table(
    "operations",
    metadata,
    Column("workspace", String(32), primary_key=True, default=""),
    Column("name", String(32), primary_key=True),  # the name people type (never scoped)
    Column("server", String(8), nullable=False),  # four digits: "0032"
    Column("sealed_token", Text, nullable=False),  # Fernet, never the token itself
    Column("token_tail", String(8), nullable=False, default=""),  # its last 4 characters
    Column("daily_quota", Integer, nullable=False, default=0),  # 0: WOLKVOX_DAILY_QUOTA
    Column("aliases", Text, nullable=False, default="[]"),  # JSON: [[alias, connector id], ...]
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Who changed which operation, when, and which fields (never a token's value).
operation_changes = Table(
    "operation_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("who", String(32), nullable=False),  # a Slack user id, or "console"
    Column("workspace", String(32), nullable=False, default=""),
    Column("operation", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # added, edited, removed, rekeyed
    Column("fields", String(100), nullable=False, default=""),  # comma-separated names
)
Index("ix_operation_changes_at", operation_changes.c.at)

# One row (id 1): bumped by every change to `operations`; each process compares it to reload.
operations_version = Table(
    "operations_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
)

# A channel's default operation (`/wolkvox-sync use cliente_a`).
channel_operations = Table(
    "channel_operations",
    metadata,
    Column("workspace", String(32), primary_key=True, default=""),
    Column("channel_id", String(32), primary_key=True),
    Column("operation", String(32), nullable=False),
    Column("set_by", String(32), nullable=False, default=""),
    Column("set_at", Float, nullable=False),
)
Index("ix_channel_operations_operation", channel_operations.c.operation)

# The 2 Wolkvox requests in flight per token, across processes sharing a database and no
# Redis: a held slot is a row, until `expires_at` (a crashed holder's slot frees itself).
token_slots = Table(
    "token_slots",
    metadata,
    Column("token_key", String(16), primary_key=True),  # bot.operations.model.token_key
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Distribution mode (revision 0007): the workspaces that installed the app from its link, as
# slack_sdk's SQLAlchemy installation and OAuth state stores define these tables (same names
# and columns). Every token column holds the token sealed with WOLKVOX_SECRET_KEY
# (bot.operations.secrets), never the token: Text, as a sealed token outgrows String(200).
# Times are naive UTC datetimes, as slack_sdk writes them.
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", Text),  # sealed
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", Text),  # sealed
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", Text),  # sealed
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", Text),  # sealed
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
)
Index(
    "slack_installations_idx",
    slack_installations.c.client_id,
    slack_installations.c.enterprise_id,
    slack_installations.c.team_id,
    slack_installations.c.user_id,
    slack_installations.c.installed_at,
)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", Text),  # sealed
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", Text),  # sealed
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("installed_at", DateTime, nullable=False),
)
Index(
    "slack_bots_idx",
    slack_bots.c.client_id,
    slack_bots.c.enterprise_id,
    slack_bots.c.team_id,
    slack_bots.c.installed_at,
)

# The state of each install link handed out: used once, within 10 minutes.
slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
Index("ix_slack_oauth_states_state", slack_oauth_states.c.state)

# Who is refreshing a workspace's expiring Slack token (processes sharing a database without
# Redis): a row per workspace while one process holds it, until `expires_at`.
slack_token_claims = Table(
    "slack_token_claims",
    metadata,
    Column("workspace", String(32), primary_key=True),  # T... or E...
    Column("holder", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)
