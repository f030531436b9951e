"""What happens when someone answers "which operation?" (a connector id alone, several
operations, no default in the channel): the command they typed runs again with the id
meaning the chosen operation's, and is answered as the command is.

The button carries the operation and the command's text: the text is read by the grammar
again (as typed), and the operation must still exist. A button naming an operation removed
since (or a forged one) is answered with the operations that exist, never with another
operation's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot import commands
from bot.errors import BotError, InputError, UnknownOperation
from bot.i18n import N_
from bot.i18n.messages import describe
from bot.operations.addressing import resolve_connector
from bot.slack.listeners.answers import ANSWERS
from bot.slack.listeners.respond import Asked, channel_of, clicker, clicker_name, reply
from bot.slack.replies import text_message
from bot.slack.values import decode_choice
from bot.sync.service import SyncTrigger

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

_UNREADABLE = N_("That button's data could not be read. Run the command again.")


class OperationChoice:
    """The buttons of the question "which operation?"."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        who = clicker(body)
        t = await self.door.languages.translator(who)
        names = self.door.book.names()
        try:
            choice = decode_choice(action.get("value"))
            if choice.operation not in names:
                raise UnknownOperation(choice.operation, names)
            command = commands.parse(choice.text, self.door.book.aliases(), t)
            if not commands.connectors_of(command):
                raise InputError(_UNREADABLE)
            command = commands.resolved(
                command,
                lambda word: resolve_connector(
                    word, names, choice.operation, scope=self.door.workspace
                ),
                t,
            )
        except BotError as error:  # in place of the question
            await reply(respond, text_message(describe(error, t)))
            return
        trigger = SyncTrigger(
            user_id=who,
            user_name=clicker_name(body),
            command=f"{commands.COMMAND} {choice.text}".strip(),  # as the slash command has it
            team_id=self.door.workspace,
        )
        team = body.get("team")
        asked = Asked(
            t,
            trigger,
            respond,
            channel_id=channel_of(body),
            team_id=str(team.get("id") or "") if isinstance(team, dict) else "",
        )
        await ANSWERS[type(command)](self.door, command, asked)
