"""The Slack door: the Bolt app and its Web API client, whose language each person reads,
the notifier, the replies still owed, on top of the core (`bot.core.Core`). Listeners,
the modal and workflow steps receive it; `bot.assembly` builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core import Core
from bot.database.store import Store
from bot.operations.book import OperationBook
from bot.ops.operations import Operations
from bot.shutdown import Deadline
from bot.slack.notifier import Notifier
from bot.slack.pending import PendingReplies
from bot.slack.user_languages import UserLanguages
from bot.sync.service import TemplateService


@dataclass
class SlackDoor:
    """The running Slack app over the core."""

    core: Core
    app: AsyncApp
    web: AsyncWebClient
    languages: UserLanguages
    notifier: Notifier | None = None
    pending: PendingReplies = field(default_factory=PendingReplies)

    async def start(self, *, schedule: bool = True) -> None:
        """Open the core's database, send what is still queued, and start the schedule."""
        store = await self.core.open()
        self.languages.use_store(store)
        settings = self.settings
        self.notifier = Notifier(
            store,
            self.web,
            notify_channel=settings.notify_channel,
            notify_unchanged=settings.notify_unchanged,
            now=self.core.now,
            languages=self.languages,
        )
        await self.core.start(self.notifier, schedule=schedule)

    async def aclose(self, deadline: Deadline | None = None) -> None:
        """Stop (SIGTERM) by `deadline` (WOLKVOX_SHUTDOWN_GRACE from now by default): let
        running syncs finish and answer, tell whoever still waits to run the command again,
        then close the core."""
        deadline = deadline or Deadline.after(self.settings.shutdown_grace)
        await self.core.stop_background()
        told = await self.pending.settle(deadline)
        await self.core.aclose(deadline, told=told)

    # the core's parts, as listeners reach them
    @property
    def service(self) -> TemplateService:
        return self.core.service

    @property
    def book(self) -> OperationBook:
        """The Wolkvox operations in effect."""
        return self.core.book

    @property
    def settings(self) -> Settings:
        return self.core.settings

    def now(self) -> datetime:
        return self.core.now()

    @property
    def store(self) -> Store | None:
        return self.core.store

    @property
    def ops(self) -> Operations | None:
        return self.core.ops

    def require_store(self) -> Store:
        return self.core.require_store()
