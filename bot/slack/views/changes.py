"""What changed in a sync, in words: the reply's note, the channel notification and the DM to
a subscriber whose channel can't be reached (pure). The one-line summary is
`bot.i18n.summaries.change_summary`, which the console writes too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock

from bot.i18n import Translator
from bot.i18n.mrkdwn import code, escape, plain
from bot.i18n.summaries import change_summary
from bot.slack.views.kit import Message, context, message, section, user_ref
from bot.templates.diff import Changes, TemplateChange
from bot.templates.export import changes_csv
from bot.templates.model import Snapshot, Template

MAX_NAMED = 10  # template names per kind (added, removed, changed) in one message
MAX_NAMED_IN_REPLY = 5
MAX_NAME = 60


def change_lines(changes: Changes, t: Translator, *, limit: int = MAX_NAMED) -> list[str]:
    """Added / removed / changed, with names, `limit` of each; empty when nothing changed."""
    lines = []
    if changes.added:
        lines.append(
            t._("*Added ({count}):* {names}").format(
                count=t.number(len(changes.added)), names=_names(changes.added, limit, t)
            )
        )
    if changes.removed:
        lines.append(
            t._("*Removed ({count}):* {names}").format(
                count=t.number(len(changes.removed)), names=_names(changes.removed, limit, t)
            )
        )
    if changes.changed:
        shown = ", ".join(_change(c, t) for c in changes.changed[:limit])
        lines.append(
            t._("*Changed ({count}):* {names}").format(
                count=t.number(len(changes.changed)), names=shown + _more(changes.changed, limit, t)
            )
        )
    return lines


def changes_note(changes: Changes, t: Translator) -> str:
    """The part of the user's reply that says what changed since the previous sync."""
    if changes.first:
        return t._(":new: First sync of this connector: nothing to compare with yet.")
    if not changes.any:
        return t._(":ballot_box_with_check: *No changes* since the previous sync.")
    lines = [
        t._(":bell: *Since the previous sync:* {summary}").format(
            summary=change_summary(changes, t)
        )
    ]
    lines += change_lines(changes, t, limit=MAX_NAMED_IN_REPLY)
    return "\n".join(lines)


def change_notification(
    snapshot: Snapshot,
    changes: Changes,
    t: Translator,
    *,
    user_id: str,
    user_name: str,
    source: str,
    filters: str = "",
) -> tuple[Message, str | None]:
    """The channel post after a fresh sync, in the channel's language, and a CSV of every
    change when the post lists only some of them (posted in the thread). `filters` says
    which templates the channel's subscription hears (mrkdwn; "" = every one): `changes`
    are those it matches already."""
    connector = escape(t.connector(snapshot.connector))
    # a name, not a mention: a channel post should not ping the person for their own sync
    by = who(t, "", plain(user_name, 80), source) if user_name else who(t, user_id, "", source)
    when = context(t._("Synced {moment}").format(moment=t.moment(snapshot.synced_at)))
    if filters:
        when = context(
            t._("Synced {moment} · this channel hears {which}").format(
                moment=t.moment(snapshot.synced_at), which=filters
            )
        )
    if changes.first:
        return _first_sync_notification(snapshot, by, when, t), None
    head = t.nformat(
        ":bell: Connector *{connector}* synced by {who}: {summary} ({count} template now).",
        ":bell: Connector *{connector}* synced by {who}: {summary} ({count} templates now).",
        snapshot.count,
        connector=connector,
        who=by,
        summary=change_summary(changes, t),
    )
    truncated = any(
        len(group) > MAX_NAMED for group in (changes.added, changes.removed, changes.changed)
    )
    blocks: list[Block] = [section(head)]
    blocks.extend(section(line) for line in change_lines(changes, t))
    details = None
    if truncated:
        blocks.append(
            context(
                t.nformat(
                    "The change is in the CSV in this thread.",
                    "Every one of the {count} changes is in the CSV in this thread.",
                    changes.total,
                )
            )
        )
        details = changes_csv(changes, t)
    blocks.append(when)
    fallback = t._("Connector {connector}: {summary}").format(
        connector=connector, summary=change_summary(changes, t)
    )
    return message(fallback, blocks), details


def _first_sync_notification(
    snapshot: Snapshot, by: str, when: ContextBlock, t: Translator
) -> Message:
    """The channel post after a connector's first sync: how many templates it has."""
    connector = escape(t.connector(snapshot.connector))
    head = t.nformat(
        ":new: Connector *{connector}* synced for the first time by {who}: *{count} "
        "template* found.",
        ":new: Connector *{connector}* synced for the first time by {who}: *{count} "
        "templates* found.",
        snapshot.count,
        connector=connector,
        who=by,
    )
    fallback = t.nformat(
        "Connector {connector}: first sync, {count} template",
        "Connector {connector}: first sync, {count} templates",
        snapshot.count,
        connector=connector,
    )
    return message(fallback, [section(head), when])


def subscriber_warning(channel_id: str, connector: str, reason: str, t: Translator) -> Message:
    """A DM (in the subscriber's language) to whoever subscribed a channel the bot can't post
    to."""
    text = t._(
        ":warning: I could not post the changes of connector *{connector}* to {channel} "
        "({reason}). Invite me there with `/invite @Wolkvox Sync`; I will send what is waiting "
        "at the next sync."
    ).format(
        connector=escape(t.connector(connector)), channel=f"<#{channel_id}>", reason=escape(reason)
    )
    return message(t._("I could not post to a subscribed channel"), [section(text)])


def who(t: Translator, user_id: str, user_name: str, source: str) -> str:
    """Who synced: the schedule, the console, or a person (a mention, else their name)."""
    if source == "scheduler":
        return t._("the schedule")
    if source == "console":
        return t._("the console")
    if source == "workflow":  # whoever the workflow's author mapped: named by no mention
        return t._("a workflow")
    return user_ref(user_id, user_name or t._("someone"))


def _names(templates: Sequence[Template], limit: int, t: Translator) -> str:
    shown = ", ".join(
        f"{code(x.name, MAX_NAME)} {plain(x.language, 16)}" for x in templates[:limit]
    )
    return shown + _more(templates, limit, t)


def _change(change: TemplateChange, t: Translator) -> str:
    after = change.after
    what = []
    if "body" in change.fields:
        what.append(t._("body"))
    if "category" in change.fields:
        what.append(
            t._("category {before} → {after}").format(
                before=plain(change.before.category, 24), after=plain(after.category, 24)
            )
        )
    return f"{code(after.name, MAX_NAME)} {plain(after.language, 16)} ({', '.join(what)})"


def _more(items: Sequence[Any], limit: int, t: Translator) -> str:
    if len(items) <= limit:
        return ""
    return " " + t.nformat("_and {count} more_", "_and {count} more_", len(items) - limit)
