"""Change notifications: compose them after a fresh sync, queue them in the outbox, and post
what is queued to Slack. What Slack does not take stays queued for the next occasion.

Distribution mode (`bot_tokens` given): a notification belongs to the workspace of its
connector key (`workspace_of`). It is composed for that workspace's subscribed channels only
(a subscription made in another workspace is never a target) and posted with that
workspace's bot token, bound with `using_token` around each delivery, whoever's request (or
no request: the sweep) delivers it. A workspace without an installation (uninstalled) gets
nothing: its queued notifications are deleted unposted. WOLKVOX_NOTIFY_CHANNEL belongs to
single-workspace mode (one workspace, one channel id) and is not posted to here.

A subscription's filters apply to its channel's post (`bot.templates.digest.filtered`): a
channel whose filters match none of a sync's changes gets nothing. A daily or weekly
subscription gets no post per sync: `post(digest)` (the core's DigestPoster) posts its
channel's digest once per period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.database import outbox
from bot.database.store import Delivery, Outgoing, Store
from bot.i18n import Translator
from bot.periodic import Periodic
from bot.slack.oauth.rotation import WorkspaceAuthorize
from bot.slack.oauth.store import SealedInstallationStore
from bot.slack.oauth.tokens import using_token
from bot.slack.user_languages import UserLanguages
from bot.slack.views.changes import change_notification, subscriber_warning
from bot.slack.views.digest import digest_post
from bot.slack.views.history import which_templates
from bot.slack.views.kit import Message
from bot.sync.digests import subscription_query
from bot.sync.service import SyncTrigger
from bot.templates.connectors import workspace_of
from bot.templates.diff import Changes
from bot.templates.digest import Digest, filtered
from bot.templates.export import changes_filename
from bot.templates.model import Snapshot

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # deliveries that fail this often are given up (kept, marked failed)
# Slack errors that no retry fixes; the rest (rate limits, 5xx, network) are tried again later
GIVE_UP = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "invalid_blocks",
        "msg_too_long",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "no_text",
        "invalid_arguments",
    }
)
MAX_PER_ROUND = 500  # notifications one delivery round posts at most (the next round goes on)
SWEEP_SECONDS = 60.0  # how often queued notifications are looked at between syncs
WARN_SUBSCRIBER = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

# distribution mode: a workspace's bot token (None: it has no installation, i.e. uninstalled)
BotTokens = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class Target:
    """A channel that hears a sync: who subscribed it ("" for WOLKVOX_NOTIFY_CHANNEL) and the
    filters of its subscription ("" = every change)."""

    channel: str
    subscriber: str = ""
    filters: str = ""


class WorkspaceTokens:
    """The bot token of a workspace, for work no request started (distribution mode): from
    the installation store (cached), refreshed first under the workspace's lock when it
    expires soon, as a request's authorize would."""

    def __init__(
        self, store: SealedInstallationStore, authorize: WorkspaceAuthorize | None = None
    ) -> None:
        self.store = store
        self.authorize = authorize

    async def __call__(self, workspace: str) -> str | None:
        installation = await self.store.find_workspace(workspace)
        if installation is None:
            return None
        if self.authorize is not None:  # Bolt's rotation hook, which our authorize overrides
            refreshed = await self.authorize._rotate_and_save_tokens_if_necessary(installation)
            if refreshed is not None and refreshed.bot_token:
                return refreshed.bot_token
        return installation.bot_token


def workspace_tokens(app: AsyncApp) -> WorkspaceTokens | None:
    """The bot tokens of the app's installations (None: single-workspace mode's app)."""
    store = app.installation_store
    if not isinstance(store, SealedInstallationStore):
        return None
    flow = app.oauth_flow
    authorize = flow.settings.authorize if flow is not None else None
    return WorkspaceTokens(store, authorize if isinstance(authorize, WorkspaceAuthorize) else None)


