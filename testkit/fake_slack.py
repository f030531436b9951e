"""A fake Slack on 127.0.0.1: the Web API under /api/<method>, response_url sinks, and (for
distribution mode) the OAuth authorize page, oauth.v2.access and per-workspace bot tokens."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from testkit.http import LoopbackServer, QuietHandler

DEFAULT_LOCALE = "en-US"
# conversations.members of a channel not in FakeSlack.members: the users the request builders
# (testkit.slack_requests, testkit.modal_requests) send by default.
DEFAULT_MEMBERS = ("U0USER1", "U0USER2")
MEMBERS_PAGE = 100  # Slack's default `limit` for conversations.members


@dataclass
class Post:
    """One request the fake received."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    verb: str = "POST"  # slack_sdk sends some methods as GET, their arguments in the query
    at: float = field(default_factory=time.perf_counter)  # when it arrived

    @property
    def token(self) -> str:
        """The token the call was made with (Bearer header, or a `token` argument)."""
        authorization = next(
            (v for k, v in self.headers.items() if k.lower() == "authorization"), ""
        )
        if authorization.startswith("Bearer "):
            return authorization.removeprefix("Bearer ")
        return str(self.body.get("token") or "")


@dataclass
class Grant:
    """What the next install through the authorize page gives (distribution mode)."""

    team_id: str = "T0001"
    team_name: str = "Team"
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    is_enterprise_install: bool = False
    expires_in: int | None = None  # with token rotation: seconds the tokens live
    installer: str = "U0INSTALLER"
    deny: bool = False  # the person clicks Cancel: ?error=access_denied


@dataclass
class Issued:
    """A bot token the fake handed out, and whose it is."""

    grant: Grant
    refresh_token: str | None = None
    expires_at: float | None = None


