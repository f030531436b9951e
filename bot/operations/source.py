"""The TemplateSource of a bot with operations: a connector key (`cliente_a:1234`) is synced
by calling Wolkvox on that operation's server (WOLKVOX_BASE_URL with its `{server}`), with its
token, for the bare id.

- One WolkvoxClient per (base URL, token, server), made on first use and kept; closed once no
  operation uses it any more (the operation was removed, or its token or server changed) and
  its syncs have ended, and at `aclose`.
- The 2 requests in flight are per token (`slots_for_token`, by the token's key): operations
  sharing a token share them, others call side by side. The daily quota is per token too
  (`bot.ops.quota`, through `admit`, which is given the key).
- A key whose operation is gone raises UnknownOperation (with the names that exist); no
  operation at all, NoOperations. A bare id (older callers, WOLKVOX_AUTO_SYNC of before) is the
  environment's operation's, or the only one's.
- In distribution mode a key is scoped (`T0123ABCD/cliente_a:1234`): its workspace's book
  (`bot.operations.books`) says which operation it is, read first if it is not in memory.
  Two workspaces' operations of one name are two operations; two of one token share its
  slots and its quota (they are the token's, whoever registered it).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence

from bot.config import Settings
from bot.errors import NoOperations, OperationNeeded, UnknownOperation
from bot.operations.book import OperationBook
from bot.operations.books import OperationBooks
from bot.operations.model import Operation
from bot.templates.connectors import operation_name, split_key, workspace_of
from bot.wolkvox.answer import SyncAnswer
from bot.wolkvox.client import MAX_WAITING, Admit, WolkvoxClient
from bot.wolkvox.slots import Slots

log = logging.getLogger(__name__)

# A client is named by what its requests carry: the URL, the token (by its key) and the server.
ClientKey = tuple[str, str, str]


class OperationsSource:
    """Syncs a connector key with its operation's server and token (a TemplateSource)."""

    def __init__(
        self,
        book: OperationBooks | OperationBook,
        settings: Settings,
        slots_for_token: Callable[[str], Slots],
        *,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self._book = book
        self._settings = settings
        self._slots_for_token = slots_for_token
        self._max_waiting = max_waiting
        self._clients: dict[ClientKey, WolkvoxClient] = {}
        self._running: Counter[ClientKey] = Counter()
        self._retired: dict[ClientKey, WolkvoxClient] = {}
        self._closing: set[asyncio.Task[None]] = set()
        book.on_removed(self._removed)

    @property
    def clients(self) -> int:
        """The clients open now (one per server and token in use)."""
        return len(self._clients)

    @property
    def waiting(self) -> int:
        """Syncs waiting for a slot now, every operation together."""
        return sum(client.waiting for client in self._clients.values())

    def operation(self, connector: str) -> Operation:
        """The operation a connector key belongs to (raises UnknownOperation, NoOperations,
        or OperationNeeded for a bare id while several exist and none is the environment's)."""
        name, number = split_key(connector)
        operations = self._book.all()
        if not operations:
            raise NoOperations()
        if not name:
            found = self._book.environment or self._book.only
            if found is None:
                raise OperationNeeded(number, self._book.names())
            return found
        operation = self._book.get(name)
        if operation is None:  # named as typed; another workspace's names are never told
            raise UnknownOperation(operation_name(name), self._names(name))
        return operation

    def _names(self, name: str) -> tuple[str, ...]:
        if isinstance(self._book, OperationBooks):
            book = self._book.loaded(workspace_of(name))
            return book.names() if book is not None else ()
        return self._book.names()

    async def sync_templates(
        self, connector: str, *, caller: str = "", admit: Admit | None = None
    ) -> SyncAnswer:
        """Sync `connector` (a key) with its operation's server and token; `admit` reserves the
        call against that token's quota once a slot is held."""
        if isinstance(self._book, OperationBooks) and workspace_of(connector):
            await self._book.book_for(workspace_of(connector))  # in memory from now on
        operation = self.operation(connector)
        key, client = self._client(operation)
        self._running[key] += 1
        try:
            return await client.sync_templates(connector, caller=caller, admit=admit)
        finally:
            self._running[key] -= 1
            if self._running[key] <= 0:
                del self._running[key]
                retired = self._retired.pop(key, None)
                if retired is not None:
                    self._close_later(retired)

    def _client(self, operation: Operation) -> tuple[ClientKey, WolkvoxClient]:
        url = self._settings.wolkvox_url(operation.server)
        key = (url, operation.token_key, operation.server)
        client = self._clients.get(key)
        if client is None:
            self._retire_unused()
            client = self._clients[key] = WolkvoxClient(
                url,
                operation.token,
                server=operation.server,
                timeout=self._settings.timeout,
                max_waiting=self._max_waiting,
                slots=self._slots_for_token(operation.token_key),
            )
        return key, client

    def _in_use(self) -> set[ClientKey]:
        return {
            (self._settings.wolkvox_url(op.server), op.token_key, op.server)
            for op in self._book.all()
        }

    def _retire_unused(self) -> None:
        """Close the clients no operation uses any more (now, or once their syncs end)."""
        in_use = self._in_use()
        for key in [k for k in self._clients if k not in in_use]:
            client = self._clients.pop(key)
            if self._running[key]:
                self._retired[key] = client
            else:
                self._close_later(client)

    async def _removed(self, names: Sequence[str]) -> None:
        self._retire_unused()

    def refresh(self) -> None:
        """Close the clients of operations removed or changed (called when the book changes;
        also done whenever a new client is made)."""
        self._retire_unused()

    def _close_later(self, client: WolkvoxClient) -> None:
        task = asyncio.create_task(client.aclose(), name="wolkvox-client-close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        clients = [*self._clients.values(), *self._retired.values()]
        self._clients.clear()
        self._retired.clear()
        for client in clients:
            await client.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        log.debug("closed %d Wolkvox client(s)", len(clients))
