"""What happens when someone clicks a button or picks from a menu on a result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.errors import BotError, ExpiredError, InputError
from bot.slack.action_ids import ACTION_SHARE
from bot.slack.commands import Lookup, parse_query_text
from bot.slack.error_messages import describe, slack_problem
from bot.slack.listeners.respond import channel_of, clicker, clicker_name, reply
from bot.slack.listeners.syncing import sync_reply
from bot.slack.mrkdwn import escape
from bot.slack.replies import lookup_reply
from bot.slack.values import ViewRef, decode_template, decode_view
from bot.slack.views.common import expired_message, progress_message, text_message
from bot.slack.views.kit import About, Message
from bot.slack.views.template import detail_message
from bot.sync.service import SyncTrigger
from bot.templates import export
from bot.templates.lookup import lookup, template_at
from bot.templates.model import Snapshot
from bot.templates.query import Query

if TYPE_CHECKING:
    from bot.slack.app import Bot

UNREADABLE_MENU = "That menu's data could not be read. Run the command again."


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
        viewed = await self._viewed(action, respond, replace=not share)
        if viewed is None:
            return
        ref, query, snapshot = viewed
        who = clicker(body)
        about = About(
            now=self.bot.now(),
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
        try:
            ref, query = _view(action)
        except BotError as error:
            await reply(respond, _problem(error))
            return
        trigger = SyncTrigger(
            user_id=clicker(body), user_name=clicker_name(body), command="Refresh button"
        )
        command = Lookup(connector=ref.connector, query=query, refresh=True)
        async with self.bot.pending.owe(ref.connector, respond):
            await reply(respond, progress_message(ref.connector))
            await reply(respond, await sync_reply(self.bot, command, trigger, refresh=True))

    async def open(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Show one template of the page in full (the "Open a template…" menu)."""
        await ack()
        try:
            option = action.get("selected_option")
            ref = decode_template(option.get("value") if isinstance(option, dict) else None)
            snapshot = await self._kept(ViewRef(ref.connector, ref.snapshot_id))
            template = template_at(snapshot, ref.index)
            if template is None:
                raise InputError(UNREADABLE_MENU)
        except BotError as error:
            await reply(respond, _problem(error), replace=False)
            return
        await reply(respond, detail_message(snapshot, template, now=self.bot.now()), replace=False)

    async def export(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Upload the (filtered) list as a CSV file to the conversation."""
        await ack()
        viewed = await self._viewed(action, respond, replace=False)
        if viewed is None:
            return
        _, query, snapshot = viewed
        matches = lookup(snapshot, query).matches
        filename = export.csv_filename(snapshot.connector, query.text())
        filters = f" ({escape(query.text())})" if not query.empty else ""
        try:
            await self.bot.web.files_upload_v2(
                channel=channel_of(body),
                filename=filename,
                title=filename,
                content=export.templates_csv(matches),
                initial_comment=(
                    f"Templates of connector {escape(snapshot.connector)}{filters}: "
                    f"{len(matches):,} rows, exported by <@{clicker(body)}>"
                ),
            )
        except SlackApiError as error:
            problem = text_message(slack_problem(error, "upload the CSV"))
            await reply(respond, problem, replace=False)

    async def _viewed(
        self, action: dict[str, Any], respond: AsyncRespond, *, replace: bool
    ) -> tuple[ViewRef, Query, Snapshot] | None:
        """The view a button points to and its kept snapshot; or None, once the user was told
        why not (unreadable button, expired data)."""
        try:
            ref, query = _view(action)
            return ref, query, await self._kept(ref)
        except BotError as error:
            await reply(respond, _problem(error), replace=replace)
            return None

    async def _kept(self, ref: ViewRef) -> Snapshot:
        snapshot = await self.bot.service.kept(ref.snapshot_id)
        if snapshot is None or snapshot.connector != ref.connector:
            raise ExpiredError(ref.connector, ref.query)
        return snapshot


def _view(action: dict[str, Any]) -> tuple[ViewRef, Query]:
    ref = decode_view(action.get("value"))
    return ref, parse_query_text(ref.query)


def _problem(error: BotError) -> Message:
    if isinstance(error, ExpiredError):
        return expired_message(error.connector, describe(error), error.query)
    return text_message(describe(error))
