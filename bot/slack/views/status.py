"""`/wolkvox-sync status`: the bot's state for whoever plans the day's syncs (pure).

The facts are read before (`bot.ops.status.status_facts`); this only renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.database.records import LastSync
from bot.i18n import Translator
from bot.i18n.messages import quota_resets
from bot.i18n.mrkdwn import escape, plain
from bot.ops.health import PartHealth
from bot.ops.status import OperationsFacts, StatusFacts
from bot.slack.admin.views import calls_today, changes_text
from bot.slack.views.changes import who
from bot.slack.views.kit import MAX_FIELD_TEXT, Message, context, message, section

MAX_LISTED = 30  # connectors named in one list
MAX_LAST_SYNCS = 20
MAX_OPERATIONS = 30  # operations listed with their calls today


def status_message(facts: StatusFacts, t: Translator, *, now: datetime) -> Message:
    """Calls today against the quota, syncs in flight and waiting, cached connectors, the last
    sync per connector, and the health of the database and Redis; with several operations,
    each one's calls today against its quota; the last changes to the operations."""
    fields = [
        _field(t._("*Wolkvox calls today (UTC)*"), quota_line(facts, t)),
        _field(t._("*Syncs now*"), _syncs_line(facts, t)),
        _field(t._("*Database*"), _health(facts.database, t)),
        _field(t._("*Redis*"), _health(facts.redis, t)),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=t._("Wolkvox Sync status")),
        SectionBlock(fields=fields),
        section(t._("*Cached connectors:* {connectors}").format(
            connectors=_listed(facts.cached, t)
        )),
        *_operations(facts.operations, t),
        DividerBlock(),
        section(_last_syncs(facts.last_syncs, t, now)),
        context(t._("Times are shown in your time zone; the quota day is the UTC day.")),
    ]  # fmt: skip
    return message(t._("Wolkvox Sync status"), blocks)


def quota_line(facts: StatusFacts, t: Translator) -> str:
    """ "812 of 1,000 (81%)", with a warning past 80% and when spent."""
    if facts.calls_today is None:
        return t._("could not be read right now")
    if not facts.daily_quota:
        return t._("{used} (the daily quota is not configured)").format(
            used=t.number(facts.calls_today)
        )
    percent = t.number(round(100 * facts.calls_today / facts.daily_quota))
    line = t._("{used} of {quota} ({percent}%)").format(
        used=t.number(facts.calls_today), quota=t.number(facts.daily_quota), percent=percent
    )
    if facts.quota_state == "spent":
        return ":no_entry: " + line + " · " + t._("spent: refreshes answer from the last copy")
    if facts.quota_state == "warn":
        return ":warning: " + line
    return line


def quota_warning(used: int, quota: int, t: Translator, now: datetime | None = None) -> str:
    """The note a reply carries once more than 80% of the day's calls are used."""
    return t._(
        ":warning: {used} of today's {quota} Wolkvox calls are used ({percent}%). Cached "
        "answers don't spend any; refresh only what you need until the quota resets at "
        "midnight UTC (for you, {resets})."
    ).format(
        used=t.number(used),
        quota=t.number(quota),
        percent=t.number(round(100 * used / quota)),
        resets=quota_resets(t, now),
    )


def _syncs_line(facts: StatusFacts, t: Translator) -> str:
    running = t.nformat("{count} running", "{count} running", len(facts.syncing))
    if facts.syncing:
        running += f" ({_listed(facts.syncing, t)})"
    waiting = t.nformat("{count} waiting for a slot", "{count} waiting for a slot", facts.waiting)
    return f"{running} · {waiting}"


def _health(part: PartHealth, t: Translator) -> str:
    if part.state == "not used":
        return t._("not used")
    if part.ok:
        return ":white_check_mark: " + t._("ok")
    return ":x: " + t._("can't be reached")


def _listed(connectors: Sequence[str], t: Translator) -> str:
    if not connectors:
        return t._("none")
    shown = ", ".join(f"*{escape(t.connector(c))}*" for c in connectors[:MAX_LISTED])
    more = len(connectors) - MAX_LISTED
    return shown + (
        " " + t.nformat("and {count} more", "and {count} more", more) if more > 0 else ""
    )


def _last_syncs(last: Sequence[LastSync], t: Translator, now: datetime) -> str:
    if not last:
        return t._("*Last sync per connector:* none yet.")
    lines = [t._("*Last sync per connector:*")]
    for sync in last[:MAX_LAST_SYNCS]:
        lines.append(
            "• "
            + t.nformat(
                "*{connector}* · {when} ({ago}) · {who} · {count} template",
                "*{connector}* · {when} ({ago}) · {who} · {count} templates",
                sync.template_count,
                connector=escape(t.connector(sync.connector)),
                when=t.moment(sync.synced_at),
                ago=t.ago(now - sync.synced_at),
                who=who(t, "", plain(sync.user_name, 60), sync.source),
            )
        )
    return "\n".join(lines)


def _operations(operations: OperationsFacts, t: Translator) -> list[Block]:
    """Each operation's calls today against its quota (when there are several), and the last
    changes to the operations (people named by their id: this is a message, and a mention
    in it would notify them)."""
    blocks: list[Block] = []
    if len(operations.operations) > 1:
        lines = [t._("*Wolkvox calls today per operation:*")]
        for usage in operations.operations[:MAX_OPERATIONS]:
            lines.append(
                t._("• *{operation}* · {calls}").format(
                    operation=escape(usage.name), calls=calls_today(usage, t)
                )
            )
        more = len(operations.operations) - MAX_OPERATIONS
        if more > 0:
            lines.append(t.nformat("and {count} more", "and {count} more", more))
        blocks.append(section("\n".join(lines)))
    if operations.changes:
        blocks.append(section(changes_text(operations.changes, t, mentions=False)))
    return blocks


def _field(title: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=f"{title}\n{value}"[:MAX_FIELD_TEXT])
