"""What happens when someone types `/wolkvox-sync …`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.errors import InputError, SharedStateUnavailable
from bot.slack import commands
from bot.slack.access import REFUSAL, allowed
from bot.slack.commands import (
    Help,
    History,
    Lookup,
    Show,
    Subscribe,
    Subscriptions,
    Unsubscribe,
)
from bot.slack.error_messages import describe
from bot.slack.listeners.respond import ack_with, reply
from bot.slack.listeners.syncing import render, sync_reply
from bot.slack.mrkdwn import escape
from bot.slack.views.common import help_message, progress_message, text_message
from bot.slack.views.history import history_message, subscriptions_message
from bot.slack.views.kit import Message
from bot.sync.service import SyncTrigger

if TYPE_CHECKING:
    from bot.slack.app import Bot

HISTORY_ROWS = 10


class CommandListener:
    """The slash command: parse, check access, then look up, show history or subscribe."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = str(command.get("text") or "")
        try:
            parsed = commands.parse(text, self.bot.settings.aliases)
        except InputError as error:
            await ack_with(ack, text_message(describe(error)))
            return
        if isinstance(parsed, Help):
            await ack_with(ack, help_message(self.bot.settings.aliases))
            return
        user_id, channel_id = (
            str(command.get("user_id") or ""),
            str(command.get("channel_id") or ""),
        )
        if not allowed(self.bot.settings, user_id=user_id, channel_id=channel_id):
            await ack_with(ack, text_message(REFUSAL))
            return
        if isinstance(parsed, Lookup | Show):
            await self.lookup(parsed, command, ack, respond)
            return
        await ack()  # the database answers quickly, but not always within Slack's 3 s
        if isinstance(parsed, History):
            message = await self.history(parsed)
        elif isinstance(parsed, Subscriptions):
            message = await self.subscriptions(channel_id)
        else:
            message = await self.subscription(parsed, command)
        await reply(respond, message, replace=False)

    async def lookup(
        self, command: Lookup | Show, payload: dict[str, Any], ack: AsyncAck, respond: AsyncRespond
    ) -> None:
        """Answer from the cache in the acknowledgement, or acknowledge and sync."""
        bot, user_id = self.bot, str(payload.get("user_id") or "")
        try:
            cached = None if command.refresh else await bot.service.cached(command.connector)
        except SharedStateUnavailable:
            cached = None  # the sync below says what is wrong
        if cached is not None:
            await ack_with(ack, render(bot, command, cached, "cache", user_id))
            return
        await ack_with(ack, progress_message(command.connector))
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(payload.get("user_name") or ""),
            command=f"{commands.COMMAND} {payload.get('text') or ''}".strip(),
        )
        async with bot.pending.owe(command.connector, respond):
            await reply(respond, await sync_reply(bot, command, trigger, refresh=command.refresh))

    async def history(self, command: History) -> Message:
        records = await self.bot.require_store().history(command.connector, HISTORY_ROWS)
        return history_message(command.connector, records, now=self.bot.now())

    async def subscriptions(self, channel_id: str) -> Message:
        subs = await self.bot.require_store().subscriptions(channel_id=channel_id)
        return subscriptions_message(channel_id, subs)

    async def subscription(
        self, command: Subscribe | Unsubscribe, payload: dict[str, Any]
    ) -> Message:
        """Subscribe or unsubscribe the channel the command was typed in."""
        store = self.bot.require_store()
        channel_id = str(payload.get("channel_id") or "")
        connector = escape(command.connector)
        if not channel_id.startswith(("C", "G")):
            return text_message(
                ":grey_question: Subscriptions are for channels: run this in the channel that "
                "should get the changes."
            )
        if isinstance(command, Unsubscribe):
            removed = await store.unsubscribe(channel_id=channel_id, connector=command.connector)
            return text_message(
                f":no_bell: This channel no longer gets the changes of connector *{connector}*."
                if removed
                else f"This channel was not subscribed to connector *{connector}*."
            )
        added = await store.subscribe(
            team_id=str(payload.get("team_id") or ""),
            channel_id=channel_id,
            connector=command.connector,
            user_id=str(payload.get("user_id") or ""),
            now=self.bot.now(),
        )
        if not added:
            return text_message(
                f"This channel already gets the changes of connector *{connector}*."
            )
        return text_message(
            f":bell: This channel now gets what changes in connector *{connector}* after every "
            "sync. For a private channel, make sure I'm in it: `/invite @Wolkvox Sync`."
        )