class Notifier:
    """Queues and delivers change notifications to the notify channel and subscribers (in
    distribution mode, to each workspace's subscribers with its own bot token)."""

    def __init__(
        self,
        store: Store,
        web: AsyncWebClient,
        *,
        notify_channel: str,
        notify_unchanged: bool,
        now: Callable[[], datetime],
        languages: UserLanguages,
        bot_tokens: BotTokens | None = None,
    ) -> None:
        self.store = store
        self.bot_tokens = bot_tokens  # distribution mode: each workspace's bot token
        self.languages = languages
        self.web = web
        # one workspace's channel id: single-workspace mode only (in distribution mode a
        # notification goes to its own workspace's subscribers, never to a channel set here)
        self.notify_channel = "" if bot_tokens is not None else notify_channel
        if bot_tokens is not None and notify_channel:
            log.warning(
                "WOLKVOX_NOTIFY_CHANNEL is ignored in distribution mode: subscribe channels "
                "in each workspace instead"
            )
        self.notify_unchanged = notify_unchanged
        self.now = now
        self._delivering = asyncio.Lock()
        # the database may be down for a while: the sweep tries again next round
        self._sweeper = Periodic(
            "outbox-sweeper", self.deliver_pending, failure="outbox sweep failed", log=log
        )

    def start_sweeping(self, every: float = SWEEP_SECONDS) -> None:
        """Deliver what waits every `every` seconds: a notification claimed by a process that
        died is sent once its lease runs out, not days later at the next sync."""
        self._sweeper.start(every, wait_first=True)

    async def stop_sweeping(self) -> None:
        await self._sweeper.stop()

    async def compose(
        self, snapshot: Snapshot, changes: Changes, trigger: SyncTrigger
    ) -> list[Outgoing]:
        """The posts a sync causes (none when nothing changed, unless WOLKVOX_NOTIFY_UNCHANGED),
        one per channel, each in the channel's language (its subscriber's; WOLKVOX_LANGUAGE
        for WOLKVOX_NOTIFY_CHANNEL): history queues them in the transaction that stores the
        sync."""
        if not (changes.first or changes.any or self.notify_unchanged):
            return []
        if self.bot_tokens is None:
            return await self._compose(snapshot, changes, trigger, workspace=None)
        workspace = workspace_of(snapshot.connector)
        try:
            token = await self.bot_tokens(workspace) if workspace else None
        except Exception as error:  # the database is down: queued all the same (delivery
            # looks again), languages asked with whatever token is bound now
            log.warning("installation of %s not read: %s", workspace, error)
            return await self._compose(snapshot, changes, trigger, workspace=workspace)
        if token is None:  # no workspace, or uninstalled: nobody there to tell
            log.info("sync %s: its workspace has no installation, nothing queued", snapshot.id)
            return []
        with using_token(token):  # its subscribers' languages are asked with its token
            return await self._compose(snapshot, changes, trigger, workspace=workspace)

    async def _compose(
        self, snapshot: Snapshot, changes: Changes, trigger: SyncTrigger, *, workspace: str | None
    ) -> list[Outgoing]:
        # rendered once per (language, filters): channels alike share one rendering
        rendered: dict[tuple[str, str], tuple[Message, str | None, str | None] | None] = {}
        posts = []
        for target in await self._targets(snapshot.connector, workspace):
            t = await self.languages.translator(target.subscriber, workspace=workspace)
            key = (t.language, target.filters)
            if key not in rendered:
                rendered[key] = self._render(snapshot, changes, trigger, target.filters, t)
            if (made := rendered[key]) is None:  # nothing this channel's filters match
                continue
            message, details, name = made
            posts.append(
                Outgoing(
                    target.channel, snapshot.connector, message, target.subscriber, details, name
                )
            )
        return posts

    def _render(
        self,
        snapshot: Snapshot,
        changes: Changes,
        trigger: SyncTrigger,
        filters: str,
        t: Translator,
    ) -> tuple[Message, str | None, str | None] | None:
        """The post to a channel whose subscription has `filters`: only the changes they match
        (a template moving into or out of them is added or removed); None when none is left
        (unless WOLKVOX_NOTIFY_UNCHANGED)."""
        heard = filtered(changes, subscription_query(filters, connector=snapshot.connector))
        if not (heard.first or heard.any or self.notify_unchanged):
            return None
        message, details = change_notification(
            snapshot,
            heard,
            t,
            user_id=trigger.user_id,
            user_name=trigger.user_name,
            source=trigger.source,
            filters=which_templates(filters, t) if filters else "",
        )
        name = details_name(snapshot.connector, snapshot.synced_at, t) if details else None
        return message, details, name

    async def after_sync(
        self, snapshot: Snapshot, changes: Changes | None, trigger: SyncTrigger
    ) -> None:
        """Deliver what waits, this sync's posts among them (queued with the sync)."""
        await self.deliver_pending()

    async def _targets(self, connector: str, workspace: str | None) -> list[Target]:
        """The channels that hear each sync of `connector`, each once: WOLKVOX_NOTIFY_CHANNEL
        (everything) and the channels subscribed to it "each" (what their filters match). A
        digest subscription hears no sync: its digest tells the period's net change (the
        notify channel subscribed as a digest too gets the digest only). In distribution mode
        (`workspace` given), only subscriptions made in `workspace`: a channel shared with
        another workspace (Slack Connect) has its own there."""
        targets = {self.notify_channel: Target(self.notify_channel)} if self.notify_channel else {}
        for sub in await self.store.subscriptions(connector=connector, team_id=workspace):
            if sub.digest:
                targets.pop(sub.channel_id, None)
                continue
            targets[sub.channel_id] = Target(sub.channel_id, sub.created_by, sub.filters)
        return list(targets.values())

    async def post(self, digest: Digest) -> None:
        """Post a channel's digest (DigestPoster): one post, the full list in its thread when
        long, in the channel's language, with its workspace's token in distribution mode.
        Raises when Slack may take it later (a retry posts it then); a refusal no retry
        fixes (the channel is gone, the bot is not in it) is logged and the digest dropped."""
        if self.bot_tokens is None:
            await self._post_digest(digest, workspace=None)
            return
        token = await self.bot_tokens(digest.workspace) if digest.workspace else None
        if token is None:  # no workspace, or uninstalled: nobody there to tell
            log.info("digest for %s: its workspace has no installation, dropped", digest.channel_id)
            return
        with using_token(token):
            await self._post_digest(digest, workspace=digest.workspace)

    async def _post_digest(self, digest: Digest, *, workspace: str | None) -> None:
        subs = await self.store.subscriptions(channel_id=digest.channel_id, team_id=workspace)
        subscriber = min(subs, key=lambda s: s.created_at).created_by if subs else ""
        t = await self.languages.translator(subscriber, workspace=workspace)
        made = digest_post(digest, t)
        try:
            response = await self.web.chat_postMessage(channel=digest.channel_id, **made.message)
        except SlackApiError as error:
            reason = str(error.response.get("error") or f"HTTP {error.response.status_code}")
            if reason in GIVE_UP or reason in WARN_SUBSCRIBER:
                log.warning("digest to %s not posted (%s): dropped", digest.channel_id, reason)
                return
            raise
        thread_ts = str(response.get("ts") or "")
        for reply in made.thread:
            try:  # the post is out: a reply that fails is not worth posting it twice
                await self.web.chat_postMessage(
                    channel=digest.channel_id, thread_ts=thread_ts or None, **reply
                )
            except (SlackApiError, aiohttp.ClientError, OSError) as error:
                log.warning("digest thread in %s not posted: %s", digest.channel_id, error)
                return

    async def deliver_pending(self) -> int:
        """Send every queued notification this instance can claim; return how many went out.

        Each one is claimed right before it is posted, so a process that dies holds at most
        the one in flight: the others are free for the next instance at once."""
        sent, last = 0, 0
        async with self._delivering:
            for _ in range(MAX_PER_ROUND):
                claimed = await self.store.claim(self.now(), limit=1, after=last)
                if not claimed:
                    break
                last = claimed[0].id
                if await self._deliver(claimed[0]):
                    sent += 1
        return sent

    async def _deliver(self, delivery: Delivery) -> bool:
        if self.bot_tokens is None:
            return await self._post(delivery)
        workspace = workspace_of(delivery.connector)
        if not workspace:  # queued before distribution mode: no workspace to post it with
            log.warning("notification %d names no workspace: given up", delivery.id)
            await self.store.attempt_failed(delivery.id, "no workspace", give_up=True, warned=True)
            return False
        try:
            token = await self.bot_tokens(workspace)
        except Exception as error:  # the database is down: kept for the next round
            await self._failed(delivery, f"installation not read: {type(error).__name__}")
            return False
        if token is None:  # uninstalled (the uninstall deletes its rows; this one raced it)
            await outbox.drop(self.store.engine, delivery.id)
            log.info("notification %d dropped: %s has no installation", delivery.id, workspace)
            return False
        with using_token(token):
            return await self._post(delivery)

    async def _post(self, delivery: Delivery) -> bool:
        """Post one claimed notification (with the token bound, in distribution mode)."""
        try:
            response = await self.web.chat_postMessage(
                channel=delivery.channel_id, **delivery.message
            )
        except SlackApiError as error:
            reason = str(error.response.get("error") or f"HTTP {error.response.status_code}")
            await self._failed(delivery, reason)
            return False
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            await self._failed(delivery, f"network: {type(error).__name__}")
            return False
        await self.store.delivered(delivery.id, self.now())
        if delivery.details_csv:
            await self._upload_details(delivery, str(response.get("ts") or ""))
        return True

    async def _failed(self, delivery: Delivery, reason: str) -> None:
        give_up = reason in GIVE_UP or delivery.attempts + 1 >= MAX_ATTEMPTS
        warned = delivery.warned
        if reason in WARN_SUBSCRIBER and not warned:
            # one DM per channel and subscriber until a post there goes through
            told = await self.store.subscriber_warned(delivery.channel_id, delivery.subscriber)
            warned = told or await self._warn(delivery, reason)
        log.warning(
            "notification %d to %s not delivered (%s)%s",
            delivery.id,
            delivery.channel_id,
            reason,
            "; given up" if give_up else "; kept for the next occasion",
        )
        await self.store.attempt_failed(delivery.id, reason, give_up=give_up, warned=warned)

    async def _warn(self, delivery: Delivery, reason: str) -> bool:
        """Tell the subscriber (in a DM) why their channel gets nothing, and what to do."""
        if not delivery.subscriber:
            log.warning(
                "WOLKVOX_NOTIFY_CHANNEL %s: %s; invite the bot there", delivery.channel_id, reason
            )
            return True
        workspace = workspace_of(delivery.connector) if self.bot_tokens is not None else None
        t = await self.languages.translator(delivery.subscriber, workspace=workspace)
        try:
            await self.web.chat_postMessage(
                channel=delivery.subscriber,
                **subscriber_warning(delivery.channel_id, delivery.connector, reason, t),
            )
        except SlackApiError as error:
            log.warning("could not warn %s: %s", delivery.subscriber, error.response.get("error"))
            return False
        return True

    async def _upload_details(self, delivery: Delivery, thread_ts: str) -> None:
        try:
            await self.web.files_upload_v2(
                channel=delivery.channel_id,
                thread_ts=thread_ts or None,
                filename=delivery.details_name or "changes.csv",
                title=delivery.details_name or "changes.csv",
                content=delivery.details_csv,
            )
        except (SlackApiError, aiohttp.ClientError, OSError) as error:
            log.warning("could not upload the change list to %s: %s", delivery.channel_id, error)


def details_name(connector: str, synced_at: datetime, t: Translator) -> str:
    return changes_filename(t.connector_file(connector), synced_at.strftime("%Y-%m-%d %H%M"), t)
