"""Which workspace's bot token a Web API call uses, in distribution mode.

The door's one Web API client (`SlackDoor.web`) has no token of its own there: each call uses
the token bound to the work it belongs to. A request binds its workspace's token (Bolt's
authorize found it) for everything it does, including what it starts after acknowledging
(tasks copy the binding); work no request started (the notifier's sweep) binds one with
`using_token`. A call with no token bound fails with Slack's `not_authed`: never another
workspace's token.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

_bound: ContextVar[str | None] = ContextVar("slack_bot_token", default=None)


def bound_token() -> str | None:
    """The bot token bound to the work running now (None: none)."""
    return _bound.get()


@contextlib.contextmanager
def using_token(token: str | None) -> Iterator[None]:
    """Bind `token` for the calls made inside (and the tasks started inside)."""
    reset = _bound.set(token)
    try:
        yield
    finally:
        _bound.reset(reset)


class WorkspaceWebClient(AsyncWebClient):
    """An AsyncWebClient whose token, when it has none of its own, is the bound one. Client
    credentials (oauth.v2.access) go as an HTTP Basic Authorization header it writes itself
    (aiohttp's BasicAuth, which slack_sdk uses, is deprecated)."""

    _own_token: str | None = None

    async def api_call(
        self,
        api_method: str,
        *,
        auth: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        if isinstance(auth, dict):
            pair = f"{auth['client_id']}:{auth['client_secret']}".encode()
            basic = "Basic " + base64.b64encode(pair).decode("ascii")
            headers, auth = {**(headers or {}), "Authorization": basic}, None
        return await super().api_call(api_method, auth=auth, headers=headers, **kwargs)

    @property
    def token(self) -> str | None:
        return self._own_token or _bound.get()

    @token.setter
    def token(self, value: str | None) -> None:
        self._own_token = value


async def bind_request_token(
    context: AsyncBoltContext, req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse]]
) -> Any:
    """Bolt middleware (after authorize): the request's bot token is bound for the rest of
    it. Bolt runs middleware in a loop, not nested, so the binding is set and left: it lives in
    the request's own task (uvicorn and Socket Mode run each request in one) and the tasks that
    task starts."""
    _bound.set(context.bot_token)
    return await next()
