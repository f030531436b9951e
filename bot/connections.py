"""The HTTP connections uvicorn serves, guarded against clients that connect and send nothing.

uvicorn starts no timer on a connection until its first response, and its `limit_concurrency`
counts idle connections: 500 sockets that never speak would get every real request a 503.
Here instead:

- a connection must send a request's headers within HEADER_SECONDS of opening (or, kept
  alive, of the first byte of its next request), else it is closed;
- at most MAX_WAITING connections may wait for their headers: a new one past that closes the
  oldest waiting one, so idle sockets can neither fill the process's file descriptors nor
  shut out Slack, whose headers arrive at once;
- at most MAX_REQUESTS requests run at once (each may hold up to 1 MB of body); past that,
  uvicorn's own 503. Only requests count, never idle connections.

Kept-alive connections between requests are closed by uvicorn's `timeout_keep_alive`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from uvicorn.config import Config
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

HEADER_SECONDS = 5.0  # Slack and the platform's router send their headers at once
MAX_WAITING = 500  # connections still waiting for their headers
MAX_REQUESTS = 500  # requests running at once (each holds at most 1 MB of body)


# per server: the connections waiting for their headers, oldest first
_waiting: WeakKeyDictionary[ServerState, OrderedDict[GuardedProtocol, None]] = WeakKeyDictionary()


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for the headers and the caps above."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.waiting = _waiting.setdefault(server_state, OrderedDict())
        self._deadline: asyncio.TimerHandle | None = None
        self._app = self.app

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()
        while len(self.waiting) > MAX_WAITING:
            oldest, _ = self.waiting.popitem(last=False)
            oldest.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # the next request on a kept-alive connection
            self._await_headers()

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        self.app = service_unavailable if len(self.tasks) >= MAX_REQUESTS else self._app
        super().on_headers_complete()

    def _await_headers(self) -> None:
        self.waiting[self] = None
        self._deadline = self.loop.call_later(HEADER_SECONDS, self._headers_too_late)

    def _headers_arrived(self) -> None:
        self.waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_late(self) -> None:
        self._deadline = None
        self.waiting.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()
