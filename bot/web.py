"""The ASGI application uvicorn serves: Bolt's handler at /slack/events (and, in distribution
mode, Bolt's OAuth flow at /slack/install and /slack/oauth_redirect), health (/healthz:
alive, /readyz: the database and Redis answer), Prometheus metrics (/metrics, behind
METRICS_TOKEN), and a clean shutdown of the bot's clients.

Nothing reaches Bolt before it passes the gate here: the body is read with a hard bound, the
Slack signature is checked, the body must parse, and its `response_url`s must point at Slack.
A refused request gets a 4xx, one log line and no other effect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.request.internals import build_normalized_headers, extract_content_type

from bot.config.defaults import INSTALL_PATH, REDIRECT_PATH
from bot.ops import metrics
from bot.shutdown import Shutdown
from bot.slack.door import SlackDoor
from bot.slack.verify import (
    MalformedBody,
    allowed_response_url,
    parse_slack_body,
    response_urls,
    signature_problem,
)

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EVENTS_PATH = "/slack/events"
INSTALL_ROUTES = (INSTALL_PATH, REDIRECT_PATH)  # distribution mode only
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
BODY_SECONDS = 10.0  # Slack sends a few KB at once
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KB


class _Refused(Exception):
    """A request that stops here: its status, the answer's body, and why (for the log)."""

    def __init__(self, status: int, answer: bytes, reason: str, *, close: bool = False) -> None:
        super().__init__(reason)
        self.status, self.answer, self.reason, self.close = status, answer, reason, close


class _ClientGone(Exception):
    """The client disconnected before sending its whole body."""


def asgi_app(door: SlackDoor, shutdown: Shutdown | None = None) -> ASGIApp:
    """Serve `bot` over HTTP; its shutdown ends by `shutdown`'s deadline (begun at SIGTERM)."""
    slack = AsyncSlackRequestHandler(door.app, path=EVENTS_PATH)
    settings = door.settings

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(door, receive, send, shutdown or Shutdown(settings.shutdown_grace))
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close"})
            return
        if scope["path"] == HEALTH_PATH:
            await _plain(send, 200, b"ok")
            return
        if scope["path"] == READY_PATH:
            await _ready(door, send)
            return
        if scope["path"] == METRICS_PATH:
            await _metrics(door, scope, send)
            return
        if _is_install_route(door, scope):
            try:
                _headers(scope)  # Bolt reads them as UTF-8
            except _Refused as refused:
                log.info("refused a request (%d): %s", refused.status, refused.reason)
                await _plain(send, refused.status, refused.answer)
                return
            await slack(scope, receive, send)  # type: ignore[arg-type]
            return
        try:
            body = await _admit(scope, receive, settings.slack_signing_secret)
            _check_body(scope, body, settings.slack_api_url)
        except _Refused as refused:
            # INFO: anyone on the internet can cause these; they are not the bot's faults
            log.info("refused a request (%d): %s", refused.status, refused.reason)
            await _plain(send, refused.status, refused.answer, close=refused.close)
            return
        except _ClientGone:
            return
        await slack(scope, _replay(body, receive), send)  # type: ignore[arg-type]

    return app


def install_routes_app(door: SlackDoor) -> ASGIApp:
    """Socket Mode in distribution mode: commands come over the WebSocket, and this serves the
    install pages (and /healthz) over HTTP on PORT. Everything else is 404."""
    slack = AsyncSlackRequestHandler(door.app, path=EVENTS_PATH)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == HEALTH_PATH:
            await _plain(send, 200, b"ok")
        elif _is_install_route(door, scope):
            try:
                _headers(scope)
            except _Refused as refused:
                await _plain(send, refused.status, refused.answer)
                return
            await slack(scope, receive, send)  # type: ignore[arg-type]
        else:
            await _plain(send, 404, b"not found")

    return app


