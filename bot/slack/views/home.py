"""The App Home tab: the Wolkvox operations, recent syncs and this workspace's subscriptions,
or a refusal (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.commands import COMMAND, words
from bot.database.records import Subscription, SyncRecord
from bot.i18n import Translator
from bot.i18n.mrkdwn import escape, plain
from bot.slack.admin.views import OperationsPanel, operations_blocks
from bot.slack.views.changes import who
from bot.slack.views.history import heard, record_changes
from bot.slack.views.kit import MAX_VIEW_BLOCKS, context, section

APP_NAME = "Wolkvox Sync"


def home_view(
    recent: Sequence[SyncRecord],
    subs: Sequence[Subscription],
    *,
    now: datetime,
    t: Translator,
    operations: OperationsPanel | None = None,
    timezone: str = "UTC",
) -> dict[str, Any]:
    """The App Home tab: the operations (`operations`, when given), recent syncs across
    connectors and this workspace's subscriptions with their filters and cadence (digests in
    `timezone`)."""
    help_command = f"`{COMMAND} {words(t).help}`"
    blocks: list[Block] = [HeaderBlock(text=APP_NAME)]
    blocks.append(
        context(
            t._("Type {command} in any channel for what I can do.").format(command=help_command)
        )
    )
    if operations is not None:
        blocks += operations_blocks(operations, t)
    blocks.append(HeaderBlock(text=t._("Recent syncs")))
    blocks += _recent_syncs(recent, now, t)
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=t._("Subscriptions in this workspace")))
    blocks += _subscriptions(subs, timezone, t)
    assert len(blocks) <= MAX_VIEW_BLOCKS
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def _recent_syncs(recent: Sequence[SyncRecord], now: datetime, t: Translator) -> list[Block]:
    """A section per recent sync (the last 20), or how to make the first one."""
    if not recent:
        return [
            section(
                t._("No sync yet. Try {command} with your connector id.").format(
                    command=f"`{COMMAND} 1234`"
                )
            )
        ]
    return [
        section(
            t.nformat(
                "*Connector {connector}* · {count} template · {changes}\n{moment} ({age}) · {who}",
                "*Connector {connector}* · {count} templates · {changes}\n{moment} ({age}) · {who}",
                r.template_count,
                connector=escape(t.connector(r.connector)),
                changes=record_changes(r, t),
                moment=t.moment(r.synced_at),
                age=t.ago(now - r.synced_at),
                who=who(t, r.user_id, plain(r.user_name, 60), r.source),
            )
        )
        for r in recent[:20]
    ]


SUBSCRIPTIONS_SHOWN = 200
SUBSCRIPTIONS_PER_SECTION = 10  # each line up to about 250 characters: a section holds 3,000


def _subscriptions(subs: Sequence[Subscription], timezone: str, t: Translator) -> list[Block]:
    """The channels subscribed to a connector, with what each hears and how often, a few to
    a section, or how to subscribe one."""
    if not subs:
        example = f"`{COMMAND} {words(t).subscribe} 1234`"
        return [
            section(
                t._("None yet. {command} in a channel posts changes there.").format(command=example)
            )
        ]
    lines = [
        "• "
        + t._("{channel} ← connector *{connector}*").format(
            channel=f"<#{s.channel_id}>", connector=escape(t.connector(s.connector))
        )
        + f" · {heard(s, timezone, t)}"
        for s in subs[:SUBSCRIPTIONS_SHOWN]
    ]
    step = SUBSCRIPTIONS_PER_SECTION
    return [section("\n".join(lines[start : start + step])) for start in range(0, len(lines), step)]


def refused_home_view(text: str) -> dict[str, Any]:
    """The Home tab for someone WOLKVOX_ALLOWED_USERS leaves out: no history, no channels."""
    blocks: list[Block] = [HeaderBlock(text=APP_NAME), section(text)]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def channels_home_view(
    channels: Sequence[str], t: Translator, *, operations: OperationsPanel | None = None
) -> dict[str, Any]:
    """The Home tab when only WOLKVOX_ALLOWED_CHANNELS is set: where the bot can be used, the
    operations (`operations`, when given), and no history (it belongs to those channels)."""
    where = ", ".join(f"<#{c}>" for c in sorted(channels)[:50])
    text = t._(
        "I answer in these channels: {channels}. Type {command} there for what I can do."
    ).format(channels=where, command=f"`{COMMAND} {words(t).help}`")
    blocks: list[Block] = [HeaderBlock(text=APP_NAME), section(text)]
    if operations is not None:
        blocks += operations_blocks(operations, t)
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}
