"""A connector's sync history and a channel's subscriptions (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.commands import COMMAND, words
from bot.commands.filters import read_filter_text
from bot.database.records import DAILY, WEEKLY, Subscription, SyncRecord
from bot.errors import InputError
from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, code, escape, plain
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


DIGEST_TIME = "09:00"  # when a daily digest leaves, and a weekly one on Mondays
MAX_FILTER_TERM = 60
SUBSCRIPTIONS_PER_SECTION = 8  # each up to about 350 characters: a section holds 3,000
MAX_SECTIONS = 45


def which_templates(filters: str, t: Translator) -> str:
    """Which templates' changes a subscription hears: every one, or those its filters (the
    canonical text) match, each term as code."""
    if not filters:
        return t._("every template")
    try:
        terms = read_filter_text(filters).terms()
    except InputError:  # not written by this version: shown as stored
        terms = [filters]
    return t._("templates that match {filters}").format(
        filters=" ".join(code(term, MAX_FILTER_TERM) for term in terms)
    )


def when_heard(cadence: str, timezone: str, t: Translator) -> str:
    """How often a subscription's channel hears: after every sync, or in a digest."""
    if cadence == DAILY:
        return t._("in a daily digest at {time} ({timezone})").format(
            time=DIGEST_TIME, timezone=escape(timezone)
        )
    if cadence == WEEKLY:
        return t._("in a weekly digest, Mondays at {time} ({timezone})").format(
            time=DIGEST_TIME, timezone=escape(timezone)
        )
    return t._("after every sync")


def heard(sub: Subscription, timezone: str, t: Translator) -> str:
    """A subscription's filters and cadence in one line: "every template · after every sync"."""
    return f"{which_templates(sub.filters, t)} · {when_heard(sub.cadence, timezone, t)}"


def subscriptions_message(
    channel_id: str, subs: Sequence[Subscription], t: Translator, *, timezone: str = "UTC"
) -> Message:
    """`subscriptions`: each connector this channel hears, who subscribed it and when, its
    filters and its cadence (digests in `timezone`)."""
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
        + f"\n      {heard(s, timezone, t)}"
        for s in subs
    ]
    text = t._("{channel} gets what changes in:").format(channel=f"<#{channel_id}>")
    fallback = t.nformat(
        "This channel's subscriptions: {count}", "This channel's subscriptions: {count}", len(subs)
    )
    lines[0] = f"{text}\n{lines[0]}"
    chunks = range(
        0, min(len(lines), SUBSCRIPTIONS_PER_SECTION * MAX_SECTIONS), SUBSCRIPTIONS_PER_SECTION
    )
    blocks: list[Block] = [
        section("\n".join(lines[start : start + SUBSCRIPTIONS_PER_SECTION])) for start in chunks
    ]
    return message(fallback, blocks)


def record_changes(r: SyncRecord, t: Translator) -> str:
    """What a stored sync changed, in one line."""
    return summary(t, r.first, r.added, r.removed, r.changed)
