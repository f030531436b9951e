"""The ASGI application uvicorn serves: Bolt's handler at /slack/events, a health check,
a request size bound, and a clean shutdown of the bot's clients."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler

from bot.slack.app import Bot

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KB


def asgi_app(bot: Bot) -> ASGIApp:
    """Serve `bot` over HTTP."""
    slack = AsyncSlackRequestHandler(bot.app, path=EVENTS_PATH)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(bot, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == HEALTH_PATH:
            await _plain(send, 200, b"ok")
            return
        if scope["type"] == "http" and _declared_length(scope) > MAX_BODY_BYTES:
            await _plain(send, 413, b"request too large")
            return
        await slack(scope, receive, send)  # type: ignore[arg-type]

    return app


async def _lifespan(bot: Bot, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await bot.start()
            except Exception as error:
                log.exception("start-up failed")
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await bot.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else MAX_BODY_BYTES + 1
    return 0


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})
