"""What changed in a sync, in words: the reply's note, the channel notification, the DM to a
subscriber whose channel can't be reached, and the one-line summary (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack.mrkdwn import code, escape, plain
from bot.slack.views.kit import Message, context, message, plural, section, user_ref
from bot.templates.diff import Changes, TemplateChange
from bot.templates.export import changes_csv
from bot.templates.model import Snapshot, Template

MAX_NAMED = 10  # template names per kind (added, removed, changed) in one message
MAX_NAMED_IN_REPLY = 5
MAX_NAME = 60


def change_lines(changes: Changes, *, limit: int = MAX_NAMED) -> list[str]:
    """Added / removed / changed, with names, `limit` of each; empty when nothing changed."""
    lines = []
    if changes.added:
        lines.append(f"*Added ({len(changes.added):,}):* " + _names(changes.added, limit))
    if changes.removed:
        lines.append(f"*Removed ({len(changes.removed):,}):* " + _names(changes.removed, limit))
    if changes.changed:
        shown = ", ".join(_change(c) for c in changes.changed[:limit])
        lines.append(
            f"*Changed ({len(changes.changed):,}):* {shown}{_more(changes.changed, limit)}"
        )
    return lines


def change_summary(changes: Changes) -> str:
    """One line: "2 added · 1 removed · 3 changed", or "no changes"."""
    return summary(changes.first, len(changes.added), len(changes.removed), len(changes.changed))


def summary(first: bool, added: int, removed: int, changed: int) -> str:
    """ "first sync", "no changes", or "2 added · 1 removed · 3 changed"."""
    if first:
        return "first sync"
    parts = [
        f"{added:,} added" if added else "",
        f"{removed:,} removed" if removed else "",
        f"{changed:,} changed" if changed else "",
    ]
    return " · ".join(p for p in parts if p) or "no changes"


def changes_note(changes: Changes) -> str:
    """The part of the user's reply that says what changed since the previous sync."""
    if changes.first:
        return ":new: First sync of this connector: nothing to compare with yet."
    if not changes.any:
        return ":ballot_box_with_check: *No changes* since the previous sync."
    lines = [f":bell: *Since the previous sync:* {change_summary(changes)}"]
    lines += change_lines(changes, limit=MAX_NAMED_IN_REPLY)
    return "\n".join(lines)


def change_notification(
    snapshot: Snapshot, changes: Changes, *, user_id: str, user_name: str, source: str
) -> tuple[Message, str | None]:
    """The channel post after a fresh sync, and a CSV of every change when the post lists only
    some of them (posted in the thread)."""
    connector = escape(snapshot.connector)
    # a name, not a mention: a channel post should not ping the person for their own sync
    by = who("", plain(user_name, 80), source) if user_name else who(user_id, "", source)
    if changes.first:
        head = (
            f":new: Connector *{connector}* synced for the first time by {by}: "
            f"*{plural(snapshot.count, 'template')}* found."
        )
        fallback = f"Connector {connector}: first sync, {plural(snapshot.count, 'template')}"
        return message(fallback, [section(head)]), None
    head = (
        f":bell: Connector *{connector}* synced by {by}: {change_summary(changes)} "
        f"({plural(snapshot.count, 'template')} now)."
    )
    lines = change_lines(changes)
    truncated = any(
        len(group) > MAX_NAMED for group in (changes.added, changes.removed, changes.changed)
    )
    blocks: list[Block] = [section(head)]
    blocks.extend(section(line) for line in lines)
    details = None
    if truncated:
        blocks.append(
            context(f"Every one of the {changes.total:,} changes is in the CSV in this thread.")
        )
        details = changes_csv(changes)
    fallback = f"Connector {connector}: {change_summary(changes)}"
    return message(fallback, blocks), details


def subscriber_warning(channel_id: str, connector: str, reason: str) -> Message:
    """A DM to whoever subscribed a channel the bot can't post to."""
    text = (
        f":warning: I could not post the changes of connector *{escape(connector)}* to "
        f"<#{channel_id}> ({escape(reason)}). Invite me there with `/invite @Wolkvox Sync`; "
        "I will send what is waiting at the next sync."
    )
    return message("I could not post to a subscribed channel", [section(text)])


def who(user_id: str, user_name: str, source: str) -> str:
    """Who synced: the schedule, the console, or a person (a mention, else their name)."""
    if source == "scheduler":
        return "the schedule"
    if source == "console":
        return "the console"
    return user_ref(user_id, user_name or "someone")


def _names(templates: Sequence[Template], limit: int) -> str:
    shown = ", ".join(
        f"{code(t.name, MAX_NAME)} {plain(t.language, 16)}" for t in templates[:limit]
    )
    return shown + _more(templates, limit)


def _change(change: TemplateChange) -> str:
    t = change.after
    what = []
    if "body" in change.fields:
        what.append("body")
    if "category" in change.fields:
        what.append(f"category {plain(change.before.category, 24)} → {plain(t.category, 24)}")
    return f"{code(t.name, MAX_NAME)} {plain(t.language, 16)} ({', '.join(what)})"


def _more(items: Sequence[Any], limit: int) -> str:
    return f" _and {len(items) - limit:,} more_" if len(items) > limit else ""
