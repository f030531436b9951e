"""What happens when someone clicks a button or picks from a menu on a result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.errors import BotError, ExpiredError, InputError
from bot.i18n import N_, Translator
from bot.slack.action_ids import ACTION_SHARE
from bot.slack.commands import Lookup, parse_query_text
from bot.slack.error_messages import describe, slack_problem
from bot.slack.listeners.respond import channel_of, clicker, clicker_name, reply
from bot.slack.listeners.syncing import sync_reply
from bot.slack.mrkdwn import escape
from bot.slack.replies import lookup_reply
from bot.slack.values import ViewRef, decode_template, decode_view
from bot.slack.views.common import expired_message, progress_message, text_message
from bot.slack.views.exports import csv_filename, templates_csv
from bot.slack.views.kit import About, Message
from bot.slack.views.template import detail_message
from bot.sync.service import SyncTrigger
from bot.templates.lookup import lookup, template_at
from bot.templates.model import Snapshot
from bot.templates.query import Query

if TYPE_CHECKING:
    from bot.slack.app import Bot

UNREADABLE_MENU = N_("That menu's data could not be read. Run the command again.")


class ActionListeners:
    """Previous, Next and Share (one page of a kept result), Refresh, Open and Export CSV."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def page(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Previous and Next replace the clicker's message; Share posts the same page for the
        whole channel, saying who shared it."""
        await ack()
        share = action.get("action_id") == ACTION_SHARE
        who = clicker(body)
        t = await self.bot.languages.translator(who)
        viewed = await self._viewed(action, respond, t, replace=not share)
        if viewed is None:
            return
        ref, query, snapshot = viewed
        if share:  # the post is for the channel: in the channel's language
            t = await self._channel_language(body)
        about = About(
            now=self.bot.now(),
            t=t,
            origin="cache",
            asked_by="" if share else who,
            shared_by=who if share else "",
        )
        message = lookup_reply(snapshot, about, query=query, page=ref.page)
        await reply(respond, message, replace=not share, in_channel=share)

    async def refresh(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Sync again, keeping the result's filters."""
        await ack()
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref, query = _view(action, t)
        except BotError as error:
            await reply(respond, _problem(error, t))
            return
        trigger = SyncTrigger(
            user_id=clicker(body), user_name=clicker_name(body), command="Refresh button"
        )
        command = Lookup(connector=ref.connector, query=query, refresh=True)
        async with self.bot.pending.owe(ref.connector, respond, t):
            await reply(respond, progress_message(ref.connector, t))
            await reply(respond, await sync_reply(self.bot, command, trigger, refresh=True, t=t))

    async def open(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Show one template of the page in full (the "Open a template…" menu)."""
        await ack()
        t = await self.bot.languages.translator(clicker(body))
        try:
            option = action.get("selected_option")
            ref = decode_template(option.get("value") if isinstance(option, dict) else None)
            snapshot = await self._kept(ViewRef(ref.connector, ref.snapshot_id))
            template = template_at(snapshot, ref.index)
            if template is None:
                raise InputError(UNREADABLE_MENU)
        except BotError as error:
            await reply(respond, _problem(error, t), replace=False)
            return
        detail = detail_message(snapshot, template, now=self.bot.now(), t=t)
        await reply(respond, detail, replace=False)

    async def export(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Upload the (filtered) list as a CSV file to the conversation, its comment and
        columns in the conversation's language."""
        await ack()
        who = clicker(body)
        t = await self.bot.languages.translator(who)
        viewed = await self._viewed(action, respond, t, replace=False)
        if viewed is None:
            return
        _, query, snapshot = viewed
        matches = lookup(snapshot, query).matches
        posted = await self._channel_language(body)
        filename = csv_filename(snapshot.connector, query.text(), posted)
        if query.empty:
            comment = posted.nformat(
                "Templates of connector {connector}: {count} row, exported by {user}",
                "Templates of connector {connector}: {count} rows, exported by {user}",
                len(matches),
                connector=escape(snapshot.connector),
                user=f"<@{who}>",
            )
        else:
            comment = posted.nformat(
                "Templates of connector {connector} ({filters}): {count} row, exported by {user}",
                "Templates of connector {connector} ({filters}): {count} rows, exported by {user}",
                len(matches),
                connector=escape(snapshot.connector),
                filters=escape(query.text()),
                user=f"<@{who}>",
            )
        try:
            await self.bot.web.files_upload_v2(
                channel=channel_of(body),
                filename=filename,
                title=filename,
                content=templates_csv(list(matches), posted),
                initial_comment=comment,
            )
        except SlackApiError as error:
            failed = t._("I could not upload the CSV here")
            await reply(respond, text_message(slack_problem(error, failed, t)), replace=False)

    async def _channel_language(self, body: dict[str, Any]) -> Translator:
        return await self.bot.languages.channel(
            channel_of(body), notify_channel=self.bot.settings.notify_channel, poster=clicker(body)
        )

    async def _viewed(
        self, action: dict[str, Any], respond: AsyncRespond, t: Translator, *, replace: bool
    ) -> tuple[ViewRef, Query, Snapshot] | None:
        """The view a button points to and its kept snapshot; or None, once the user was told
        why not (unreadable button, expired data)."""
        try:
            ref, query = _view(action, t)
            return ref, query, await self._kept(ref)
        except BotError as error:
            await reply(respond, _problem(error, t), replace=replace)
            return None

    async def _kept(self, ref: ViewRef) -> Snapshot:
        snapshot = await self.bot.service.kept(ref.snapshot_id)
        if snapshot is None or snapshot.connector != ref.connector:
            raise ExpiredError(ref.connector, ref.query)
        return snapshot


def _view(action: dict[str, Any], t: Translator) -> tuple[ViewRef, Query]:
    ref = decode_view(action.get("value"))
    return ref, parse_query_text(ref.query, t)


def _problem(error: BotError, t: Translator) -> Message:
    if isinstance(error, ExpiredError):
        return expired_message(error.connector, describe(error, t), t, error.query)
    return text_message(describe(error, t))
