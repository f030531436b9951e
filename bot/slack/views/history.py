"""A connector's sync history and a channel's subscriptions (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.history.store import Subscription, SyncRecord
from bot.slack.commands import COMMAND
from bot.slack.mrkdwn import clip, escape, plain
from bot.slack.views.changes import summary, who
from bot.slack.views.kit import MAX_HEADER, Message, ago, message, plural, section, user_ref, when


def history_message(connector: str, records: Sequence[SyncRecord], *, now: datetime) -> Message:
    """`<connector> history`: the last syncs with when, who, count and changes."""
    if not records:
        text = (
            f"No sync of connector *{escape(connector)}* is stored yet. "
            f"Run `{COMMAND} {escape(connector)}` to make the first."
        )
        return message(f"No history for connector {escape(connector)}", [section(text)])
    lines = [
        f"• {when(r.synced_at)} ({ago(now - r.synced_at)}) · "
        f"{who(r.user_id, plain(r.user_name, 60), r.source)} · "
        f"{plural(r.template_count, 'template')} · {record_changes(r)}"
        for r in records
    ]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"Connector {connector} · last {len(records)} syncs", MAX_HEADER)),
        section("\n".join(lines)),
    ]
    return message(f"History of connector {escape(connector)}", blocks)


def subscriptions_message(channel_id: str, subs: Sequence[Subscription]) -> Message:
    if not subs:
        text = (
            f"This channel is not subscribed to any connector. `{COMMAND} subscribe 1234` posts "
            "what changes in connector 1234 here after every sync."
        )
        return message("No subscriptions in this channel", [section(text)])
    lines = [
        f"• Connector *{escape(s.connector)}*, subscribed by {user_ref(s.created_by)} on "
        f"{when(s.created_at)}"
        for s in subs
    ]
    text = f"<#{channel_id}> gets what changes in:\n" + "\n".join(lines)
    return message(f"This channel's subscriptions: {len(subs)}", [section(text)])


def record_changes(r: SyncRecord) -> str:
    """What a stored sync changed, in one line."""
    return summary(r.first, r.added, r.removed, r.changed)
