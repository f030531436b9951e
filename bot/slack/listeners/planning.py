"""What happens when someone clicks a button on a coverage grid, a readiness card or a
comparison: Previous, Next and Share (a page of kept data), Refresh (sync again, same query)
and Export CSV (the whole grid or every difference, in the conversation's language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.errors import BotError, ExpiredError
from bot.i18n import Translator
from bot.slack.action_ids import ACTION_COMPARE_SHARE, ACTION_COVERAGE_SHARE
from bot.slack.commands import Check, Compare, Coverage, parse_query_text
from bot.slack.error_messages import describe, slack_problem
from bot.slack.listeners.comparing import compare_sync_reply, syncing_message
from bot.slack.listeners.respond import channel_of, clicker, clicker_name, reply
from bot.slack.listeners.syncing import sync_reply
from bot.slack.mrkdwn import escape
from bot.slack.replies import check_reply, compare_reply, coverage_reply
from bot.slack.values import (
    CheckRef,
    CompareRef,
    decode_check,
    decode_compare,
    decode_view,
)
from bot.slack.views.common import progress_message, text_message
from bot.slack.views.compare import comparison_csv, comparison_expired
from bot.slack.views.coverage import coverage_csv, coverage_expired
from bot.slack.views.kit import About, Message
from bot.slack.views.readiness import readiness_expired
from bot.sync.service import SyncTrigger
from bot.templates import export
from bot.templates.compare import compare
from bot.templates.coverage import coverage
from bot.templates.model import Snapshot

if TYPE_CHECKING:
    from bot.slack.app import Bot

Ack = AsyncAck
Action = dict[str, Any]
Body = dict[str, Any]


class PlanningActions:
    """The buttons of the coverage, check and compare replies."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    # coverage

    async def coverage_page(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        """Previous and Next replace the clicker's grid; Share posts the page for everyone."""
        await ack()
        share = action.get("action_id") == ACTION_COVERAGE_SHARE
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref = decode_view(action.get("value"))
            query = parse_query_text(ref.query, t)
            snapshot = await self._kept(ref.connector, ref.snapshot_id, ref.query)
        except BotError as error:
            await reply(respond, self._coverage_problem(error, t), replace=not share)
            return
        about = await self._about(body, t, share)
        message = coverage_reply(snapshot, about, query=query, page=ref.page)
        await reply(respond, message, replace=not share, in_channel=share)

    async def coverage_refresh(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        await ack()
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref = decode_view(action.get("value"))
            command = Coverage(ref.connector, parse_query_text(ref.query, t), refresh=True)
        except BotError as error:
            await reply(respond, text_message(describe(error, t)))
            return
        await self._sync_again(command, body, respond, t)

    async def coverage_export(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        """Upload the whole grid (every row, not one page) as a CSV file."""
        await ack()
        who = clicker(body)
        t = await self.bot.languages.translator(who)
        try:
            ref = decode_view(action.get("value"))
            query = parse_query_text(ref.query, t)
            snapshot = await self._kept(ref.connector, ref.snapshot_id, ref.query)
        except BotError as error:
            await reply(respond, self._coverage_problem(error, t), replace=False)
            return
        grid = coverage(snapshot, query)
        posted = await self._channel_language(body)
        values = {
            "connector": escape(snapshot.connector),
            "user": f"<@{who}>",
            "filters": escape(query.text()),
        }
        if query.empty:
            comment = posted.nformat(
                "Coverage of connector {connector}: {count} template, exported by {user}",
                "Coverage of connector {connector}: {count} templates, exported by {user}",
                grid.count,
                **values,
            )
        else:
            comment = posted.nformat(
                "Coverage of connector {connector} ({filters}): {count} template, exported by "
                "{user}",
                "Coverage of connector {connector} ({filters}): {count} templates, exported by "
                "{user}",
                grid.count,
                **values,
            )
        what = posted._("coverage")
        filename = export.csv_filename(snapshot.connector, f"{what} {query.text()}")
        await self._upload(body, respond, t, filename, coverage_csv(grid, posted), comment)

    # check

    async def check_share(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        """Post the readiness card for everyone, saying who shared it."""
        await ack()
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref = decode_check(action.get("value"))
            snapshot = await self._kept(ref.connector, ref.snapshot_id)
        except BotError as error:
            await reply(respond, self._check_problem(error, action, t), replace=False)
            return
        about = await self._about(body, t, share=True)
        await reply(respond, check_reply(snapshot, ref.name, about), replace=False, in_channel=True)

    async def check_refresh(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        await ack()
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref = decode_check(action.get("value"))
        except BotError as error:
            await reply(respond, text_message(describe(error, t)))
            return
        await self._sync_again(Check(ref.connector, ref.name, refresh=True), body, respond, t)

    # compare

    async def compare_page(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        """Previous and Next replace the clicker's comparison; Share posts it for everyone."""
        await ack()
        share = action.get("action_id") == ACTION_COMPARE_SHARE
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref = decode_compare(action.get("value"))
            query = parse_query_text(ref.query, t)
            left, right = await self._sides(ref)
        except BotError as error:
            await reply(respond, self._compare_problem(error, action, t), replace=not share)
            return
        about = await self._about(body, t, share)
        message = compare_reply(left, right, about, query=query, page=ref.page)
        await reply(respond, message, replace=not share, in_channel=share)

    async def compare_refresh(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        """Sync both connectors again (concurrently), keeping the filters."""
        await ack()
        t = await self.bot.languages.translator(clicker(body))
        try:
            ref = decode_compare(action.get("value"))
            query = parse_query_text(ref.query, t)
        except BotError as error:
            await reply(respond, text_message(describe(error, t)))
            return
        command = Compare(ref.left, ref.right, query, refresh=True)
        async with self.bot.pending.owe(ref.left, respond, t):
            await reply(respond, syncing_message(command, t))
            message = await compare_sync_reply(self.bot, command, self._trigger(body), t=t)
            await reply(respond, message)

    async def compare_export(
        self, ack: Ack, action: Action, body: Body, respond: AsyncRespond
    ) -> None:
        """Upload every difference (not one page) as a CSV file."""
        await ack()
        who = clicker(body)
        t = await self.bot.languages.translator(who)
        try:
            ref = decode_compare(action.get("value"))
            query = parse_query_text(ref.query, t)
            left, right = await self._sides(ref)
        except BotError as error:
            await reply(respond, self._compare_problem(error, action, t), replace=False)
            return
        comparison = compare(left, right, query)
        posted = await self._channel_language(body)
        comment = posted.nformat(
            "Connectors {left} and {right} compared: {count} difference, exported by {user}",
            "Connectors {left} and {right} compared: {count} differences, exported by {user}",
            comparison.count,
            left=escape(left.connector),
            right=escape(right.connector),
            user=f"<@{who}>",
        )
        what = posted._("comparison")
        connectors = f"{left.connector}-{right.connector}"
        filename = export.csv_filename(connectors, f"{what} {query.text()}")
        content = comparison_csv(comparison, posted)
        await self._upload(body, respond, t, filename, content, comment)

    # shared

    async def _sync_again(
        self, command: Coverage | Check, body: Body, respond: AsyncRespond, t: Translator
    ) -> None:
        async with self.bot.pending.owe(command.connector, respond, t):
            await reply(respond, progress_message(command.connector, t))
            message = await sync_reply(self.bot, command, self._trigger(body), refresh=True, t=t)
            await reply(respond, message)

    def _trigger(self, body: Body) -> SyncTrigger:
        return SyncTrigger(
            user_id=clicker(body), user_name=clicker_name(body), command="Refresh button"
        )

    async def _about(self, body: Body, t: Translator, share: bool) -> About:
        """For the clicker (in their language), or for the channel when shared."""
        who = clicker(body)
        if share:
            t = await self._channel_language(body)
        return About(
            now=self.bot.now(),
            t=t,
            origin="cache",
            asked_by="" if share else who,
            shared_by=who if share else "",
        )

    async def _upload(
        self,
        body: Body,
        respond: AsyncRespond,
        t: Translator,
        filename: str,
        content: str,
        comment: str,
    ) -> None:
        try:
            await self.bot.web.files_upload_v2(
                channel=channel_of(body),
                filename=filename,
                title=filename,
                content=content,
                initial_comment=comment,
            )
        except SlackApiError as error:
            failed = t._("I could not upload the CSV here")
            await reply(respond, text_message(slack_problem(error, failed, t)), replace=False)

    async def _channel_language(self, body: Body) -> Translator:
        return await self.bot.languages.channel(
            channel_of(body), notify_channel=self.bot.settings.notify_channel, poster=clicker(body)
        )

    async def _kept(self, connector: str, snapshot_id: str, query: str = "") -> Snapshot:
        snapshot = await self.bot.service.kept(snapshot_id) if snapshot_id else None
        if snapshot is None or snapshot.connector != connector:
            raise ExpiredError(connector, query)
        return snapshot

    async def _sides(self, ref: CompareRef) -> tuple[Snapshot, Snapshot]:
        left = await self._kept(ref.left, ref.left_snapshot, ref.query)
        right = await self._kept(ref.right, ref.right_snapshot, ref.query)
        return left, right

    def _coverage_problem(self, error: BotError, t: Translator) -> Message:
        if isinstance(error, ExpiredError):
            return coverage_expired(error.connector, error.query, describe(error, t), t)
        return text_message(describe(error, t))

    def _check_problem(self, error: BotError, action: Action, t: Translator) -> Message:
        if isinstance(error, ExpiredError):
            ref: CheckRef = decode_check(action.get("value"))
            return readiness_expired(ref.connector, ref.name, describe(error, t), t)
        return text_message(describe(error, t))

    def _compare_problem(self, error: BotError, action: Action, t: Translator) -> Message:
        if isinstance(error, ExpiredError):
            return comparison_expired(decode_compare(action.get("value")), describe(error, t), t)
        return text_message(describe(error, t))
