"""What the buttons on a kept result have in common: reading the button, telling the clicker
why it can't be done, showing a page (Previous, Next, Share), syncing again (Refresh) and
uploading a CSV export, each in the clicker's or the conversation's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.commands import Check, Compare, Coverage, Lookup, parse_query_text, resolved
from bot.errors import BotError, ExpiredError
from bot.i18n import Translator
from bot.i18n.messages import describe, slack_problem
from bot.slack.listeners.answers import ANSWERS
from bot.slack.listeners.respond import Asked, channel_of, clicker, clicker_name, reply
from bot.slack.replies import text_message
from bot.slack.values import ViewRef, decode_view
from bot.slack.views.kit import About, Message
from bot.sync.service import SyncTrigger
from bot.templates.model import Snapshot
from bot.templates.query import Query

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

Action = dict[str, Any]
Body = dict[str, Any]
# A page of kept data, rendered once it is known whom it is for (the clicker, or the channel).
Page = Callable[[About], Message]
# What a button says when it can't be done: the expired data's message, or the error's.
Problem = Callable[[BotError, Action, Translator], Message]
Again = Lookup | Coverage | Check | Compare
# What a button's value (and the clicker's language, for its filters) points to.
LoadPage = Callable[[object, Translator], Awaitable[Page]]
ReadAgain = Callable[[object, Translator], Again]
# A listener Bolt calls with the click: acknowledge, then answer through response_url.
Listener = Callable[[AsyncAck, Action, Body, AsyncRespond], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Upload:
    """A CSV export: the file's name and content, and the comment posted with it."""

    filename: str
    content: str
    comment: str


# An export, written in the conversation's language and saying who exported it (a user id).
Export = Callable[[Translator, str], Upload]
LoadExport = Callable[[object, Translator], Awaitable[Export]]


def problem_message(
    error: BotError, t: Translator, expired: Callable[[ExpiredError, str], Message]
) -> Message:
    """`expired(error, text)` when the kept data is gone; the error's own message otherwise."""
    if isinstance(error, ExpiredError):
        return expired(error, describe(error, t))
    return text_message(describe(error, t))


class KeptClicks:
    """The clicks on a result that was kept: pages, refreshes and exports."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    def page_listener(self, share_id: str, load: LoadPage, problem: Problem) -> Listener:
        """Previous, Next and Share of one kind of result (Share's action id: `share_id`)."""

        async def listener(
            ack: AsyncAck, action: Action, body: Body, respond: AsyncRespond
        ) -> None:
            await ack()
            await self.show_page(
                action, body, respond, share_id=share_id, load=load, problem=problem
            )

        return listener

    def refresh_listener(self, read: ReadAgain) -> Listener:
        """Refresh of one kind of result: `read` gives the command to run again."""

        async def listener(
            ack: AsyncAck, action: Action, body: Body, respond: AsyncRespond
        ) -> None:
            await ack()
            await self.sync_again(action, body, respond, read)

        return listener

    def export_listener(self, load: LoadExport, problem: Problem) -> Listener:
        """Export CSV of one kind of result."""

        async def listener(
            ack: AsyncAck, action: Action, body: Body, respond: AsyncRespond
        ) -> None:
            await ack()
            await self.export_csv(action, body, respond, load=load, problem=problem)

        return listener

    async def show_page(
        self,
        action: Action,
        body: Body,
        respond: AsyncRespond,
        *,
        share_id: str,
        load: LoadPage,
        problem: Problem,
    ) -> None:
        """Previous and Next replace the clicker's reply; Share (`share_id`) posts the same
        page for the whole channel, in its language, saying who shared it."""
        share = action.get("action_id") == share_id
        t = await self.door.languages.translator(clicker(body))
        try:
            page = await load(action.get("value"), t)
        except BotError as error:
            await reply(respond, problem(error, action, t), replace=not share)
            return
        about = await self.about(body, t, share)
        await reply(respond, page(about), replace=not share, in_channel=share)

    async def sync_again(
        self,
        action: Action,
        body: Body,
        respond: AsyncRespond,
        read: ReadAgain,
    ) -> None:
        """Refresh: run the button's command again, asking Wolkvox, keeping its filters."""
        t = await self.door.languages.translator(clicker(body))
        try:  # a button made before operations existed names the environment's
            command = resolved(read(action.get("value"), t), self.door.button_key, t)
        except BotError as error:
            await reply(respond, text_message(describe(error, t)))
            return
        trigger = SyncTrigger(
            user_id=clicker(body),
            user_name=clicker_name(body),
            command="Refresh button",
            team_id=self.door.workspace,
        )
        await ANSWERS[type(command)](self.door, command, Asked(t, trigger, respond))

    async def export_csv(
        self,
        action: Action,
        body: Body,
        respond: AsyncRespond,
        *,
        load: LoadExport,
        problem: Problem,
    ) -> None:
        """Upload a CSV file to the conversation, its comment and columns in its language."""
        who = clicker(body)
        t = await self.door.languages.translator(who)
        try:
            export = await load(action.get("value"), t)
        except BotError as error:
            await reply(respond, problem(error, action, t), replace=False)
            return
        upload = export(await self.channel_language(body), who)
        try:
            await self.door.web.files_upload_v2(
                channel=channel_of(body),
                filename=upload.filename,
                title=upload.filename,
                content=upload.content,
                initial_comment=upload.comment,
            )
        except SlackApiError as error:
            failed = t._("I could not upload the CSV here")
            await reply(respond, text_message(slack_problem(error, failed, t)), replace=False)

    async def about(self, body: Body, t: Translator, share: bool) -> About:
        """For the clicker (in their language), or for the channel when shared."""
        who = clicker(body)
        if share:
            t = await self.channel_language(body)
        return About(
            now=self.door.now(),
            t=t,
            origin="cache",
            asked_by="" if share else who,
            shared_by=who if share else "",
        )

    async def channel_language(self, body: Body) -> Translator:
        """The language of the conversation the click came from."""
        return await self.door.languages.channel(
            channel_of(body), notify_channel=self.door.settings.notify_channel, poster=clicker(body)
        )

    async def kept(self, connector: str, snapshot_id: str, query: str = "") -> Snapshot:
        """The kept snapshot a button points to; ExpiredError when it is gone, or when it is
        another connector's (a button naming 5678 with 1234's snapshot id, or cliente_b:1234
        with cliente_a:1234's); UnknownOperation when the button's operation is gone. Every
        click that loads a kept snapshot by id comes through here
        (tests/test_cross_connector_buttons.py, tests/test_operation_addressing.py)."""
        connector = self.door.button_key(connector)
        snapshot = await self.door.service.kept(snapshot_id) if snapshot_id else None
        if snapshot is None or snapshot.connector != connector:
            raise ExpiredError(connector, query)
        return snapshot

    async def view(self, value: object, t: Translator) -> tuple[ViewRef, Query, Snapshot]:
        """A button's page of a lookup or coverage: where, its filters, and the kept snapshot."""
        ref = decode_view(value)
        query = parse_query_text(ref.query, t)
        return ref, query, await self.kept(ref.connector, ref.snapshot_id, ref.query)
