"""Small Block Kit helpers shared by the renderers (pure), and Slack's limits as constants."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Translator
from bot.i18n.mrkdwn import clip

Message = dict[str, Any]

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # Home tab and modals
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_OPTION_TEXT = 75
MAX_FALLBACK = 3000


# how much of an untrusted name, language or category a listing shows
@dataclass(frozen=True, slots=True)
class ListingWidths:
    """How much of a template's name, language and category a listing shows."""

    name: int = 60
    language: int = 16
    category: int = 24


LISTED = ListingWidths()


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
    """A message payload: a fallback `text` (notifications, screen readers) and the blocks.

    `text` is read raw by push notifications and screen readers: it is made plain here (no
    *bold*, `code` marks or :emoji: codes)."""
    assert len(blocks) <= MAX_BLOCKS
    return {
        "text": clip(plain_fallback(text), MAX_FALLBACK),
        "blocks": [b.to_dict() for b in blocks],
    }


_EMOJI = re.compile(r":[a-z0-9_+-]+: ?")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_MARKS = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")


def plain_fallback(text: str) -> str:
    """Mrkdwn as a screen reader should read it: no emoji codes, no emphasis or code marks.
    Escaped entities (&lt;) stay escaped: Slack shows them as the characters."""
    text = _DATE.sub(r"\1", _EMOJI.sub("", text))
    text = _MARKS.sub("", text)
    return " ".join(text.split()) if "\n" not in text else text.strip()


def is_user_id(value: str) -> bool:
    return 2 <= len(value) <= 32 and value[0] in "UW" and value.isalnum() and value.isupper()


def user_ref(user_id: str, fallback: str) -> str:
    """A user mention from a validated id, else the (already safe) fallback."""
    return f"<@{user_id}>" if is_user_id(user_id) else fallback


def synced_phrase(t: Translator, synced_at: datetime, now: datetime, origin: str) -> str:
    """How fresh a result is: "Synced just now", "Cached, synced 4 min. ago"…"""
    if origin in ("wolkvox", "shared"):
        return t._(":white_check_mark: Synced just now")
    age = t.ago(now - synced_at)
    if origin == "stale":
        return t._(":warning: Showing the last good sync, from {age}").format(age=age)
    if origin in ("cooldown", "quota"):
        return t._(":package: Synced {age}").format(age=age)
    return t._(":package: Cached, synced {age}").format(age=age)


@dataclass(frozen=True, slots=True)
class About:
    """Who a reply is for, in which language, and how fresh its data is: the context line
    under its header, and the warning (a failed fresh sync) or note (what changed) it carries."""

    now: datetime
    t: Translator
    origin: str = "wolkvox"
    asked_by: str = ""
    shared_by: str = ""  # set for the in-channel copy: no buttons, who shared it
    warning: str = ""
    note: str = ""

    def line(self, synced_at: datetime) -> str:
        """ ":package: Cached, synced 4 min. ago · asked by @maria"."""
        return self.attributed(synced_phrase(self.t, synced_at, self.now, self.origin))

    def attributed(self, freshness: str) -> str:
        """`freshness` followed by who shared (or asked for) the reply, when known."""
        t = self.t
        if self.shared_by:
            who = user_ref(self.shared_by, t._("someone"))
            return t._("{freshness} · shared by {user}").format(freshness=freshness, user=who)
        if self.asked_by:
            who = user_ref(self.asked_by, t._("someone"))
            return t._("{freshness} · asked by {user}").format(freshness=freshness, user=who)
        return freshness

    def notices(self) -> list[SectionBlock]:
        """The warning (a failed fresh sync) and the note (what changed), as sections."""
        blocks = [section(f":warning: {self.warning}")] if self.warning else []
        if self.note:
            blocks.append(section(self.note))
        return blocks


def result_message(
    header: str,
    line: str,
    body: Sequence[Block],
    fallback: str,
    about: About,
    *,
    filters: Sequence[Block] = (),
    notes: Sequence[Block] = (),
    actions: Callable[[], Block] | None = None,
) -> Message:
    """A result as the replies over a snapshot show it: the header; the context `line` (when
    it was synced, who asked or shared it); the filters; the warning and note `about` carries;
    the body; the page's notes; and the buttons, unless it was shared."""
    blocks: list[Block] = [
        HeaderBlock(text=clip(header, MAX_HEADER)),
        context(line),
        *filters,
        *about.notices(),
        *body,
        *notes,
    ]
    if actions is not None and not about.shared_by:
        blocks.append(actions())
    return message(fallback, blocks)
