"""A fake Slack on 127.0.0.1: the Web API under /api/<method> and response_url sinks."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

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
