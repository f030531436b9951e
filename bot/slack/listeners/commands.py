"""What happens when someone types `/wolkvox-sync …`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot import commands
from bot.commands import (
    Check,
    ChooseLanguage,
    Compare,
    Coverage,
    Help,
    History,
    Lookup,
    Show,
    Status,
    Subscribe,
    Subscriptions,
    Unsubscribe,
)
from bot.errors import InputError, SharedStateUnavailable
from bot.i18n import Translator
from bot.i18n.messages import describe
from bot.i18n.mrkdwn import escape
from bot.ops import metrics
from bot.slack.access import allowed, refusal
from bot.slack.listeners.comparing import cached_sides, compare_sync_reply, syncing_message
from bot.slack.listeners.respond import ack_with, reply
from bot.slack.listeners.syncing import render, sync_reply
from bot.slack.replies import compare_reply
from bot.slack.views.history import history_message, subscriptions_message
from bot.slack.views.kit import About, Message
from bot.slack.views.short import (
    help_message,
    language_message,
    progress_message,
    text_message,
)
from bot.slack.views.status import status_message
from bot.sync.service import SyncTrigger

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

HISTORY_ROWS = 10


class CommandListener:
    """The slash command: find the person's language, parse, check access, then look up,
    show history, subscribe or change the language."""

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
            await ack_with(ack, text_message(describe(error, t)))
            return
        kind = type(parsed).__name__.lower()  # a fixed set: the grammar's command classes
        if isinstance(parsed, Help):
            await ack_with(ack, help_message(t, self.door.settings.aliases))
            return
        if not allowed(self.door.settings, user_id=user_id, channel_id=channel_id):
            metrics.command(kind, "refused")
            await ack_with(ack, text_message(refusal(t)))
            return
        metrics.command(kind, "accepted")
        if isinstance(parsed, Lookup | Show | Coverage | Check):
            await self.lookup(parsed, command, ack, respond, t)
            return
        if isinstance(parsed, Compare):
            await self.compare(parsed, command, ack, respond, t)
            return
        if isinstance(parsed, Status):
            await ack()  # the facts take up to a couple of seconds when a part is down
            await reply(respond, await self.status(t), replace=False)
            return
        if isinstance(parsed, ChooseLanguage) and parsed.language is None:
            current = await self.door.languages.of(user_id)
            await ack_with(ack, language_message(current.t, chosen=current.source == "chosen"))
            return
        await ack()  # the database answers quickly, but not always within Slack's 3 s
        if isinstance(parsed, ChooseLanguage):
            message = await self.choose_language(parsed, user_id)
        elif isinstance(parsed, History):
            message = await self.history(parsed, t)
        elif isinstance(parsed, Subscriptions):
            message = await self.subscriptions(channel_id, t)
        else:
            message = await self.subscription(parsed, command, t)
        await reply(respond, message, replace=False)

    async def lookup(
        self,
        command: Lookup | Show | Coverage | Check,
        payload: dict[str, Any],
        ack: AsyncAck,
        respond: AsyncRespond,
        t: Translator,
    ) -> None:
        """Answer from the cache in the acknowledgement, or acknowledge and sync."""
        door, user_id = self.door, str(payload.get("user_id") or "")
        try:
            cached = None if command.refresh else await door.service.cached(command.connector)
        except SharedStateUnavailable:
            cached = None  # the sync below says what is wrong
        if cached is not None:
            await ack_with(ack, render(door, command, cached, "cache", user_id, t))
            return
        await ack_with(ack, progress_message(command.connector, t))
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(payload.get("user_name") or ""),
            command=f"{commands.COMMAND} {payload.get('text') or ''}".strip(),
        )
        async with door.pending.owe(command.connector, respond, t) as owed:
            message = await sync_reply(door, command, trigger, refresh=command.refresh, t=t)
            if owed.claim():
                await reply(respond, message)

    async def compare(
        self,
        command: Compare,
        payload: dict[str, Any],
        ack: AsyncAck,
        respond: AsyncRespond,
        t: Translator,
    ) -> None:
        """Answer from the cache when both sides are fresh; else acknowledge that both are
        syncing and sync them concurrently."""
        door, user_id = self.door, str(payload.get("user_id") or "")
        cached = await cached_sides(door, command)
        if cached is not None:
            about = About(now=door.now(), t=t, origin="cache", asked_by=user_id)
            await ack_with(ack, compare_reply(*cached, about, query=command.query))
            return
        await ack_with(ack, syncing_message(command, t))
        trigger = SyncTrigger(
            user_id=user_id,
            user_name=str(payload.get("user_name") or ""),
            command=f"{commands.COMMAND} {payload.get('text') or ''}".strip(),
        )
        async with door.pending.owe(command.left, respond, t) as owed:
            message = await compare_sync_reply(door, command, trigger, t=t)
            if owed.claim():
                await reply(respond, message)

    async def status(self, t: Translator) -> Message:
        """`status`: calls today against the quota, syncs, cache, database and Redis."""
        return status_message(await self.door.core.status(), t, now=self.door.now())

    async def choose_language(self, command: ChooseLanguage, user_id: str) -> Message:
        """Keep the person's choice; answer in the language that applies from now on."""
        chosen = None if command.language == "auto" else command.language
        now = await self.door.languages.choose(user_id, chosen, self.door.now())
        return language_message(now.t, chosen=now.source == "chosen", changed=chosen is not None)

    async def history(self, command: History, t: Translator) -> Message:
        records = await self.door.require_store().history(command.connector, HISTORY_ROWS)
        return history_message(command.connector, records, now=self.door.now(), t=t)

    async def subscriptions(self, channel_id: str, t: Translator) -> Message:
        subs = await self.door.require_store().subscriptions(channel_id=channel_id)
        return subscriptions_message(channel_id, subs, t)

    async def subscription(
        self, command: Subscribe | Unsubscribe, payload: dict[str, Any], t: Translator
    ) -> Message:
        """Subscribe or unsubscribe the channel the command was typed in."""
        store = self.door.require_store()
        channel_id = str(payload.get("channel_id") or "")
        connector = escape(command.connector)
        if not channel_id.startswith(("C", "G")):
            return text_message(
                t._(
                    ":grey_question: Subscriptions are for channels: run this in the channel "
                    "that should get the changes."
                )
            )
        if isinstance(command, Unsubscribe):
            removed = await store.unsubscribe(channel_id=channel_id, connector=command.connector)
            if removed:
                text = t._(
                    ":no_bell: This channel no longer gets the changes of connector *{connector}*."
                )
            else:
                text = t._("This channel was not subscribed to connector *{connector}*.")
            return text_message(text.format(connector=connector))
        added = await store.subscribe(
            team_id=str(payload.get("team_id") or ""),
            channel_id=channel_id,
            connector=command.connector,
            user_id=str(payload.get("user_id") or ""),
            now=self.door.now(),
        )
        if not added:
            text = t._("This channel already gets the changes of connector *{connector}*.")
            return text_message(text.format(connector=connector))
        return text_message(
            t._(
                ":bell: This channel now gets what changes in connector *{connector}* after "
                "every sync, in {language}. For a private channel, make sure I'm in it: "
                "{invite}."
            ).format(connector=connector, language=t.name, invite="`/invite @Wolkvox Sync`")
        )
