"""What happens when someone types `/wolkvox-sync …`: find the person's language, parse, check
access, then answer as `answers.ANSWERS` says for the kind of command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot import commands
from bot.commands import Help
from bot.errors import InputError
from bot.i18n.messages import describe
from bot.ops import metrics
from bot.slack import replies
from bot.slack.access import allowed, refusal
from bot.slack.listeners.answers import ANSWERS
from bot.slack.listeners.respond import Asked, ack_with
from bot.sync.service import SyncTrigger

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor


class CommandListener:
    """The slash command."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = str(command.get("text") or "")
        user_id, channel_id = (
            str(command.get("user_id") or ""),
            str(command.get("channel_id") or ""),
        )
        # cached after the first command; bounded (about 1 s) before it
        t = await self.door.languages.translator(user_id)
        try:
            parsed = commands.parse(text, self.door.settings.aliases, t)
        except InputError as error:
            metrics.command("unreadable", "bad_input")
            await ack_with(ack, replies.text_message(describe(error, t)))
            return
        if not isinstance(parsed, Help):  # help is for everyone
            kind = type(parsed).__name__.lower()  # a fixed set: the grammar's command classes
            if not allowed(self.door.settings, user_id=user_id, channel_id=channel_id):
                metrics.command(kind, "refused")
                await ack_with(ack, replies.text_message(refusal(t)))
                return
            metrics.command(kind, "accepted")
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(command.get("user_name") or ""),
            command=f"{commands.COMMAND} {text}".strip(),
        )
        team_id = str(command.get("team_id") or "")
        asked = Asked(t, trigger, respond, ack, channel_id=channel_id, team_id=team_id)
        await ANSWERS[type(parsed)](self.door, parsed, asked)
