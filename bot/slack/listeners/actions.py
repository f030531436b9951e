"""What happens when someone clicks a button or picks from the Open menu on a lookup's result:
Previous, Next and Share (a page of the kept result), Refresh, Open and Export CSV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.commands import Lookup, parse_query_text
from bot.errors import BotError, ExpiredError, InputError
from bot.i18n import N_, Translator
from bot.i18n.mrkdwn import escape
from bot.slack.action_ids import ACTION_SHARE
from bot.slack.listeners.clicks import Action, Export, KeptClicks, Page, Upload, problem_message
from bot.slack.listeners.respond import clicker, reply
from bot.slack.replies import expired_message, lookup_reply
from bot.slack.values import decode_template, decode_view
from bot.slack.views.kit import Message
from bot.slack.views.template import detail_message
from bot.templates.export import csv_filename, templates_csv
from bot.templates.lookup import lookup, template_at

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

UNREADABLE_MENU = N_("That menu's data could not be read. Run the command again.")


class ActionListeners(KeptClicks):
    """Previous, Next and Share (one page of a kept result), Refresh, Open and Export CSV."""

    def __init__(self, door: SlackDoor) -> None:
        super().__init__(door)
        # Previous and Next replace the clicker's message; Share posts the same page for the
        # whole channel, saying who shared it. Refresh syncs again, keeping the filters.
        self.page = self.page_listener(ACTION_SHARE, self._page, _problem)
        self.refresh = self.refresh_listener(_lookup_again)
        # Export CSV uploads the (filtered) list to the conversation, its comment and columns
        # in the conversation's language.
        self.export = self.export_listener(self._export, _problem)

    async def open(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Show one template of the page in full (the "Open a template…" menu)."""
        await ack()
        t = await self.door.languages.translator(clicker(body))
        try:
            option = action.get("selected_option")
            ref = decode_template(option.get("value") if isinstance(option, dict) else None)
            snapshot = await self.kept(ref.connector, ref.snapshot_id)
            template = template_at(snapshot, ref.index)
            if template is None:
                raise InputError(UNREADABLE_MENU)
        except BotError as error:
            await reply(respond, _problem(error, action, t), replace=False)
            return
        detail = detail_message(snapshot, template, now=self.door.now(), t=t)
        await reply(respond, detail, replace=False)

    async def _page(self, value: object, t: Translator) -> Page:
        ref, query, snapshot = await self.view(value, t)
        return lambda about: lookup_reply(snapshot, about, query=query, page=ref.page)

    async def _export(self, value: object, t: Translator) -> Export:
        _, query, snapshot = await self.view(value, t)
        matches = lookup(snapshot, query).matches

        def upload(posted: Translator, who: str) -> Upload:
            filename = csv_filename(posted.connector_file(snapshot.connector), query.text(), posted)
            if query.empty:
                comment = posted.nformat(
                    "Templates of connector {connector}: {count} row, exported by {user}",
                    "Templates of connector {connector}: {count} rows, exported by {user}",
                    len(matches),
                    connector=escape(posted.connector(snapshot.connector)),
                    user=f"<@{who}>",
                )
            else:
                comment = posted.nformat(
                    "Templates of connector {connector} ({filters}): {count} row, exported by "
                    "{user}",
                    "Templates of connector {connector} ({filters}): {count} rows, exported by "
                    "{user}",
                    len(matches),
                    connector=escape(posted.connector(snapshot.connector)),
                    filters=escape(query.text()),
                    user=f"<@{who}>",
                )
            return Upload(filename, templates_csv(list(matches), posted), comment)

        return upload


def _lookup_again(value: object, t: Translator) -> Lookup:
    ref = decode_view(value)
    return Lookup(connector=ref.connector, query=parse_query_text(ref.query, t), refresh=True)


def _problem(error: BotError, action: Action, t: Translator) -> Message:
    def expired(gone: ExpiredError, text: str) -> Message:
        return expired_message(gone.connector, text, t, gone.query)

    return problem_message(error, t, expired)
