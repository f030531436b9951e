"""Every workspace's operations: one `OperationBook` per Slack workspace.

Single-workspace mode (SLACK_BOT_TOKEN) has one book, `single` (workspace ""): the
environment's operation (WOLKVOX_SERVER/WOLKVOX_TOKEN) and the stored ones, as before.
Distribution mode (installed from a link, many workspaces) has one book per workspace (its team
id, or enterprise id for an org-wide install), made when a request of that workspace first
needs it (`book_for`, one database read however many requests arrive together) and kept while
the workspace is active: at most `most` books stay in memory, the least recently used one is
dropped first (read again from the database on its next request). There is no environment
operation in distribution mode: each workspace's admins add their own, and `single` stays
empty (workspace "" is no workspace's).

A change anywhere bumps one version number (`operations_version`); every `WATCH_SECONDS` the
watch reads it (one query) and, when it moved, reloads the books in memory (one query each).
Books not in memory need nothing: they are read fresh when next needed.

Lookups by scoped name (`get("T0123ABCD/cliente_a")`, what a connector key carries) are
answered by that workspace's book when it is in memory; `all()` is every operation in memory
(the Wolkvox clients in use). Removal listeners hear scoped names, whichever book removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from bot.operations.book import WATCH_SECONDS, OperationBook, OperationRows, Removed
from bot.operations.model import Operation
from bot.operations.secrets import SecretBox
from bot.templates.connectors import workspace_of

log = logging.getLogger(__name__)

MAX_BOOKS = 2_000  # workspaces whose operations stay in memory (a few hundred bytes each)
STOP_SECONDS = 5.0


class WorkspaceRows(OperationRows, Protocol):
    """The database's side for every workspace (`bot.database.operations.OperationTable`)."""

    def for_workspace(self, workspace: str) -> OperationRows: ...


class OperationBooks:
    """One book per workspace (`book_for`), bounded; `single` is single-workspace mode's."""

    def __init__(
        self,
        rows: WorkspaceRows | None,
        box: SecretBox,
        *,
        environment: Operation | None = None,
        environment_aliases: Mapping[str, str] | None = None,
        distribution: bool = False,
        most: int = MAX_BOOKS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        watch_seconds: float = WATCH_SECONDS,
    ) -> None:
        self.distribution = distribution
        self._rows = rows
        self._box = box
        self._most = max(1, most)
        self._now = now
        self._watch_seconds = watch_seconds
        # distribution mode: `single` is empty (what a request of no workspace finds; rows of
        # a database that was single-workspace mode's stay there, unreachable)
        self.single = OperationBook(
            None if distribution else environment,
            None if distribution else rows,
            box,
            environment_aliases=None if distribution else environment_aliases,
            now=now,
        )
        self.single.on_removed(self._tell_removed)
        self._books: OrderedDict[str, OperationBook] = OrderedDict()
        self._loading: dict[str, asyncio.Task[OperationBook]] = {}
        self._listeners: list[Removed] = []
        self._version = -1
        self._watching: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def __repr__(self) -> str:
        mode = "distribution" if self.distribution else "single"
        return f"OperationBooks({mode}, {len(self._books)} in memory)"

    # which book

    async def book_for(self, workspace: str) -> OperationBook:
        """`workspace`'s book, read from the database on first use (SecretKeyError when
        WOLKVOX_SECRET_KEY does not open its tokens). Single-workspace mode, or workspace
        "": `single`."""
        if not self.distribution or not workspace:
            return self.single
        book = self._books.get(workspace)
        if book is not None:
            self._books.move_to_end(workspace)
            return book
        loading = self._loading.get(workspace)
        if loading is None:
            loading = asyncio.ensure_future(self._load(workspace))
            self._loading[workspace] = loading
            loading.add_done_callback(lambda _: self._loading.pop(workspace, None))
        return await asyncio.shield(loading)

    def loaded(self, workspace: str) -> OperationBook | None:
        """`workspace`'s book if it is in memory (`single` for "" or single-workspace mode)."""
        if not self.distribution or not workspace:
            return self.single
        return self._books.get(workspace)

    @property
    def in_memory(self) -> int:
        """The workspaces' books in memory now (`single` apart)."""
        return len(self._books)

    async def _load(self, workspace: str) -> OperationBook:
        rows = self._rows.for_workspace(workspace) if self._rows is not None else None
        book = OperationBook(
            None,
            rows,
            self._box,
            now=self._now,
            workspace=workspace,
        )
        book.on_removed(self._tell_removed)
        await book.load()
        self._books[workspace] = book
        while len(self._books) > self._most:
            self._books.popitem(last=False)  # read again on its next request
        return book

    def forget(self, workspace: str) -> None:
        """Drop `workspace`'s book from memory (uninstalled: nothing of it is served)."""
        self._books.pop(workspace, None)

    # lookups by scoped name (a connector key's operation), for the source and the quota

    def get(self, name: str) -> Operation | None:
        book = self.loaded(workspace_of(name))
        return book.get(name) if book is not None else None

    def all(self) -> tuple[Operation, ...]:
        """Every operation in memory (single-workspace mode: `single`'s)."""
        if not self.distribution:
            return self.single.all()
        found = list(self.single.all())
        for book in self._books.values():
            found.extend(book.all())
        return tuple(found)

    def names(self) -> tuple[str, ...]:
        return self.single.names()

    @property
    def environment(self) -> Operation | None:
        return self.single.environment

    @property
    def only(self) -> Operation | None:
        return self.single.only

    # loading, watching, listening

    def attach(self, rows: WorkspaceRows) -> None:
        self._rows = rows
        if not self.distribution:
            self.single.attach(rows)
        for workspace, book in self._books.items():
            book.attach(rows.for_workspace(workspace))

    async def load(self) -> None:
        """Read `single`'s operations and the version (the other books load on first use)."""
        if self._rows is not None:
            self._version = await self._rows.operations_version()
        await self.single.load()

    async def refresh(self) -> bool:
        """When the version moved: reload every book in memory; True when it did."""
        if self._rows is None:
            return False
        version = await self._rows.operations_version()
        if version == self._version:
            return False
        self._version = version
        for book in (self.single, *list(self._books.values())):
            await book.load()
        return True

    def on_removed(self, listener: Removed) -> None:
        """Call `listener` with the scoped names of operations removed, in any workspace."""
        self._listeners.append(listener)

    async def _tell_removed(self, names: Sequence[str]) -> None:
        for listener in self._listeners:
            try:
                await listener(names)
            except Exception:
                log.exception("a listener failed after operations were removed")

    def start_watching(self) -> None:
        if self._rows is not None and self._watching is None:
            self._stopping = asyncio.Event()
            self._watching = asyncio.create_task(self._watch(), name="operations-watch")

    async def stop_watching(self) -> None:
        """Stop between two reloads (a reload cut off mid-query would leave the database
        driver answering a loop that may be closed by then)."""
        if self._watching is not None:
            self._stopping.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._watching), STOP_SECONDS)
            except TimeoutError:
                self._watching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._watching
            self._watching = None

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._watch_seconds)
            if self._stopping.is_set():
                return
            try:
                await self.refresh()
            except Exception as error:  # the database is down: keep what is known
                log.warning("could not reload the operations: %s", str(error)[:200])


__all__ = ["MAX_BOOKS", "OperationBooks", "WorkspaceRows"]
