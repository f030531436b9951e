"""Small Block Kit helpers shared by the renderers (pure), and Slack's limits as constants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.mrkdwn import clip

Message = dict[str, Any]

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # Home tab and modals
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_OPTION_TEXT = 75
MAX_FALLBACK = 3000


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT))])


def context_json(text: str) -> dict[str, Any]:
    """context(text).to_dict() without the model: for the one block built on every request
    (slack_sdk's to_dict costs more than the rest of a cached reply)."""
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}],
    }


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value, style=style)


def message(text: str, blocks: list[Block]) -> Message:
    """A message payload: a fallback `text` (notifications, screen readers) and the blocks."""
    assert len(blocks) <= MAX_BLOCKS
    return {"text": clip(text, MAX_FALLBACK), "blocks": [block.to_dict() for block in blocks]}


def plural(n: int, one: str, many: str = "") -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def is_user_id(value: str) -> bool:
    return 2 <= len(value) <= 32 and value[0] in "UW" and value.isalnum() and value.isupper()


def user_ref(user_id: str, fallback: str = "someone") -> str:
    """A user mention from a validated id, else the (already safe) fallback."""
    return f"<@{user_id}>" if is_user_id(user_id) else fallback


def ago(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    return plural(seconds // 86_400, "day") + " ago"


def when(moment: datetime) -> str:
    """A moment as people read it in every time zone: UTC, to the minute."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def synced_phrase(synced_at: datetime, now: datetime, origin: str) -> str:
    if origin in ("wolkvox", "shared"):
        return ":white_check_mark: Synced just now"
    age = ago(now - synced_at)
    if origin == "stale":
        return f":warning: Showing the last good sync, from {age}"
    if origin == "cooldown":
        return f":package: Synced {age}"
    return f":package: Cached, synced {age}"


@dataclass(frozen=True, slots=True)
class About:
    """Who a reply is for and how fresh its data is: the context line under its header, and
    the warning (a failed fresh sync) or note (what changed) it carries."""

    now: datetime
    origin: str = "wolkvox"
    asked_by: str = ""
    shared_by: str = ""  # set for the in-channel copy: no buttons, who shared it
    warning: str = ""
    note: str = ""

    def line(self, synced_at: datetime) -> str:
        """ ":package: Cached, synced 4 min ago · asked by @maria"."""
        parts = [synced_phrase(synced_at, self.now, self.origin)]
        if self.shared_by:
            parts.append(f"shared by {user_ref(self.shared_by)}")
        elif self.asked_by:
            parts.append(f"asked by {user_ref(self.asked_by)}")
        return " · ".join(parts)
