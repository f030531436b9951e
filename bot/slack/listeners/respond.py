"""Answering Slack: in the acknowledgement, or through response_url; who is waiting for an
answer (`Asked`); and who clicked where."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.i18n import Translator
from bot.slack.views.kit import Message
from bot.sync.service import SyncTrigger

log = logging.getLogger(__name__)


# What a command's acknowledgement showed when it went out before its person's language was
# known: "nothing" (the first answer is a new message), or "progress" (a "syncing" without
# words, which the answer replaces). "" for an acknowledgement still to send, and after a click.
Shown = Literal["", "nothing", "progress"]


@dataclass(frozen=True, slots=True)
class Asked:
    """Someone waiting for an answer: in which language, who they are (for a sync's history),
    where they asked, and how to answer them. `ack` is a command's acknowledgement, still to
    send; None after a click, which Bolt has acknowledged already, and after a command
    acknowledged before its person's language was known (`shown` says with what)."""

    t: Translator
    trigger: SyncTrigger
    respond: AsyncRespond
    ack: AsyncAck | None = None
    channel_id: str = ""
    team_id: str = ""
    shown: Shown = ""

    @property
    def user_id(self) -> str:
        return self.trigger.user_id

    async def acknowledge(self, message: Message | None = None) -> None:
        """The first answer: inside a command's acknowledgement (within Slack's 3 s); after a
        click, in place of the clicked message; after an early acknowledgement, in place of
        its "syncing", or below the command. Without `message`, a bare acknowledgement."""
        if self.ack is not None and message is not None:
            await ack_with(self.ack, message)
        elif self.ack is not None:
            await self.ack()
        elif message is not None:
            await reply(self.respond, message, replace=self.shown != "nothing")

    async def answer(self, message: Message, *, replace: bool = True) -> None:
        """A later answer, through response_url (`replace`: in place of the first)."""
        await reply(self.respond, message, replace=replace)


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
