"""What happens in the "Find a WhatsApp template" modal: the shortcut opens it, the two menus
ask for their options as someone types, a choice updates the modal, Share posts.

- The shortcut acknowledges, then opens the modal in the person's language: its trigger_id
  lasts 3 s, finding a new person's language takes about 1 s at most (LOOKUP_SECONDS), so
  views.open goes out in time.
- Options requests answer from memory only (Slack gives them 3 s; a connector's cache is
  read, the search is in-process, on the event loop, its work bounded: see search.py), in the
  person's language when it is cached, else the default while it is looked up. A
  connector that is not cached gets a sync started in the background (at most one per
  connector per BACKGROUND_RETRY seconds) and the menu shows a hint until it lands.
- Choosing a connector syncs it, if it is not cached, after the acknowledgement: the modal
  says "Syncing…", then how many templates it has (or what went wrong). Each update carries
  the view's hash, so a late answer never overwrites a newer choice.
- Share posts before acknowledging, bounded by POST_SECONDS, so that a refusal (not in the
  channel…) is shown under the channel picker (`response_action: errors`); success closes it.
  It first checks that the sharer is in the channel (conversations.members, at most
  MEMBER_PAGES pages within MEMBER_SECONDS): the picker also lists public channels they
  have not joined, where the bot could post (chat:write.public).
- Access: the modal belongs to no channel. WOLKVOX_ALLOWED_USERS applies to every request;
  with WOLKVOX_ALLOWED_CHANNELS set, the modal is refused (as the Home tab shows no history),
  and the channel Share posts to must be allowed too.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cachetools import TTLCache
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError

from bot.errors import SharedStateUnavailable, SyncLimitReached, UnknownOperation, WolkvoxError
from bot.i18n import Translator
from bot.i18n.messages import describe, slack_problem, stale_warning
from bot.i18n.mrkdwn import clip
from bot.slack.access import allowed, refusal
from bot.slack.listeners.respond import clicker, clicker_name
from bot.slack.modal.ids import CHANNEL_BLOCK
from bot.slack.modal.search import MAX_TYPED, find
from bot.slack.modal.state import (
    Chosen,
    chosen_channel,
    chosen_connector,
    read_connector_value,
    read_metadata,
    read_template_value,
    selected_option,
    view_of,
)
from bot.slack.modal.views import (
    Found,
    connector_options,
    find_view,
    hint_option,
    ready_status,
    refused_view,
    shared_message,
    syncing_status,
    template_options,
)
from bot.slack.views.kit import plain_fallback
from bot.sync.service import CACHE_READ_SECONDS, SyncTrigger
from bot.templates.lookup import template_at
from bot.templates.model import Snapshot, Template

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

BACKGROUND_RETRY = 30.0  # seconds before an options request may start another sync
POST_SECONDS = 1.5  # Share waits this long for chat.postMessage (Slack allows the ack 3 s)
MEMBER_SECONDS = 1.0  # and this long, before, to learn whether the sharer is in the channel
MEMBER_PAGES = 5  # conversations.members pages read to find the sharer
MEMBER_PAGE_SIZE = 1000  # members a page (Slack's most)
MAX_ERROR = 300  # characters of an error shown under the channel picker
TRIGGER = "Find a WhatsApp template"  # how history records a sync this modal started
MAX_CONNECTORS = 1024


class FindTemplate:
    """The modal's listeners, for one bot."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door
        self._started: TTLCache[str, bool] = TTLCache(MAX_CONNECTORS, ttl=BACKGROUND_RETRY)
        self._failed: TTLCache[str, bool] = TTLCache(MAX_CONNECTORS, ttl=BACKGROUND_RETRY)
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The shortcut: open the modal (or say why not) with the trigger_id."""
        await ack()
        user_id = clicker(body)
        t = await self.door.languages.translator(user_id)
        view = find_view(Found(), t) if self._allowed(user_id) else refused_view(refusal(t), t)
        try:
            await self.door.web.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as error:  # an expired trigger_id: nothing to show it in
            log.warning("views.open refused: %s", error.response.get("error"))

    async def connector_options(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The connector menu as someone types: aliases, recently synced ids, a typed id."""
        user_id = clicker(body)
        if not self._allowed(user_id):
            await ack(options=[])
            return
        t = self.door.languages.speaking(await self.door.languages.now_or_default(user_id))
        typed = str(body.get("value") or "")[:MAX_TYPED]
        book = self.door.book
        options = connector_options(
            typed,
            book.aliases(),
            self.door.service.cached_here,
            t,
            book.names(),
            scope=self.door.workspace,
        )
        await ack(options=options)

    async def template_options(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The template menu as someone types: the connector's cached templates, best match
        first. Never waits for Wolkvox."""
        user_id = clicker(body)
        if not self._allowed(user_id):
            await ack(options=[])
            return
        connector, gone = self._key(chosen_connector(view_of(body)))
        snapshot = await self._cached(connector) if connector else None
        if snapshot is None and connector:
            snapshot = await self._last_known(connector)
            self._sync_later(connector, user_id, clicker_name(body))
        if snapshot is None:
            t = self.door.languages.speaking(await self.door.languages.now_or_default(user_id))
            hint = plain_fallback(describe(gone, t)) if gone else self._waiting(connector, t)
            await ack(options=[hint_option(hint)])
            return
        typed = str(body.get("value") or "")  # find() reads only its first MAX_TYPED characters
        await ack(options=template_options(snapshot, find(snapshot, typed)))

    async def connector_chosen(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """A connector chosen: show how many templates it has, syncing it first if needed."""
        await ack()
        value, label = selected_option(action)
        connector, gone = self._key(read_connector_value(value))
        user_id, view = clicker(body), view_of(body)
        if gone is not None:  # an operation removed since the menu was shown
            t = await self.door.languages.translator(user_id)
            await self._update(view, find_view(Found(status=describe(gone, t)), t))
            return
        if not connector:
            return  # the hint option
        t = await self.door.languages.translator(user_id)
        chosen = Chosen(connector, label or t.connector(connector))
        now = self.door.now()
        cached = await self._cached(connector)
        if cached is not None:
            found = Found(chosen, ready_status(cached, "cache", now, t))
            await self._update(view, find_view(found, t))
            return
        syncing = Found(chosen, syncing_status(connector, t))
        updated, view_hash = await self._update(view, find_view(syncing, t))
        status = await self._sync_status(connector, user_id, clicker_name(body), t)
        if updated:
            done = find_view(Found(chosen, status), t)
            await self._update({**view, "hash": view_hash}, done)

    async def template_chosen(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """A template chosen: show it in full, with the channel picker and Share."""
        await ack()
        ref = read_template_value(selected_option(action)[0])
        if ref is None:
            return  # the hint option
        user_id, view = clicker(body), view_of(body)
        t = await self.door.languages.translator(user_id)
        key, gone = self._key(ref.connector)
        if gone is not None:
            await self._update(view, find_view(Found(status=describe(gone, t)), t))
            return
        ref = replace(ref, connector=key)
        before = read_metadata(view)
        label = before.label if before.connector == ref.connector else t.connector(ref.connector)
        found = await self._template(ref.connector, ref.snapshot_id, ref.index)
        if found is None:
            status = t._(
                ":hourglass: That list of templates is no longer kept: choose the template again."
            )
            await self._update(view, find_view(Found(Chosen(ref.connector, label), status), t))
            return
        snapshot, template = found
        shown = Found(
            Chosen(ref.connector, label, ref),
            ready_status(snapshot, "cache", self.door.now(), t),
            template,
        )
        await self._update(view, find_view(shown, t))

    async def share(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Share: post the template to the chosen channel, in that channel's language, saying
        who shared it; close the modal, or say under the channel picker why not."""
        user_id, view = clicker(body), view_of(body)
        # known since the modal opened, usually; Share has no second of its 3 s to wait for it
        t = self.door.languages.speaking(await self.door.languages.now_or_default(user_id))
        problem = await self._post(user_id, view, t)
        if problem:
            errors = {CHANNEL_BLOCK: clip(plain_fallback(problem), MAX_ERROR)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()  # closes the modal

    async def _post(self, user_id: str, view: dict[str, Any], t: Translator) -> str:
        """Post the chosen template; "" when done, else why not."""
        channel = chosen_channel(view)
        if not channel:
            return t._("Choose a channel.")
        if not allowed(self.door.settings, user_id=user_id, channel_id=channel):
            return refusal(t)
        ref = read_metadata(view).template
        if ref is not None:
            key, gone = self._key(ref.connector)
            if gone is not None:
                return describe(gone, t)
            ref = replace(ref, connector=key)
        found = await self._template(ref.connector, ref.snapshot_id, ref.index) if ref else None
        if found is None:
            return t._(
                "That template is no longer kept: choose it again in the menu above, then share."
            )
        not_a_member = await self._not_a_member(user_id, channel, t)
        if not_a_member:
            return not_a_member
        posted = await self.door.languages.channel(
            channel, notify_channel=self.door.settings.notify_channel, poster=user_id
        )
        message = shared_message(*found, user_id=user_id, now=self.door.now(), t=posted)
        try:
            async with asyncio.timeout(POST_SECONDS):
                await self.door.web.chat_postMessage(
                    channel=channel, text=message["text"], blocks=message["blocks"]
                )
        except SlackApiError as error:
            return slack_problem(error, t._("I could not share it there"), t)
        except TimeoutError:
            return t._(
                "Slack did not confirm the post in time. Look in the channel before sharing again."
            )
        log.info("template shared user=%s channel=%s", user_id, channel)
        return ""

    async def _not_a_member(self, user_id: str, channel: str, t: Translator) -> str:
        """Empty when `user_id` is in `channel`, else why Share refuses. Slack's channel picker
        lists public channels the person has not joined, and the bot may post in any public
        channel (chat:write.public): Share posts only where the person could post."""
        try:
            async with asyncio.timeout(MEMBER_SECONDS):
                member = await self._is_member(user_id, channel)
        except SlackApiError as error:  # a private channel without the bot, a missing scope
            log.info("conversations.members refused: %s", error.response.get("error"))
            return slack_problem(error, t._("I could not share it there"), t)
        except TimeoutError:
            member = None
        if member is None:
            log.info("share refused: membership of channel=%s not confirmed", channel)
            return t._(
                "I could not confirm that you are in that channel. Try again, or choose "
                "another channel."
            )
        if not member:
            log.info("share refused: user=%s is not in channel=%s", user_id, channel)
            return t._("You are not in that channel: join it first, or choose another one.")
        return ""

    async def _is_member(self, user_id: str, channel: str) -> bool | None:
        """Whether `user_id` is in `channel` (conversations.members, page by page); None when
        MEMBER_PAGES pages did not tell."""
        cursor = None
        for _ in range(MEMBER_PAGES):
            page = await self.door.web.conversations_members(
                channel=channel, cursor=cursor, limit=MEMBER_PAGE_SIZE
            )
            members = page.get("members")
            if isinstance(members, list) and user_id in members:
                return True
            metadata = page.get("response_metadata")
            cursor = metadata.get("next_cursor") if isinstance(metadata, dict) else None
            if not cursor or not isinstance(cursor, str):
                return False
        return None

    def _key(self, connector: str) -> tuple[str, UnknownOperation | None]:
        """The key of a connector the modal carries ("" for none), or the error when its
        operation is gone (`SlackDoor.button_key`)."""
        if not connector:
            return "", None
        try:
            return self.door.button_key(connector), None
        except UnknownOperation as error:
            return "", error

    def _allowed(self, user_id: str) -> bool:
        """The modal is in no channel: WOLKVOX_ALLOWED_CHANNELS, when set, refuses it."""
        return allowed(self.door.settings, user_id=user_id, channel_id="")

    async def _cached(self, connector: str) -> Snapshot | None:
        try:
            return await self.door.service.cached(connector)
        except SharedStateUnavailable:
            return None

    async def _last_known(self, connector: str) -> Snapshot | None:
        try:
            async with asyncio.timeout(CACHE_READ_SECONDS):  # an options request waits on this
                return await self.door.service.last_known(connector)
        except (SharedStateUnavailable, TimeoutError):
            return None

    async def _template(
        self, connector: str, snapshot_id: str, index: int
    ) -> tuple[Snapshot, Template] | None:
        """A template of a kept snapshot, if the snapshot is still kept."""
        try:
            snapshot = await self.door.service.kept(snapshot_id)
        except SharedStateUnavailable:
            return None
        if snapshot is None or snapshot.connector != connector:
            return None
        template = template_at(snapshot, index)
        return (snapshot, template) if template is not None else None

    async def _sync_status(self, connector: str, user_id: str, name: str, t: Translator) -> str:
        """Sync `connector` (cached if it is) and say how it went."""
        trigger = SyncTrigger(
            user_id=user_id, user_name=name, command=TRIGGER, team_id=self.door.workspace
        )
        try:
            outcome = await self.door.service.sync(connector, trigger)
        except (WolkvoxError, SharedStateUnavailable, SyncLimitReached) as error:
            log.warning("sync of connector %s failed: %s", connector, type(error).__name__)
            return describe(error, t)
        status = ready_status(outcome.snapshot, outcome.origin, self.door.now(), t)
        if outcome.error is not None:
            status += "\n:warning: " + stale_warning(outcome.error, t)
        return status

    def _sync_later(self, connector: str, user_id: str, name: str) -> None:
        """Start a sync of `connector` without waiting for it (an options request)."""
        if self.door.service.in_flight(connector) or connector in self._started:
            return
        self._started[connector] = True
        trigger = SyncTrigger(
            user_id=user_id, user_name=name, command=TRIGGER, team_id=self.door.workspace
        )
        task = asyncio.create_task(self._background_sync(connector, trigger))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _background_sync(self, connector: str, trigger: SyncTrigger) -> None:
        try:
            await self.door.service.sync(connector, trigger)
        except (WolkvoxError, SharedStateUnavailable, SyncLimitReached) as error:
            self._failed[connector] = True
            log.warning("sync of connector %s failed: %s", connector, type(error).__name__)
        except Exception:
            self._failed[connector] = True
            log.exception("sync of connector %s failed", connector)
        else:
            self._failed.pop(connector, None)

    def _waiting(self, connector: str, t: Translator) -> str:
        """The hint the template menu shows while it has nothing to offer."""
        if not connector:
            return t._("Choose a connector first")
        if connector in self._failed:
            return t._("Could not sync {connector}: choose it again to see why").format(
                connector=t.connector(connector)
            )
        return t._("Syncing {connector}… type again in a moment").format(
            connector=t.connector(connector)
        )

    async def _update(self, view: dict[str, Any], new: dict[str, Any]) -> tuple[bool, str | None]:
        """views.update with the view's hash: whether Slack took it, and the new hash. A
        hash conflict (the person chose something else meanwhile) leaves the newer view."""
        try:
            response = await self.door.web.views_update(
                view_id=str(view.get("id") or ""), hash=view.get("hash") or None, view=new
            )
        except SlackApiError as error:
            log.info("views.update refused: %s", error.response.get("error"))
            return False, None
        updated = response.get("view")
        new_hash = updated.get("hash") if isinstance(updated, dict) else None
        return True, str(new_hash) if new_hash else None
