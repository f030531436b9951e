"""The App Home tab: recent syncs and this workspace's subscriptions, or a refusal (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.history.store import Subscription, SyncRecord
from bot.slack.commands import COMMAND
from bot.slack.mrkdwn import escape, plain
from bot.slack.views.changes import who
from bot.slack.views.history import record_changes
from bot.slack.views.kit import MAX_VIEW_BLOCKS, ago, context, plural, section, when


def home_view(
    recent: Sequence[SyncRecord], subs: Sequence[Subscription], *, now: datetime
) -> dict[str, Any]:
    """The App Home tab: recent syncs across connectors and this workspace's subscriptions."""
    blocks: list[Block] = [HeaderBlock(text="Wolkvox Sync")]
    blocks.append(context(f"Type `{COMMAND} help` in any channel for what I can do."))
    blocks.append(HeaderBlock(text="Recent syncs"))
    if recent:
        for r in recent[:20]:
            blocks.append(
                section(
                    f"*Connector {escape(r.connector)}* · {plural(r.template_count, 'template')} · "
                    f"{record_changes(r)}\n{when(r.synced_at)} ({ago(now - r.synced_at)}) · "
                    f"{who(r.user_id, plain(r.user_name, 60), r.source)}"
                )
            )
    else:
        blocks.append(section(f"No sync yet. Try `{COMMAND} 1234` with your connector id."))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text="Subscriptions in this workspace"))
    if subs:
        lines = [f"• <#{s.channel_id}> ← connector *{escape(s.connector)}*" for s in subs[:200]]
        for start in range(0, len(lines), 40):
            blocks.append(section("\n".join(lines[start : start + 40])))
    else:
        blocks.append(
            section(f"None yet. `{COMMAND} subscribe 1234` in a channel posts changes there.")
        )
    assert len(blocks) <= MAX_VIEW_BLOCKS
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def refused_home_view(text: str) -> dict[str, Any]:
    """The Home tab for someone WOLKVOX_ALLOWED_USERS leaves out: no history, no channels."""
    blocks: list[Block] = [HeaderBlock(text="Wolkvox Sync"), section(text)]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def channels_home_view(channels: Sequence[str]) -> dict[str, Any]:
    """The Home tab when only WOLKVOX_ALLOWED_CHANNELS is set: where the bot can be used, and
    no history (it belongs to those channels)."""
    where = ", ".join(f"<#{c}>" for c in sorted(channels)[:50])
    text = f"I answer in these channels: {where}. Type `{COMMAND} help` there for what I can do."
    blocks: list[Block] = [HeaderBlock(text="Wolkvox Sync"), section(text)]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}
