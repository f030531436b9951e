"""The guard at the edge (malformed ids, clicks from people not allowed), and the one handler
for unexpected errors."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.i18n import translator
from bot.slack.access import allowed, refusal
from bot.slack.admin.ids import ADMIN_ACTIONS
from bot.slack.listeners.respond import channel_of, clicker, reply
from bot.slack.modal.ids import CHANNEL_BLOCK
from bot.slack.modal.ids import MODAL as SHARE_MODAL
from bot.slack.replies import text_message
from bot.slack.values import is_slack_id

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)


class Guard:
    """Middleware, first of all, that refuses two kinds of request before any listener runs:
    - one whose user, team, enterprise or channel id does not have Slack's shape
      (bot.slack.values.SLACK_IDS), before any listener, store or cache sees the id. Slack
      never sends one; a forged request gets a plain refusal;
    - a click from someone not allowed to use the bot, politely."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(
        self,
        body: dict[str, Any],
        context: AsyncBoltContext,
        ack: AsyncAck,
        respond: AsyncRespond,
        next: Callable[[], Awaitable[None]],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        ids = {
            "user": context.user_id,
            "team": context.team_id,
            "enterprise": context.enterprise_id,
            "channel": context.channel_id,
        }
        malformed = [
            k for k, value in ids.items() if value is not None and not is_slack_id(k, value)
        ]
        if malformed:
            log.warning(
                "request refused: malformed %s id %r", malformed[0], str(ids[malformed[0]])[:40]
            )
            return await self.refuse_malformed(body, ack, respond)
        if body.get("type") == "block_actions" and not self.may_click(body):
            return await self.refuse_click(body, ack, respond)
        await next()
        return None

    def may_click(self, body: dict[str, Any]) -> bool:
        """WOLKVOX_ALLOWED_USERS and WOLKVOX_ALLOWED_CHANNELS decide who may click. The App
        Home's operation buttons are in no channel: only the user list applies to them (their
        listeners check that the clicker is an admin)."""
        settings = self.door.settings
        if _is_home_admin_click(body):
            return not settings.allowed_users or clicker(body) in settings.allowed_users
        return allowed(settings, user_id=clicker(body), channel_id=channel_of(body))

    async def refuse_malformed(
        self, body: dict[str, Any], ack: AsyncAck, respond: AsyncRespond
    ) -> BoltResponse:
        """Say so in the way this kind of request can be answered."""
        t = translator(self.door.languages.default)  # not this person's: who they are is unknown
        text = t._("That request came with an id Slack does not use, so I did nothing.")
        kind = body.get("type")
        if body.get("command"):
            refused = text_message(text)
            return await ack(text=refused["text"], blocks=refused["blocks"])
        if kind == "block_suggestion":
            return await ack(options=[])
        if kind == "view_submission":
            if (body.get("view") or {}).get("callback_id") == SHARE_MODAL:
                return await ack(response_action="errors", errors={CHANNEL_BLOCK: text})
            return await ack()  # the operation form: closed, nothing saved

        acknowledged = await ack()  # a click or an event: Slack gets its 200
        if kind == "block_actions" and body.get("response_url"):
            await reply(respond, text_message(text), replace=False)
        return acknowledged

    async def refuse_click(
        self, body: dict[str, Any], ack: AsyncAck, respond: AsyncRespond
    ) -> BoltResponse:
        acknowledged = await ack()
        if body.get("response_url"):  # a click in a modal has none: the modal refuses itself
            t = await self.door.languages.translator(clicker(body))
            await reply(respond, text_message(refusal(t)), replace=False)
        return acknowledged  # Slack gets its 200; without a response Bolt answers 404


class ErrorHandler:
    """The one handler for unexpected errors: log them with a reference, and give the user
    that reference, in their language."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(
        self, error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        reference = secrets.token_hex(4)
        log.error("unhandled error ref=%s", reference, exc_info=error)
        if respond is not None and isinstance(body, dict) and body.get("response_url"):
            user = body.get("user_id") or clicker(body)
            t = await self.door.languages.translator(str(user or ""))
            text = t._(
                ":x: Something went wrong on our side (reference {reference}). Please try again."
            ).format(reference=f"`{reference}`")
            await reply(respond, text_message(text), replace=False)


def _is_home_admin_click(body: dict[str, Any]) -> bool:
    actions = body.get("actions") or []
    return (
        (body.get("container") or {}).get("type") == "view"
        and bool(actions)
        and all(isinstance(a, dict) and a.get("action_id") in ADMIN_ACTIONS for a in actions)
    )
