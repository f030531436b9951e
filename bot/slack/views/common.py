"""Short replies: help, progress, a line of text, and the "data expired" notice (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.slack.action_ids import ACTION_REFRESH
from bot.slack.commands import COMMAND, help_text
from bot.slack.mrkdwn import escape
from bot.slack.values import ViewRef, encode_view
from bot.slack.views.kit import Message, message, section


def help_message(aliases: Mapping[str, str] | None = None) -> Message:
    return message(f"How to use {COMMAND}", [section(help_text(aliases))])


def progress_message(connector: str) -> Message:
    text = f":hourglass_flowing_sand: Syncing connector *{escape(connector)}* with Wolkvox…"
    return message(f"Syncing connector {escape(connector)}…", [section(text)])


def text_message(text: str) -> Message:
    """One section of text: a failure, a refusal or a confirmation. `text` is mrkdwn already
    made safe by its author."""
    return message(text, [section(text)])


def expired_message(connector: str, text: str, query: str = "") -> Message:
    """Data behind a button is gone: say so and offer a refresh."""
    refresh = ButtonElement(
        text="Refresh",
        action_id=ACTION_REFRESH,
        value=encode_view(ViewRef(connector, query=query)),
        style="primary",
    )
    return message(text, [section(text), ActionsBlock(elements=[refresh])])
