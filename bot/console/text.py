"""Terminal text (pure): untrusted values made harmless, Slack wording made plain, tables.

Template names, bodies and categories come from Wolkvox: an escape sequence in one could
repaint or retitle the terminal, a bidi override reorder what is shown. `safe` shows each
such character as U+FFFD instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.errors import BotError, WolkvoxError
from bot.i18n import Translator
from bot.i18n.messages import cause, operator_hint
from bot.templates.model import Snapshot

REPLACEMENT = "\ufffd"
MAX_CELL = 60  # a name, language or category in a table
MAX_BODY = 80  # a body's first characters on a template's line
_SLACK_DATE = re.compile(r"<!date\^[^|<>]*\|([^<>]*)>")  # shown as its UTC fallback
_SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|<>]*\|([^<>]*)>")  # shown as its label
_EMOJI = re.compile(r":[a-z0-9_+-]+: ?")
_MARKS = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")  # emphasis, not a name's own _


def safe(text: str, limit: int | None = None) -> str:
    """Untrusted text on one line: white space collapsed, control and format characters
    (escape sequences, bidi overrides, zero-width marks) shown as U+FFFD; clipped to `limit`."""
    line = " ".join(text.split())
    if not line.isprintable():
        line = "".join(c if c.isprintable() or c == " " else REPLACEMENT for c in line)
    if limit is not None and len(line) > limit:
        line = line[: max(limit - 1, 0)] + "…"
    return line


def plain(mrkdwn: str) -> str:
    """Console text from a Slack message: no emphasis marks, no entities, Slack dates as their
    UTC time, a capital first."""
    text = _SLACK_DATE.sub(r"\1", mrkdwn).replace("*", "").replace("`", "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text[:1].upper() + text[1:]


def failure(error: BotError, t: Translator) -> str:
    """Why a sync failed, for whoever runs the bot: the cause and what they can do."""
    if not isinstance(error, WolkvoxError):
        return plain(str(error))
    hint = operator_hint(error, t)
    return plain(cause(error, t)) + (f" {hint}" if hint else "")


def synced(snapshot: Snapshot, now: datetime, t: Translator) -> str:
    """When the data was synced: a UTC time and how long ago, in `t`'s language."""
    moment = snapshot.synced_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    age = max(now - snapshot.synced_at, timedelta(0))
    return t._("synced {moment} ({ago})").format(moment=moment, ago=t.ago(age))


def table(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows as aligned columns, two spaces apart; the last column is not padded."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        indent
        + "  ".join(
            [*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]
        ).rstrip()
        for row in rows
    ]


def message_lines(message: Mapping[str, object]) -> list[str]:
    """A Slack message as the terminal shows it, block by block: its header, sections (and
    their fields) and context lines as plain text (no emoji codes, marks or entities; dates
    as their UTC fallback, links as their label), each line made `safe`. A message without
    blocks is its `text`."""
    texts: list[str] = []
    blocks = message.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        texts.append(str(message.get("text") or ""))
    for block in blocks if isinstance(blocks, list) else []:
        kind = block.get("type")
        if kind in ("header", "section"):
            texts.append(_text_of(block.get("text")))
            texts.extend(_text_of(field) for field in block.get("fields") or [])
        elif kind == "context":
            texts.append("  ".join(_text_of(e) for e in block.get("elements") or []))
        elif kind == "divider":
            texts.append("")
    lines: list[str] = []
    for text in texts:
        lines.extend(safe(_unmarked(line)) for line in text.split("\n"))
    return lines


def _text_of(value: object) -> str:
    if isinstance(value, Mapping) and isinstance(value.get("text"), str):
        return str(value["text"])
    return ""


def _unmarked(mrkdwn: str) -> str:
    """One line of mrkdwn as plain text."""
    text = _SLACK_LINK.sub(r"\1", _SLACK_DATE.sub(r"\1", mrkdwn))
    text = _MARKS.sub("", _EMOJI.sub("", text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
