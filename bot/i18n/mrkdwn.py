"""Making untrusted text safe and short for Slack (pure)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup: & < >.

    Nothing else: Slack shows other entities literally. Untrusted text goes through this
    before it reaches any mrkdwn text or a message's top-level `text`.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def one_line(text: str) -> str:
    """Control characters and line breaks collapsed to single spaces."""
    return _CONTROL.sub(" ", text).strip()


def code(text: str, limit: int) -> str:
    """Untrusted text shown as an inline `code` span: one line, clipped, escaped."""
    shown = clip(one_line(text), limit).replace("`", "'")
    return f"`{escape(shown)}`"


def plain(text: str, limit: int) -> str:
    """Untrusted text for mrkdwn outside code: one line, clipped, escaped."""
    return escape(clip(one_line(text), limit))
