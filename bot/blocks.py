"""Block Kit messages from domain values (pure: no I/O, no clock; `now` is passed in).

Every untrusted string goes through `bot.text` (escape, one line, clip). Blocks are built with
slack_sdk's models, which check most limits; the limits they don't check (50 blocks per
message, total text, field length) are kept here by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import payloads
from bot.commands import COMMAND, HELP_TEXT
from bot.payloads import PageRef
from bot.templates import Snapshot, Template, count_by
from bot.text import clip, code, escape, plain

Message = dict[str, Any]

MAX_BLOCKS = 50
MAX_TOTAL_TEXT = 10_000  # Slack refuses somewhere near 12,000 characters of block text
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
PAGE_SIZE = 20
MAX_COUNT_ROWS = 12  # rows per "by category" / "by language" field
MAX_LISTED_NAME = 60
MAX_LISTED_LANGUAGE = 16
MAX_LISTED_CATEGORY = 24

ACTION_PREVIOUS = "wolkvox_page_previous"
ACTION_NEXT = "wolkvox_page_next"
ACTION_REFRESH = "wolkvox_refresh"


def help_message() -> Message:
    return _message(f"How to use {COMMAND}", [_section(HELP_TEXT)])


def progress_message(connector: str) -> Message:
    text = f":hourglass_flowing_sand: Syncing connector *{escape(connector)}* with Wolkvox…"
    return _message(f"Syncing connector {escape(connector)}…", [_section(text)])


def error_message(text: str) -> Message:
    """A failure or refusal; `text` is mrkdwn already made safe by its author."""
    return _message(text, [_section(text)])


def expired_message(connector: str, text: str) -> Message:
    """Data behind a button is gone: say so and offer a refresh."""
    refresh = ButtonElement(
        text="Refresh",
        action_id=ACTION_REFRESH,
        value=payloads.encode(PageRef(connector)),
        style="primary",
    )
    return _message(text, [_section(text), ActionsBlock(elements=[refresh])])


def summary_message(
    snapshot: Snapshot,
    *,
    now: datetime,
    page: int = 0,
    origin: str = "wolkvox",
    asked_by: str = "",
    warning: str = "",
) -> Message:
    """The summary of a snapshot: counts, one page of the list, paging and refresh buttons."""
    connector = escape(snapshot.connector)
    pages = max(1, -(-snapshot.count // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    header = f"Connector {snapshot.connector} · {_plural(snapshot.count, 'template')}"

    blocks: list[Block] = [HeaderBlock(text=clip(header, MAX_HEADER))]
    about = [_synced_phrase(snapshot.synced_at, now, origin)]
    if asked_by:
        about.append(f"asked by {_user(asked_by)}")
    blocks.append(_context(" · ".join(about)))
    if warning:
        blocks.append(_section(f":warning: {warning}"))

    if snapshot.count:
        blocks.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(
                        text=_counts("By category", [t.category for t in snapshot.templates])
                    ),
                    MarkdownTextObject(
                        text=_counts("By language", [t.language for t in snapshot.templates])
                    ),
                ]
            )
        )
        blocks.append(DividerBlock())
        first = page * PAGE_SIZE
        shown = snapshot.templates[first : first + PAGE_SIZE]
        title = f"*Templates {first + 1}–{first + len(shown)} of {snapshot.count:,}*"
        blocks.append(_section("\n".join([title, *(_template_line(t) for t in shown)])))
    else:
        blocks.append(
            _section(
                f"Wolkvox returned *no templates* for connector *{connector}*. "
                "Check in Meta Business Manager that this WhatsApp number has approved templates."
            )
        )

    notes = []
    if pages > 1:
        notes.append(f"Page {page + 1} of {pages}")
    if snapshot.skipped:
        notes.append(
            f":warning: {_plural(snapshot.skipped, 'entry', 'entries')} from Wolkvox "
            f"could not be read and {'is' if snapshot.skipped == 1 else 'are'} not listed"
        )
    if notes:
        blocks.append(_context(" · ".join(notes)))
    blocks.append(_buttons(snapshot, page, pages))

    fallback = f"Connector {connector}: {_plural(snapshot.count, 'template')}"
    if pages > 1:
        fallback += f" (page {page + 1} of {pages})"
    return _message(fallback, blocks)


def notification_message(snapshot: Snapshot, *, user_id: str, user_name: str) -> Message:
    """The short channel post after a fresh sync."""
    who = f"<@{user_id}>" if _is_user_id(user_id) else (plain(user_name, 80) or "someone")
    counts = ", ".join(
        f"{plain(category, MAX_LISTED_CATEGORY)} {n}"
        for category, n in count_by(t.category for t in snapshot.templates)[:6]
    )
    text = (
        f":arrows_counterclockwise: Connector *{escape(snapshot.connector)}* synced by {who}: "
        f"*{_plural(snapshot.count, 'template')}*" + (f" ({counts})" if counts else "")
    )
    if snapshot.skipped:
        text += f"; {_plural(snapshot.skipped, 'entry', 'entries')} could not be read"
    fallback = (
        f"Connector {escape(snapshot.connector)} synced: {_plural(snapshot.count, 'template')}"
    )
    return _message(fallback, [_section(text)])


def _template_line(template: Template) -> str:
    return (
        f"• {code(template.name, MAX_LISTED_NAME)}  "
        f"{plain(template.language, MAX_LISTED_LANGUAGE)} · "
        f"{plain(template.category, MAX_LISTED_CATEGORY)}"
    )


def _counts(title: str, values: Sequence[str]) -> str:
    counts = count_by(values)
    lines = [f"*{title}*"]
    lines += [
        f"{plain(value, MAX_LISTED_CATEGORY)} · {n:,}" for value, n in counts[:MAX_COUNT_ROWS]
    ]
    if len(counts) > MAX_COUNT_ROWS:
        rest = sum(n for _, n in counts[MAX_COUNT_ROWS:])
        lines.append(f"_{len(counts) - MAX_COUNT_ROWS} more ({rest:,})_")
    return clip("\n".join(lines), MAX_FIELD_TEXT)


def _buttons(snapshot: Snapshot, page: int, pages: int) -> ActionsBlock:
    elements = []
    if page > 0:
        elements.append(
            ButtonElement(
                text="◀ Previous",
                action_id=ACTION_PREVIOUS,
                value=payloads.encode(PageRef(snapshot.connector, snapshot.id, page - 1)),
            )
        )
    if page < pages - 1:
        elements.append(
            ButtonElement(
                text="Next ▶",
                action_id=ACTION_NEXT,
                value=payloads.encode(PageRef(snapshot.connector, snapshot.id, page + 1)),
            )
        )
    elements.append(
        ButtonElement(
            text="Refresh",
            action_id=ACTION_REFRESH,
            value=payloads.encode(PageRef(snapshot.connector)),
        )
    )
    return ActionsBlock(elements=elements)


def _synced_phrase(synced_at: datetime, now: datetime, origin: str) -> str:
    if origin in ("wolkvox", "shared"):
        return ":white_check_mark: Synced just now"
    ago = _ago(now - synced_at)
    if origin == "stale":
        return f":warning: Showing the last good sync, from {ago}"
    return f":package: Cached, synced {ago}"


def _ago(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    return _plural(seconds // 86_400, "day") + " ago"


def _user(user_id: str) -> str:
    return f"<@{user_id}>" if _is_user_id(user_id) else "someone"


def _is_user_id(value: str) -> bool:
    return 2 <= len(value) <= 32 and value[0] in "UW" and value.isalnum() and value.isupper()


def _plural(n: int, one: str, many: str = "") -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT))])


def _message(text: str, blocks: list[Block]) -> Message:
    assert len(blocks) <= MAX_BLOCKS
    return {"text": clip(text, 3000), "blocks": [block.to_dict() for block in blocks]}