async def serve_install_routes(door: SlackDoor) -> Callable[[], Awaitable[None]]:
    """Serve `install_routes_app` on HOST:PORT in this event loop (the door's database engine
    lives in it); returns what stops it."""
    import uvicorn

    settings = door.settings
    config = uvicorn.Config(
        install_routes_app(door),
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        lifespan="off",
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup()  # not serve(): the caller keeps its own signal handlers
    running = asyncio.create_task(server.main_loop())

    async def stop() -> None:
        server.should_exit = True
        await running
        await server.shutdown()

    return stop


def _is_install_route(door: SlackDoor, scope: Scope) -> bool:
    """A browser's GET of /slack/install or /slack/oauth_redirect, in distribution mode: Bolt's
    OAuth flow answers it (no Slack signature: a person's browser sends it)."""
    return (
        door.app.oauth_flow is not None
        and scope["method"] in ("GET", "HEAD")
        and scope["path"] in INSTALL_ROUTES
    )


async def _admit(scope: Scope, receive: Receive, signing_secret: str) -> bytes:
    """The body of a request signed by Slack; _Refused otherwise."""
    if scope["method"] != "POST" or scope["path"] != EVENTS_PATH:
        raise _Refused(404, b"not found", "not a Slack endpoint", close=True)
    if _declared_length(scope) > MAX_BODY_BYTES:
        raise _Refused(413, b"request too large", "declared body over 1 MB", close=True)
    try:
        async with asyncio.timeout(BODY_SECONDS):  # a slow upload can't hold memory for long
            body = await _read_body(receive, MAX_BODY_BYTES)
    except TimeoutError:
        raise _Refused(408, b"request body too slow", "body not read in time", close=True) from None
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    problem = signature_problem(headers, body, signing_secret=signing_secret, now=time.time())
    if problem:
        raise _Refused(401, b"invalid request signature", problem)
    return body


def _check_body(scope: Scope, body: bytes, slack_api_url: str) -> None:
    """Refuse a signed request Bolt could not read, or one whose response_url is not Slack's."""
    headers: dict[str, str | Sequence[str]] = dict(_headers(scope))
    content_type = extract_content_type(build_normalized_headers(headers))
    try:
        parsed = parse_slack_body(body, content_type)
    except MalformedBody as error:
        raise _Refused(400, b"malformed body", f"malformed body ({error})") from None
    if not all(allowed_response_url(url, slack_api_url) for url in response_urls(parsed)):
        raise _Refused(400, b"response_url is not Slack's", "response_url not on Slack")


def _headers(scope: Scope) -> dict[str, str]:
    """The headers as Bolt reads them (UTF-8, the last of a repeated name wins)."""
    try:
        scope["query_string"].decode("utf-8")  # Bolt decodes it too
        return {name.decode("utf-8"): value.decode("utf-8") for name, value in scope["headers"]}
    except UnicodeDecodeError:
        raise _Refused(400, b"malformed headers", "headers or query are not UTF-8") from None


async def _read_body(receive: Receive, limit: int) -> bytes:
    """Read the whole body, whatever its framing, refusing it as soon as it passes `limit`."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        body += message.get("body", b"")
        if len(body) > limit:
            raise _Refused(413, b"request too large", "body over 1 MB", close=True)
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the body already read, then defers to the server's."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _lifespan(door: SlackDoor, receive: Receive, send: Send, shutdown: Shutdown) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await door.start()
            except Exception as error:
                log.exception("start-up failed")
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await door.aclose(shutdown.deadline)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _ready(door: SlackDoor, send: Send) -> None:
    """200 when the database and Redis answer within a second each; 503 naming what doesn't."""
    if door.ops is None:
        body = {"ready": False, "failing": ["start"]}
        await _send(send, 503, json.dumps(body).encode(), b"application/json")
        return
    readiness = await door.ops.readiness()
    status = 200 if readiness.ready else 503
    await _send(send, status, json.dumps(readiness.body()).encode(), b"application/json")


async def _metrics(door: SlackDoor, scope: Scope, send: Send) -> None:
    """The metrics for a bearer of METRICS_TOKEN; 404 when it is unset, 401 otherwise."""
    token = door.settings.metrics_token
    if not token or door.ops is None:
        await _plain(send, 404, b"not found")
        return
    authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
    if not metrics.bearer_matches(authorization, token):
        log.info("refused a request (401): /metrics without the right bearer token")
        challenge = [(b"www-authenticate", b"Bearer")]
        await _send(send, 401, b"unauthorized", b"text/plain; charset=utf-8", challenge)
        return
    await _send(send, 200, await door.ops.metrics_text(), metrics.CONTENT_TYPE.encode())


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) <= 12 else MAX_BODY_BYTES + 1
    return 0


async def _plain(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    """A short text answer; `close` ends the connection, so an unread body is never read."""
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """An answer with its content type (and any other headers)."""
    start = [(b"content-type", content_type), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})
