"""Change notifications: compose them after a fresh sync, queue them in the outbox, and post
what is queued to Slack. What Slack does not take stays queued for the next occasion."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.database.store import Delivery, Outgoing, Store
from bot.i18n import Translator
from bot.periodic import Periodic
from bot.slack.user_languages import UserLanguages
from bot.slack.views.changes import change_notification, subscriber_warning
from bot.slack.views.kit import Message
from bot.sync.service import SyncTrigger
from bot.templates.diff import Changes
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


class Notifier:
    """Queues and delivers change notifications to the notify channel and subscribers."""

    def __init__(
        self,
        store: Store,
        web: AsyncWebClient,
        *,
        notify_channel: str,
        notify_unchanged: bool,
        now: Callable[[], datetime],
        languages: UserLanguages,
    ) -> None:
        self.store = store
        self.languages = languages
        self.web = web
        self.notify_channel = notify_channel
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
        rendered: dict[str, tuple[Message, str | None, str | None]] = {}  # by language
        posts = []
        for channel, subscriber in (await self._targets(snapshot.connector)).items():
            t = await self.languages.translator(subscriber)
            if t.language not in rendered:
                message, details = change_notification(
                    snapshot,
                    changes,
                    t,
                    user_id=trigger.user_id,
                    user_name=trigger.user_name,
                    source=trigger.source,
                )
                name = details_name(snapshot.connector, snapshot.synced_at, t) if details else None
                rendered[t.language] = (message, details, name)
            message, details, name = rendered[t.language]
            posts.append(Outgoing(channel, snapshot.connector, message, subscriber, details, name))
        return posts

    async def after_sync(
        self, snapshot: Snapshot, changes: Changes | None, trigger: SyncTrigger
    ) -> None:
        """Deliver what waits, this sync's posts among them (queued with the sync)."""
        await self.deliver_pending()

    async def _targets(self, connector: str) -> dict[str, str]:
        """Channel -> who subscribed it ("" for WOLKVOX_NOTIFY_CHANNEL), each channel once."""
        targets = {self.notify_channel: ""} if self.notify_channel else {}
        for sub in await self.store.subscriptions(connector=connector):
            targets[sub.channel_id] = sub.created_by
        return targets

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
        t = await self.languages.translator(delivery.subscriber)
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
