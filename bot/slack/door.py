"""The Slack door: the Bolt app and its Web API client, whose language each person reads,
the notifier, the replies still owed, on top of the core (`bot.core.Core`). Listeners,
the modal and workflow steps receive it; `bot.assembly` builds it.

It also says which operation's connector a command means (`resolve`): every Slack entry that
takes a connector (the slash command, the modal's picker, the workflow steps) goes through it
before any cache is read or Wolkvox is called; and which one a button means (`button_key`).

Workspaces: in distribution mode a request's workspace (`workspace_of_request`: the enterprise
id of an org-wide install, else the team id) and its book are bound while it runs
(`bot.slack.scope`): `book`, `workspace`, `resolve`, `connector_key`, `channel_operation` and
`button_key` are the requester's, and a key a value carries from another workspace is
refused (UnknownOperation). Single-workspace mode: one book, keys as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Command, needs_operation, resolved
from bot.config import Settings
from bot.core import Core
from bot.database.bounded import bounded
from bot.database.store import Store
from bot.errors import UnknownOperation
from bot.i18n import Translator
from bot.operations.addressing import resolve_connector
from bot.operations.book import OperationBook
from bot.operations.books import OperationBooks
from bot.ops.operations import Operations
from bot.shutdown import Deadline
from bot.slack.notifier import Notifier, workspace_tokens
from bot.slack.pending import PendingReplies
from bot.slack.scope import bound, workspace_of_request
from bot.slack.user_languages import UserLanguages
from bot.sync.service import TemplateService
from bot.templates.connectors import (
    is_connector_key,
    operation_name,
    qualify,
    scoped_operation,
    split_key,
    workspace_of,
)

log = logging.getLogger(__name__)

CHANNEL_DEFAULT_SECONDS = 1.0  # the most a command waits to read its channel's default operation


@dataclass
class SlackDoor:
    """The running Slack app over the core."""

    core: Core
    app: AsyncApp
    web: AsyncWebClient
    languages: UserLanguages
    notifier: Notifier | None = None
    pending: PendingReplies = field(default_factory=PendingReplies)

    def __post_init__(self) -> None:
        # replies name connectors' operations when the requester's workspace has several
        self.languages.several = lambda: self.book.several

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
            bot_tokens=workspace_tokens(self.app) if self.distribution else None,
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
    def distribution(self) -> bool:
        """Installed from a link into many workspaces (each with its own operations)."""
        return self.core.books.distribution

    @property
    def books(self) -> OperationBooks:
        return self.core.books

    @property
    def book(self) -> OperationBook:
        """The Wolkvox operations in effect for the requester: their workspace's in
        distribution mode (none outside a request), the one book otherwise."""
        scope = bound() if self.distribution else None
        return scope.book if scope is not None else self.core.book

    @property
    def workspace(self) -> str:
        """The requester's workspace in distribution mode; "" otherwise."""
        scope = bound() if self.distribution else None
        return scope.workspace if scope is not None else ""

    async def book_for_request(
        self, team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool | None
    ) -> OperationBook:
        """The book of the workspace a request is of (single-workspace mode: the one)."""
        if not self.distribution:
            return self.core.book
        workspace = workspace_of_request(team_id, enterprise_id, is_enterprise_install)
        return await self.core.books.book_for(workspace)

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

    # which operation a connector is in

    async def resolve(self, command: Command, channel_id: str, t: Translator) -> Command:
        """`command` with its connectors as keys: an id alone is the only operation's, else
        the channel's default's (read only then); raises NoOperations, UnknownOperation or
        OperationNeeded (nothing was read or called)."""
        names, scope = self.book.names(), self.workspace
        default = None
        if len(names) > 1 and needs_operation(command):
            default = await self.channel_operation(channel_id)
        return resolved(
            command, lambda word: resolve_connector(word, names, default, scope=scope), t
        )

    async def connector_key(self, word: str, channel_id: str = "") -> str:
        """The key of one connector typed as `word` (an id or `cliente_a:1234`), as
        `resolve` reads a command's (a workflow step's `connector` input)."""
        names = self.book.names()
        default = None
        if len(names) > 1 and not is_connector_key(word):
            default = await self.channel_operation(channel_id)
        return resolve_connector(word, names, default, scope=self.workspace)

    async def channel_operation(self, channel_id: str) -> str | None:
        """The channel's default operation (`use cliente_a`), if any. When the database can't
        say within CHANNEL_DEFAULT_SECONDS, none: the command then asks which operation."""
        preferences = self.languages.preferences
        if preferences is None or not channel_id:
            return None
        try:
            return await bounded(
                preferences.channel_operation(channel_id, self.workspace), CHANNEL_DEFAULT_SECONDS
            )
        except Exception as error:  # the database is down or slow: ask, never guess
            log.warning("default operation of %s: database: %s", channel_id, str(error)[:200])
            return None

    def button_key(self, connector: str) -> str:
        """The key of a connector a button, a menu or a modal carries. A bare id comes from a
        message made before operations existed: it is the environment's operation's (its rows
        were given WOLKVOX_OPERATION_NAME when the database was upgraded). UnknownOperation when
        that operation is gone: a button never shows another operation's data, nor another
        workspace's (a key of another workspace than the requester's is UnknownOperation)."""
        operation, number = split_key(connector)
        names = self.book.names()
        if workspace_of(operation) != self.workspace or (self.distribution and not operation):
            log.warning("a value named another workspace's connector: refused")
            raise UnknownOperation(operation_name(operation), names)
        name = operation_name(operation) or self.settings.operation_name
        if name not in names:
            raise UnknownOperation(name, names)
        return qualify(scoped_operation(self.workspace, name), number)
