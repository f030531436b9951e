"""What happens when someone types `/wolkvox-sync …`: find the person's language, parse, check
access, say which operation each connector is in (or ask), then answer as `answers.ANSWERS`
says for the kind of command.

The acknowledgement never waits for Slack to tell a person's language (`users.info`): when it
is not cached yet (someone's first command of the day), the command is acknowledged at once
without words, with nothing, or, for a command that will sync, with a "syncing" in no
language, and the answer follows through response_url in the person's language, once it is
known (one lookup per person however many of their commands arrive together; about a second
at most).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot import commands
from bot.commands import Help
from bot.errors import BotError, InputError, OperationError, OperationNeeded
from bot.i18n import translator
from bot.i18n.messages import describe
from bot.operations.addressing import resolve_connector
from bot.ops import metrics
from bot.slack import replies
from bot.slack.access import allowed, refusal
from bot.slack.listeners.answers import ANSWERS
from bot.slack.listeners.respond import Asked, Shown, ack_with
from bot.slack.listeners.syncing import Synced
from bot.sync.service import SyncTrigger

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

# Bolt sends an acknowledgement when it next looks for it, every 10 ms: waiting this long
# before looking a language up lets a burst of new people's acknowledgements leave before
# the lookups' work (bench/bursts.py: the cold bursts' p99 about 10 ms lower)
ACK_LEAVES_SECONDS = 0.011


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
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(command.get("user_name") or ""),
            command=f"{commands.COMMAND} {text}".strip(),
            team_id=self.door.workspace,
        )
        team_id = str(command.get("team_id") or "")
        known = await self.door.languages.known(user_id)  # the cache only, never Slack
        if known is not None:  # the answer may be the acknowledgement itself
            asked = Asked(
                self.door.languages.speaking(known),
                trigger,
                respond,
                ack,
                channel_id=channel_id,
                team_id=team_id,
            )
        else:
            shown = await self.acknowledge_early(ack, text, user_id, channel_id)
            await asyncio.sleep(ACK_LEAVES_SECONDS)  # it leaves before the lookup's work
            t = await self.door.languages.translator(user_id)
            asked = Asked(t, trigger, respond, channel_id=channel_id, team_id=team_id, shown=shown)
        await self.answer(text, asked)

    async def answer(self, text: str, asked: Asked) -> None:
        t = asked.t
        try:
            parsed = commands.parse(text, self.door.book.aliases(), t)
        except InputError as error:
            metrics.command("unreadable", "bad_input")
            await asked.acknowledge(replies.text_message(describe(error, t)))
            return
        if not isinstance(parsed, Help):  # help is for everyone
            kind = type(parsed).__name__.lower()  # a fixed set: the grammar's command classes
            if not allowed(self.door.settings, user_id=asked.user_id, channel_id=asked.channel_id):
                metrics.command(kind, "refused")
                await asked.acknowledge(replies.text_message(refusal(t)))
                return
            metrics.command(kind, "accepted")
        try:  # before any cache is read or Wolkvox called
            parsed = await self.door.resolve(parsed, asked.channel_id, t)
        except OperationNeeded as error:
            await asked.acknowledge(replies.operation_question_message(error, text, t))
            return
        except (OperationError, InputError) as error:
            await asked.acknowledge(replies.text_message(describe(error, t)))
            return
        await ANSWERS[type(parsed)](self.door, parsed, asked)

    async def acknowledge_early(
        self, ack: AsyncAck, text: str, user_id: str, channel_id: str
    ) -> Shown:
        """The acknowledgement before the person's language is known: a "syncing" without
        words when the command will sync (its answer takes seconds), else nothing (the answer
        follows within about a second)."""
        names, scope = self.door.book.names(), self.door.workspace
        try:  # read again in theirs; a channel's default is not read before this acknowledgement
            parsed = commands.parse(text, self.door.book.aliases())
            parsed = commands.resolved(
                parsed, lambda word: resolve_connector(word, names, scope=scope), translator()
            )
        except BotError:
            parsed = None
        answer = ANSWERS.get(type(parsed)) if parsed is not None else None
        if (
            isinstance(answer, Synced)
            and allowed(self.door.settings, user_id=user_id, channel_id=channel_id)
            and answer.will_sync(self.door, parsed)
        ):
            await ack_with(ack, answer.wordless_progress(parsed, self.door.book.several))
            return "progress"
        await ack()
        return "nothing"