class FakeSlack:
    def __init__(self) -> None:
        self.api_calls: list[Post] = []
        self.responses: list[Post] = []
        # method -> list of (status, body) to answer before the default; consumed in order
        self.scripted: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.response_status = 200
        self.response_delay = 0.0  # seconds a response_url post waits for its answer
        self.uploads: dict[str, bytes] = {}
        self.socket_url = ""  # what apps.connections.open hands out (Socket Mode)
        # users.info: each user's Slack locale ("es-LA"); None makes the call fail for that
        # user; others get DEFAULT_LOCALE. `users_info_delay` seconds pass before each answer,
        # and `users_info_fails` makes every call fail (HTTP 500). `hold_users_info()` keeps
        # every answer until `release_users_info()`; `users_info_asked` counts the requests
        # as they arrive (`calls("users.info")` lists them once answered).
        self.locales: dict[str, str | None] = {}
        self.users_info_delay = 0.0
        self.users_info_fails = False
        self.users_info_asked = 0
        self._users_info_open = threading.Event()
        self._users_info_open.set()
        # conversations.members: each channel's members (others: DEFAULT_MEMBERS); a channel
        # mapped to None answers channel_not_found (a private channel the bot is not in).
        self.members: dict[str, list[str] | None] = {}
        # users.info: the workspace's admins and owners (`is_admin`, `is_owner`); others are
        # members (both false)
        self.admins: set[str] = set()
        self.owners: set[str] = set()
        # Distribution mode: the app's credentials (oauth.v2.access takes them as HTTP Basic
        # auth, as slack_sdk sends them, or as form fields), the grant the authorize page gives
        # next, the codes it handed out, and the bot tokens and refresh tokens issued.
        self.client_id = "1234.5678"
        self.client_secret = "client-secret-for-tests-0123456789"
        self.grant = Grant()
        self.redirect_url = ""  # the app's Redirect URL (used when the link carries none)
        self.codes: dict[str, Grant] = {}
        self.issued: dict[str, Issued] = {}  # bot token -> its workspace
        self.refresh_tokens: dict[str, str] = {}  # refresh token (single use) -> bot token
        self.refreshed = 0  # grant_type=refresh_token calls answered with a new token
        self.refreshed_lifetime: int | None = (
            None  # a refreshed token's expires_in (None: the grant's)
        )
        self.refresh_delay = 0.0  # seconds a refresh takes to answer (to overlap two)
        self._serial = 0
        self._received: dict[str, float] = {}
        self._changed = threading.Condition()
        self.server = LoopbackServer(_Handler, self).start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return self.server.url + "/api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.server.url}/response/{name}"

    def stop(self) -> None:
        self.server.stop()

    def calls(self, method: str) -> list[Post]:
        return [c for c in self.api_calls if c.path == f"/api/{method}"]

    def replies_to(self, name: str) -> list[dict[str, Any]]:
        return [p.body for p in self.responses if p.path == f"/response/{name}"]

    def received_at(self, name: str) -> float:
        """When the first post to response_url `name` arrived (time.perf_counter)."""
        return self._received[f"/response/{name}"]

    def wait(self, predicate: Any, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def wait_replies(self, name: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        self.wait(lambda: len(self.replies_to(name)) >= count, timeout)
        return self.replies_to(name)

    def hold_users_info(self) -> None:
        """Keep every users.info answer until `release_users_info()` (at most a minute)."""
        self._users_info_open.clear()

    def release_users_info(self) -> None:
        self._users_info_open.set()

    def record(self, handler: _Handler) -> None:
        raw = handler.read_body()
        if handler.path.startswith("/upload/"):
            with self._changed:
                self.uploads[handler.path.removeprefix("/upload/")] = raw
                self._changed.notify_all()
            handler.send(200, b"OK - " + str(len(raw)).encode(), "text/plain")
            return
        content_type = handler.headers.get("Content-Type", "")
        if "json" in content_type:
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        path, _, query = handler.path.partition("?")
        body = {**{k: v[0] for k, v in parse_qs(query).items()}, **body}
        post = Post(path, body, dict(handler.headers), handler.command)
        if handler.path.startswith("/response/"):
            status, answer = self.response_status, b"ok"
            with self._changed:
                self._received.setdefault(path, time.perf_counter())
                self.responses.append(post)
                self._changed.notify_all()
            if self.response_delay:
                time.sleep(self.response_delay)  # recorded already; each request has its thread
            handler.send(status, answer, "text/plain")
            return
        if path == "/oauth/v2/authorize":
            self._authorize(handler, body)
            return
        if not path.startswith("/api/"):
            # not Slack's: a stray request (another test's process polling a port it freed,
            # that this fake took since) is refused and not counted among the bot's calls
            handler.send(404, b"not found", "text/plain")
            return
        method = path.removeprefix("/api/")
        script = self.scripted.get(method)
        if method == "users.info" and not script:
            with self._changed:
                self.users_info_asked += 1
                self._changed.notify_all()
            self._users_info_open.wait(timeout=60)
            if self.users_info_delay:
                time.sleep(self.users_info_delay)  # each request has its own thread
            if self.users_info_fails:
                script = [(500, {"ok": False, "error": "internal_error"})]
        if script:
            status, payload = script.pop(0)
        elif method == "oauth.v2.access":
            status, payload = 200, self._oauth_access(post)
        elif method == "auth.test" and post.token in self.issued:
            status, payload = 200, self._auth_test(self.issued[post.token])
        else:
            status, payload = 200, self._default(method, body)
        with self._changed:
            self.api_calls.append(post)
            self._changed.notify_all()
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        if status == 429:
            handler.send_header("Retry-After", "0")
        handler.end_headers()
        handler.wfile.write(data)

    def calls_with(self, token: str, method: str | None = None) -> list[Post]:
        """The Web API calls made with `token` (of `method` when given)."""
        return [
            c
            for c in self.api_calls
            if c.token == token and (method is None or c.path == f"/api/{method}")
        ]

    def tokens_of(self, team_id: str) -> list[str]:
        """The bot tokens issued to a workspace, oldest first."""
        return [t for t, issued in self.issued.items() if issued.grant.team_id == team_id]

    def _next(self, prefix: str) -> str:
        with self._changed:
            self._serial += 1
            return f"{prefix}{self._serial:04d}"

    def _authorize(self, handler: _Handler, query: dict[str, Any]) -> None:
        """Slack's authorize page, already agreed to: back to the redirect URL with a code for
        `self.grant` (or ?error=access_denied when the grant says deny)."""
        redirect = str(query.get("redirect_uri") or self.redirect_url)
        if query.get("client_id") != self.client_id or not redirect:
            handler.send(400, b"invalid client_id or no redirect_uri", "text/plain")
            return
        grant = self.grant
        answer: dict[str, str] = {"state": str(query.get("state") or "")}
        if grant.deny:
            answer = {"error": "access_denied", **answer}
        else:
            code = self._next("code-")
            with self._changed:
                self.codes[code] = grant
            answer = {"code": code, **answer}
        handler.send_response(302)
        handler.send_header("Location", f"{redirect}?{urlencode(answer)}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _client_ok(self, post: Post) -> bool:
        authorization = next(
            (v for k, v in post.headers.items() if k.lower() == "authorization"), ""
        )
        if authorization.startswith("Basic "):
            raw = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, secret = raw.partition(":")
        else:
            client_id = str(post.body.get("client_id") or "")
            secret = str(post.body.get("client_secret") or "")
        return client_id == self.client_id and secret == self.client_secret

    def _oauth_access(self, post: Post) -> dict[str, Any]:
        """oauth.v2.access: a code for an installation, or a refresh token for a new token."""
        if not self._client_ok(post):
            return {"ok": False, "error": "invalid_client_id"}
        body = post.body
        lifetime: int | None
        with self._changed:
            if body.get("grant_type") == "refresh_token":
                old = self.refresh_tokens.pop(str(body.get("refresh_token") or ""), None)
                if old is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                grant = self.issued[old].grant
                lifetime = self.refreshed_lifetime or grant.expires_in
                self.refreshed += 1
            else:
                found = self.codes.pop(str(body.get("code") or ""), None)
                if found is None:
                    return {"ok": False, "error": "invalid_code"}
                grant, lifetime = found, found.expires_in
        if body.get("grant_type") == "refresh_token" and self.refresh_delay:
            time.sleep(self.refresh_delay)  # each request has its own thread
        token = self._next(f"xoxb-{grant.team_id}-")
        issued = Issued(grant)
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0APP",
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": "UBOT",
            "team": {"id": grant.team_id, "name": grant.team_name} if grant.team_id else None,
            "enterprise": {"id": grant.enterprise_id, "name": grant.enterprise_name}
            if grant.enterprise_id
            else None,
            "is_enterprise_install": grant.is_enterprise_install,
            "authed_user": {"id": grant.installer},
        }
        if lifetime is not None:
            issued.refresh_token = self._next("xoxe-1-refresh-")
            issued.expires_at = time.time() + lifetime
            answer |= {"refresh_token": issued.refresh_token, "expires_in": lifetime}
        with self._changed:
            self.issued[token] = issued
            if issued.refresh_token:
                self.refresh_tokens[issued.refresh_token] = token
        return answer

    def _auth_test(self, issued: Issued) -> dict[str, Any]:
        """auth.test for a token this fake issued: its workspace (refused once expired)."""
        if issued.expires_at is not None and issued.expires_at < time.time():
            return {"ok": False, "error": "token_expired"}
        return {
            "ok": True,
            "url": f"https://{issued.grant.team_id.lower()}.slack.com/",
            "team": issued.grant.team_name,
            "user": "wolkvox",
            "team_id": issued.grant.team_id,
            "enterprise_id": issued.grant.enterprise_id,
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "is_enterprise_install": issued.grant.is_enterprise_install,
        }

    def _default(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Team",
                "user": "wolkvox",
                "team_id": "T0001",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.api_calls) + 1:06d}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = json.loads(body.get("files") or "[]")
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        if method == "users.info":
            user = str(body.get("user") or "")
            locale = self.locales.get(user, DEFAULT_LOCALE)
            if locale is None:
                return {"ok": False, "error": "user_not_found"}
            answer: dict[str, Any] = {
                "id": user,
                "name": user.lower(),
                "tz": "America/Bogota",
                "is_admin": user in self.admins or user in self.owners,  # as Slack: owners too
                "is_owner": user in self.owners,
            }
            if str(body.get("include_locale")).lower() in ("1", "true"):
                answer["locale"] = locale
            return {"ok": True, "user": answer}
        if method == "conversations.members":
            return self._members(body)
        if method == "chat.postMessage":
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": f"{time.time():.6f}",
                "message": {"text": body.get("text")},
            }
        return {"ok": True}

    def _members(self, body: dict[str, Any]) -> dict[str, Any]:
        """conversations.members as Slack pages it: `limit` (at most 1,000) from `cursor`."""
        channel = str(body.get("channel") or "")
        members = self.members.get(channel, list(DEFAULT_MEMBERS))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        limit = min(int(body.get("limit") or MEMBERS_PAGE), 1000)
        start = int(body.get("cursor") or 0)
        end = start + limit
        next_cursor = str(end) if end < len(members) else ""
        return {
            "ok": True,
            "members": members[start:end],
            "response_metadata": {"next_cursor": next_cursor},
        }


class _Handler(QuietHandler):
    server: LoopbackServer

    def do_POST(self) -> None:
        self.server.owner.record(self)

    def do_GET(self) -> None:  # slack_sdk sends some methods (users.info) as GET
        self.server.owner.record(self)
