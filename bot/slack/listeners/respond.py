"""Answering Slack: in the acknowledgement, or through response_url; and who clicked where."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.slack.views.kit import Message

log = logging.getLogger(__name__)


async def ack_with(ack: AsyncAck, message: Message) -> None:
    """Answer inside the acknowledgement (within Slack's 3 s): no response_url post needed."""
    await ack(text=message["text"], blocks=message["blocks"])


async def reply(
    respond: AsyncRespond, message: Message, *, replace: bool = True, in_channel: bool = False
) -> None:
    """Answer through response_url: by default replace the bot's earlier ephemeral reply.

    Slack's refusal (non-2xx) is logged, not raised.
    """
    response = await respond(
        text=message["text"],
        blocks=message["blocks"],
        response_type="in_channel" if in_channel else "ephemeral",
        replace_original=replace,
    )
    if response is not None and not 200 <= response.status_code < 300:
        log.warning("response_url refused the reply: %s %s", response.status_code, response.body)


def clicker(body: dict[str, Any]) -> str:
    """The id of the person who clicked (block_actions)."""
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def clicker_name(body: dict[str, Any]) -> str:
    user = body.get("user")
    if not isinstance(user, dict):
        return ""
    return str(user.get("username") or user.get("name") or "")


def channel_of(body: dict[str, Any]) -> str:
    """The conversation a click came from."""
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container")
    return str(container.get("channel_id") or "") if isinstance(container, dict) else ""
