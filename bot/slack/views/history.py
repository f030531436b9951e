"""A connector's sync history and a channel's subscriptions (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.commands import COMMAND, words
from bot.database.records import Subscription, SyncRecord
from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, escape, plain
from bot.i18n.summaries import summary
from bot.slack.views.changes import who
from bot.slack.views.kit import MAX_HEADER, Message, message, section, user_ref


def history_message(
    connector: str, records: Sequence[SyncRecord], *, now: datetime, t: Translator
) -> Message:
    """`<connector> history`: the last syncs with when, who, count and changes."""
    if not records:
        text = t._(
            "No sync of connector *{connector}* is stored yet. Run {command} to make the first."
        ).format(
            connector=escape(t.connector(connector)),
            command=f"`{COMMAND} {escape(t.connector_word(connector))}`",
        )
        fallback = t._("No history for connector {connector}").format(
            connector=escape(t.connector(connector))
        )
        return message(fallback, [section(text)])
    lines = [f"• {record_line(r, now=now, t=t)}" for r in records]
    header = t.nformat(
        "Connector {connector} · last sync",
        "Connector {connector} · last {count} syncs",
        len(records),
        connector=t.connector(connector),
    )
    blocks: list[Block] = [HeaderBlock(text=clip(header, MAX_HEADER)), section("\n".join(lines))]
    fallback = t._("History of connector {connector}").format(
        connector=escape(t.connector(connector))
    )
    return message(fallback, blocks)


def record_line(r: SyncRecord, *, now: datetime, t: Translator) -> str:
    """When (in the reader's time zone), how long ago, who, how many templates, what changed."""
    return t.nformat(
        "{moment} ({age}) · {who} · {count} template · {changes}",
        "{moment} ({age}) · {who} · {count} templates · {changes}",
        r.template_count,
        moment=t.moment(r.synced_at),
        age=t.ago(now - r.synced_at),
        who=who(t, r.user_id, plain(r.user_name, 60), r.source),
        changes=record_changes(r, t),
    )


def subscriptions_message(channel_id: str, subs: Sequence[Subscription], t: Translator) -> Message:
    if not subs:
        example = f"`{COMMAND} {words(t).subscribe} 1234`"
        text = t._(
            "This channel is not subscribed to any connector. {example} posts what changes in "
            "connector 1234 here after every sync."
        ).format(example=example)
        return message(t._("No subscriptions in this channel"), [section(text)])
    lines = [
        "• "
        + t._("Connector *{connector}*, subscribed by {user} · {moment}").format(
            connector=escape(t.connector(s.connector)),
            user=user_ref(s.created_by, t._("someone")),
            moment=t.moment(s.created_at),
        )
        for s in subs
    ]
    text = t._("{channel} gets what changes in:").format(channel=f"<#{channel_id}>")
    fallback = t.nformat(
        "This channel's subscriptions: {count}", "This channel's subscriptions: {count}", len(subs)
    )
    return message(fallback, [section("\n".join([text, *lines]))])


def record_changes(r: SyncRecord, t: Translator) -> str:
    """What a stored sync changed, in one line."""
    return summary(t, r.first, r.added, r.removed, r.changed)
