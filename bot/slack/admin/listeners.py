"""What happens when an admin adds, edits or removes an operation in the App Home.

- Add and Edit open the form (views.open with the click's trigger_id); Remove has asked for
  confirmation in Slack already (the button's confirm dialog) and removes at once.
- The form's submission is checked by the model's rules; wrong fields are answered inline
  (`response_action: errors`) in the admin's language. With a test connector, that connector
  is synced once with the new server and token before anything is saved: when Wolkvox answers
  within TEST_WAIT the answer is given inline (errors) or as the saved view; otherwise the
  modal says "testing…" (`response_action: update`) and is updated (views.update) once
  Wolkvox answers, the form shown again with the error under the field to fix.
- Every click and submission checks again, here, that its sender is an admin
  (`bot.slack.admin.who`): the buttons are only shown to admins, but a request can be forged.
  A refused one changes nothing. The form's private_metadata only names which operation it
  edits, and that operation is looked up again.
- After a change the admin's Home is published again; other people see it at their next
  visit, every instance within a few seconds (the book reloads by version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError

from bot.errors import OperationInvalid, SecretKeyError, UnknownOperation, WolkvoxError
from bot.i18n import Translator
from bot.operations.model import Operation
from bot.slack.admin.form import Target, check_form, read_form, read_metadata
from bot.slack.admin.ids import FIELD_BLOCKS, NAME_BLOCK, SERVER_BLOCK, TOKEN_BLOCK
from bot.slack.admin.trial import try_operation
from bot.slack.admin.views import (
    Shown,
    form_view,
    message_view,
    not_admin_text,
    saved_view,
    trial_view,
)
from bot.slack.admin.who import is_admin
from bot.slack.admin.words import invalid, not_stored, secret_key_missing, trial_failed
from bot.slack.listeners.events import HomeListener
from bot.slack.listeners.respond import clicker
from bot.slack.modal.state import view_of
from bot.templates.connectors import is_operation_name, operation_name, operation_of

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

TEST_WAIT = 1.5  # seconds a submission waits for the test sync before saying "testing…"


class OperationAdmin:
    """The operations' buttons and form, for one bot."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door
        self.home = HomeListener(door)
        self._tasks: set[asyncio.Task[None]] = set()

    # the buttons

    async def add(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user_id = clicker(body)
        if not await self._admin(user_id, body, "add"):
            return
        t = await self.door.languages.translator(user_id)
        await self._open(body, form_view(Target(), Shown(), t))

    async def edit(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user_id, name = clicker(body), _name(action)
        if not await self._admin(user_id, body, "edit"):
            return
        t = await self.door.languages.translator(user_id)
        operation = self.door.book.get(name) if name else None
        if operation is None or operation.from_environment:
            view = message_view(t._("Edit operation"), _cannot_change(name, operation, t), t)
        else:
            view = form_view(Target(name), Shown.of(operation), t)
        await self._open(body, view)

    async def remove(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user_id, name = clicker(body), _name(action)
        if not name or not await self._admin(user_id, body, "remove"):
            return
        try:
            await self.door.book.remove(name, who=user_id)
        except (OperationInvalid, UnknownOperation) as error:
            log.info("operation %s not removed: %s", name, error)
        except Exception:
            log.exception("operation %s could not be removed", name)
        else:
            log.info("operation removed name=%s by=%s", name, user_id)
        await self._publish(user_id, body)

    # the form

    async def submit(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Check, test (when asked) and save; answer inline within Slack's 3 s."""
        user_id, view = clicker(body), view_of(body)
        t = (await self.door.languages.now_or_default(user_id)).t
        if not await is_admin(self.door, user_id):
            log.warning("operation form refused: %s is not an admin", user_id)
            await ack(response_action="update", view=_refused(t))
            return
        target = read_metadata(view)
        if target is None:
            log.warning("operation form refused: unreadable private_metadata")
            await ack(response_action="update", view=_out_of_date(t))
            return
        book = self.door.book
        current = book.get(target.name) if target.editing else None
        if target.editing and (current is None or current.from_environment):
            text = _cannot_change(target.name, current, t)
            await ack(response_action="update", view=message_view(t._("Edit operation"), text, t))
            return
        checked = check_form(
            read_form(view),
            target,
            current=current,
            names=book.names(),
            aliases_taken={
                alias: key
                for alias, key in book.aliases().items()
                if not target.editing or operation_name(operation_of(key)) != target.name
            },
        )
        first = SERVER_BLOCK if target.editing else NAME_BLOCK
        if checked.operation is None:
            errors = {block: invalid(error, t) for block, error in checked.errors.items()}
            await ack(response_action="errors", errors=errors)
            return
        if not self.door.settings.secret_keys:
            await ack(response_action="errors", errors={TOKEN_BLOCK: secret_key_missing(t)})
            return
        operation, connector = checked.operation, checked.test_connector
        if not connector:
            problem = await self._save(operation, target, user_id, t)
            if problem:
                await ack(response_action="errors", errors={problem[0] or first: problem[1]})
                return
            await ack()  # closes the modal
            await self._publish(user_id, body)
            return
        trial = asyncio.create_task(self._try(operation, connector))
        done, _ = await asyncio.wait({trial}, timeout=TEST_WAIT)
        if done:
            outcome = trial.result()
            if isinstance(outcome, WolkvoxError):
                block, text = trial_failed(outcome, operation.server, t)
                await ack(response_action="errors", errors={block: text})
                return
            problem = await self._save(operation, target, user_id, t)
            if problem:
                await ack(response_action="errors", errors={problem[0] or first: problem[1]})
                return
            shown = saved_view(operation.name, t, connector=connector, templates=outcome)
            await ack(response_action="update", view=shown)
            await self._publish(user_id, body)
            return
        await ack(response_action="update", view=trial_view(operation.name, connector, t))
        outcome = await trial
        if isinstance(outcome, WolkvoxError):
            block, text = trial_failed(outcome, operation.server, t)
            again = _shown(operation, connector, current)
            await self._update(view, form_view(target, again, t, problems={block: text}))
            return
        problem = await self._save(operation, target, user_id, t)
        if problem:
            again = _shown(operation, connector, current)
            problems = {problem[0] or SERVER_BLOCK: problem[1]}
            await self._update(view, form_view(target, again, t, problems=problems))
            return
        await self._update(
            view, saved_view(operation.name, t, connector=connector, templates=outcome)
        )
        await self._publish(user_id, body)

    async def _try(self, operation: Operation, connector: str) -> int | WolkvoxError:
        """The test sync: the templates' count, or what Wolkvox (or the quota) said."""
        try:
            return await try_operation(
                operation,
                connector,
                settings=self.door.settings,
                ops=self.door.ops,
                slots_for_token=self.door.core.slots,
            )
        except WolkvoxError as error:
            log.info("test sync of operation %s refused: %s", operation.name, type(error).__name__)
            return error

    async def _save(
        self, operation: Operation, target: Target, user_id: str, t: Translator
    ) -> tuple[str, str] | None:
        """Save; None when saved, else (the block to show it under, "" for the first, why)."""
        try:
            await self.door.book.save(
                operation, who=user_id, replacing=target.name if target.editing else None
            )
        except OperationInvalid as error:
            return FIELD_BLOCKS.get(error.field, ""), invalid(error, t)
        except SecretKeyError as error:
            return TOKEN_BLOCK, not_stored(error, t)
        except Exception as error:  # the database is down, the operation removed meanwhile
            log.warning("operation %s not saved: %s", operation.name, type(error).__name__)
            return "", not_stored(error, t)
        log.info(
            "operation %s name=%s server=%s by=%s",
            "edited" if target.editing else "added",
            operation.name,
            operation.server,
            user_id,
        )
        return None

    # helpers

    async def _admin(self, user_id: str, body: dict[str, Any], what: str) -> bool:
        """Whether `user_id` may; if not, say so in the log and show them the Home as they
        may see it (no buttons)."""
        if await is_admin(self.door, user_id):
            return True
        log.warning("operation %s refused: %s is not an admin", what, user_id)
        await self._publish(user_id, body)
        return False

    async def _open(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            await self.door.web.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as error:  # an expired trigger_id: nothing to show it in
            log.warning("views.open refused: %s", error.response.get("error"))

    async def _update(self, view: dict[str, Any], new: dict[str, Any]) -> None:
        try:
            await self.door.web.views_update(view_id=str(view.get("id") or ""), view=new)
        except SlackApiError as error:  # the admin closed the modal meanwhile
            log.info("views.update refused: %s", error.response.get("error"))

    async def _publish(self, user_id: str, body: dict[str, Any]) -> None:
        """The admin's Home again, with the change (a failure is only logged)."""
        team = body.get("team")
        team_id = str(team.get("id") or "") if isinstance(team, dict) else ""
        with contextlib.suppress(Exception):
            await self.home.publish(user_id, team_id)


def _name(action: dict[str, Any]) -> str:
    value = action.get("value")
    return value if isinstance(value, str) and is_operation_name(value) else ""


def _shown(operation: Operation, connector: str, current: Operation | None) -> Shown:
    """The form's fields again after a failed test: what was typed, never the token."""
    shown = Shown.of(operation)
    tail = current.token_tail if current is not None else ""
    return Shown(
        name=shown.name,
        server=shown.server,
        daily_quota=shown.daily_quota,
        aliases=shown.aliases,
        test_connector=connector,
        token_tail=tail,
    )


def _cannot_change(name: str, operation: Operation | None, t: Translator) -> str:
    if operation is not None and operation.from_environment:
        return t._(
            "*{name}* is set in the deployment's settings (WOLKVOX_SERVER, WOLKVOX_TOKEN): "
            "change it there."
        ).format(name=name)
    return t._("That operation no longer exists: someone removed it meanwhile.")


def _refused(t: Translator) -> dict[str, Any]:
    return message_view(t._("Operations"), not_admin_text(t), t)


def _out_of_date(t: Translator) -> dict[str, Any]:
    text = t._("This form is out of date: close it and open it again from the bot's Home.")
    return message_view(t._("Operations"), text, t)
