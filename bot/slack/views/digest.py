"""A channel's digest (daily, weekly, or a console preview of any window) as one compact post
with every subscribed connector, and the full list of changes in its thread when the post
names only some (pure). Times are `<!date^…>` (each reader's time zone); nobody is mentioned."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from bot.database.records import DAILY, WEEKLY
from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, escape
from bot.i18n.summaries import change_summary
from bot.slack.views.changes import change_lines
from bot.slack.views.history import which_templates
from bot.slack.views.kit import MAX_SECTION_TEXT, Message, context, message, section
from bot.templates.digest import Digest, DigestPart

MAX_NAMED_IN_DIGEST = 5  # template names per kind and connector in the post itself
MAX_CONNECTORS_IN_POST = 40  # sections of changed connectors (a post holds 50 blocks)
MAX_POST_CHARS = 6_000  # of the connectors' sections: a post keeps under 10,000 in all
MAX_LIST_CHARS = 1_200  # of a line naming connectors
MAX_THREAD_BLOCKS = 40
MAX_THREAD_CHARS = 9_000  # Slack refuses more than 12,000 characters of blocks in one message
MAX_THREAD_MESSAGES = 10
_CHUNK = MAX_SECTION_TEXT - 100


@dataclass(frozen=True, slots=True)
class DigestPost:
    """The post, and the replies in its thread holding every change (none when the post
    names them all)."""

    message: Message
    thread: tuple[Message, ...] = ()


def digest_post(digest: Digest, t: Translator) -> DigestPost:
    """The digest in `t`'s language: what changed per connector over the period (the net
    change, filtered as each subscription says), the unchanged connectors in one line, and
    a mark when it is sent late."""
    head = _head(digest, t)
    blocks: list[Block] = [section(head)]
    if digest.late:
        blocks.append(
            context(t._(":hourglass: Sent late: I was not running when this period ended."))
        )
    changed = [p for p in digest.parts if p.changes.any]
    quiet = [p for p in digest.parts if not p.changes.any]
    shown = 0
    size = len(head)
    for part in changed[:MAX_CONNECTORS_IN_POST]:
        lines = [_part_head(part, t), *change_lines(part.changes, t, limit=MAX_NAMED_IN_DIGEST)]
        text = "\n".join(lines)
        if shown and size + len(text) > MAX_POST_CHARS:
            break
        blocks.append(section(text))
        shown, size = shown + 1, size + len(text)
    if len(changed) > shown:  # the others are in the thread
        names = ", ".join(f"*{escape(t.connector(p.connector_key))}*" for p in changed[shown:])
        blocks.append(
            section(
                clip(
                    t._("Also changed: connector {connectors}.").format(connectors=names),
                    MAX_LIST_CHARS,
                )
            )
        )
    if not changed:
        blocks.append(section(t._(":ballot_box_with_check: *No changes* in this period.")))
    if quiet:
        names = ", ".join(f"*{escape(t.connector(p.connector_key))}*" for p in quiet)
        blocks.append(
            context(
                clip(
                    t._("No changes in connector {connectors}.").format(connectors=names),
                    MAX_LIST_CHARS,
                )
            )
        )
    thread = _thread(changed, t) if _names_only_some(changed, shown) else ()
    if thread:
        blocks.append(
            context(
                t.nformat(
                    "The change is listed in this thread.",
                    "Every one of the {count} changes is listed in this thread.",
                    digest.total,
                )
            )
        )
    return DigestPost(message(head, blocks), thread)


def _head(digest: Digest, t: Translator) -> str:
    """The first line: which digest, from when to when (each reader's time zone)."""
    start, end = t.moment(digest.period_start), t.moment(digest.period_end)
    if digest.cadence == DAILY:
        text = t._(":newspaper: *Daily digest*: what changed from {start} to {end}")
    elif digest.cadence == WEEKLY:
        text = t._(":newspaper: *Weekly digest*: what changed from {start} to {end}")
    else:
        text = t._(":newspaper: *Digest*: what changed from {start} to {end}")
    return text.format(start=start, end=end)


def _part_head(part: DigestPart, t: Translator) -> str:
    """ "*Connector 1234* (templates that match `lang:pt_BR`): 1 added · 2 changed"."""
    return t._("*Connector {connector}* ({which}): {summary}").format(
        connector=escape(t.connector(part.connector_key)),
        which=which_templates(part.filters, t),
        summary=change_summary(part.changes, t),
    )


def _names_only_some(changed: list[DigestPart], shown: int) -> bool:
    """Whether the post leaves changes out: connectors past the first `shown`, or names."""
    return len(changed) > shown or any(
        len(group) > MAX_NAMED_IN_DIGEST
        for p in changed
        for group in (p.changes.added, p.changes.removed, p.changes.changed)
    )


def _thread(changed: list[DigestPart], t: Translator) -> tuple[Message, ...]:
    """Every change of every connector, in as few replies as Slack's limits allow."""
    sections: list[str] = []
    for part in changed:
        lines = [_part_head(part, t), *change_lines(part.changes, t, limit=part.changes.total)]
        sections += _pieces("\n".join(lines))
    replies: list[list[str]] = [[]]
    for text in sections:
        current = replies[-1]
        full = len(current) >= MAX_THREAD_BLOCKS or sum(map(len, current)) + len(text) > (
            MAX_THREAD_CHARS
        )
        if current and full:
            replies.append(current := [])
        current.append(text)
    kept, left = replies[:MAX_THREAD_MESSAGES], replies[MAX_THREAD_MESSAGES:]
    if left:
        kept[-1] = [
            *kept[-1][:-1],
            t._("The list stops here: it is too long for Slack."),
        ]
    fallback = t._("Every change of this digest")
    return tuple(message(fallback, [section(x) for x in texts]) for texts in kept)


def _pieces(text: str) -> list[str]:
    """`text` in pieces a section holds, cut between lines, or between names of a long line."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _cut(line):
            if current and len(current) + 1 + len(part) > _CHUNK:
                pieces.append(current)
                current = part
            else:
                current = f"{current}\n{part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _cut(line: str) -> list[str]:
    """A line of names cut after a comma into parts of at most a section's size."""
    parts: list[str] = []
    while len(line) > _CHUNK:
        at = line.rfind(", ", 0, _CHUNK)
        at = at + 1 if at > 0 else _CHUNK
        parts.append(line[:at])
        line = line[at:].lstrip()
    return [*parts, line]
