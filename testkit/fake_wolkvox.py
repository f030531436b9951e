"""A fake Wolkvox `sync_templates` API on 127.0.0.1, with every answer shape the docs list.

Like Wolkvox it checks the token, refuses a third simultaneous request per token with 403, and
answers with {"code", "error", "msg", "data"}. Tests script per-connector replies with `Reply`.

Several operations: each server code (`add_server("0032", token)`) is served at
`/wv0032/api/v2/whatsapp.php` (a base URL of `{url}/wv{server}`) with the tokens it accepts
and its own replies; `/api/v2/whatsapp.php` is the one server of the older tests (`token`).
Requests in flight are counted per token, and the most seen per token is kept.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testkit.http import LoopbackServer, QuietHandler

TOKEN = "wv-token-SECRET-0123456789"
SYNC_PATH = "/api/v2/whatsapp.php"
SERVER_PATH = re.compile(r"/wv(\d{1,4})" + re.escape(SYNC_PATH))
SIMULTANEOUS = {
    "code": 403,
    "error": "FORBIDDEN",
    "msg": "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN",
}


@dataclass
class Reply:
    """How the fake answers one connector."""

    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> sent as is; None -> templates
    templates: int | None = None  # how many generated templates (when body is None)
    delay: float = 0.0
    hang: bool = False  # never answer (until the fake stops)
    release: threading.Event | None = None  # answer once set (after `delay`)
    reset: bool = False  # close the connection without answering
    truncate: bool = False  # promise more bytes than sent, then close
    content_type: str = "application/json"


def make_templates(n: int, *, prefix: str = "plantilla") -> list[dict[str, Any]]:
    categories = ["MARKETING", "UTILITY", "AUTHENTICATION"]
    languages = ["es_MX", "es_CO", "pt_BR", "en_US", "es"]
    return [
        {
            "name_template": f"{prefix}_{i:05d}",
            "body_template": f"Hola {{{{1}}}}, tu pedido {i} está listo. Código {{{{2}}}}.",
            "idiom": languages[i % len(languages)],
            "category": categories[i % len(categories)],
        }
        for i in range(n)
    ]


def ok(data: Any) -> dict[str, Any]:
    return {"code": "200", "error": None, "msg": "Templates synced successfully", "data": data}


class FakeWolkvox:
    """`calls` lists every connector id called (any server); `server_calls` (server, id) pairs
    ("" for the older path). `in_flight`/`max_in_flight` count every token together (one token
    in the older tests); `in_flight_for(token)`/`max_in_flight_for(token)` one token's."""

    def __init__(self, *, limit: int = 2, token: str = TOKEN) -> None:
        self.token = token
        self.limit = limit  # requests in flight per token
        self.servers: dict[str, set[str]] = {}  # server code -> the tokens it accepts
        self.replies: dict[str, Reply] = {}
        self.server_replies: dict[tuple[str, str], Reply] = {}
        self.default = Reply(templates=3)
        self.calls: list[str] = []
        self.server_calls: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.refused = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._by_token: Counter[str] = Counter()
        self._max_by_token: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.server = LoopbackServer(_Handler, self).start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        """WOLKVOX_BASE_URL for operations on the servers added here."""
        return f"{self.server.url}/wv{{server}}"

    def add_server(self, server: str, *tokens: str) -> None:
        """Serve `server` (four digits) at /wv{server}/..., accepting `tokens`."""
        self.servers.setdefault(server, set()).update(tokens)

    def stop(self) -> None:
        self._stopping.set()
        self.server.stop()

    def reply(self, connector: str, reply: Reply, *, server: str | None = None) -> None:
        """How `connector` is answered (on `server` only, when given)."""
        if server is None:
            self.replies[connector] = reply
        else:
            self.server_replies[(server, connector)] = reply

    def calls_for(self, connector: str, *, server: str | None = None) -> int:
        if server is None:
            return self.calls.count(connector)
        return self.server_calls.count((server, connector))

    def in_flight_for(self, token: str) -> int:
        with self._lock:
            return self._by_token[token]

    def max_in_flight_for(self, token: str) -> int:
        with self._lock:
            return self._max_by_token[token]

    @property
    def max_in_flight_per_token(self) -> int:
        """The most requests seen in flight at once for any one token."""
        with self._lock:
            return max(self._max_by_token.values(), default=0)

    def answer(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        raw = handler.read_body()
        self.requests.append({"path": handler.path, "headers": dict(handler.headers), "body": raw})
        server_path = SERVER_PATH.fullmatch(url.path)
        server = server_path.group(1) if server_path else ""
        accepted = {self.token} if not server else self.servers.get(server)
        known = accepted is not None and (server_path is not None or url.path == SYNC_PATH)
        if not known or parse_qs(url.query).get("api") != ["sync_templates"]:
            return handler.send(
                400,
                _json(
                    {
                        "code": 400,
                        "error": "BAD REQUEST",
                        "msg": "THE API YOU WANT TO CONSULT DOES NOT EXIST",
                    }
                ),
            )
        token = handler.headers.get("wolkvox-token")
        if not token:
            return handler.send(
                401,
                _json(
                    {"code": 401, "error": "UNAUTHORIZED", "msg": "PLEASE ENTER THE WOLKVOX-TOKEN"}
                ),
            )
        if token not in (accepted or ()):
            return handler.send(
                403, _json({"code": 403, "error": "FORBIDDEN", "msg": "PLEASE VALIDATE TOKEN"})
            )
        try:
            connector = str(json.loads(raw)["connector_id"])
        except (ValueError, KeyError, TypeError):
            return handler.send(
                400,
                _json({"code": 400, "error": "BAD REQUEST", "msg": "SOME PARAMETERS ARE REQUIRED"}),
            )
        with self._lock:
            if self._by_token[token] >= self.limit:
                self.refused += 1
                refuse = True
            else:
                refuse = False
                self._by_token[token] += 1
                self._max_by_token[token] = max(self._max_by_token[token], self._by_token[token])
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                self.calls.append(connector)
                self.server_calls.append((server, connector))
        if refuse:
            return handler.send(403, _json(SIMULTANEOUS))
        reply = self.server_replies.get((server, connector)) or self.replies.get(
            connector, self.default
        )
        try:
            self._answer(handler, connector, reply)
        finally:
            with self._lock:
                self.in_flight -= 1
                self._by_token[token] -= 1

    def _answer(self, handler: _Handler, connector: str, reply: Reply) -> None:
        if reply.delay:
            self._stopping.wait(reply.delay)
        while reply.release is not None and not reply.release.is_set():
            if self._stopping.wait(0.02):
                return _drop(handler)
        if reply.hang:
            self._stopping.wait(60)
            return _drop(handler)
        if reply.reset:
            return _drop(handler, reset=True)
        if reply.body is None:
            count = reply.templates if reply.templates is not None else 3
            body = _json(ok(make_templates(count, prefix=f"plantilla_{connector}")))
        elif isinstance(reply.body, bytes):
            body = reply.body
        elif isinstance(reply.body, str):
            body = reply.body.encode()
        else:
            body = _json(reply.body)
        if reply.truncate:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(body) * 2))
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
            return _drop(handler)
        handler.send(reply.status, body, reply.content_type)


def _drop(handler: _Handler, *, reset: bool = False) -> None:
    handler.close_connection = True
    if reset:  # RST instead of FIN
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


class _Handler(QuietHandler):
    server: LoopbackServer

    def do_POST(self) -> None:
        self.server.owner.answer(self)

    def do_GET(self) -> None:
        self.send(
            400,
            _json(
                {
                    "code": 400,
                    "error": "BAD REQUEST",
                    "msg": "THE API YOU WANT TO CONSULT DOES NOT EXIST",
                }
            ),
        )


def wait_until(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def template(name: str, idiom: str, category: str, body: str) -> dict[str, Any]:
    return {"name_template": name, "idiom": idiom, "category": category, "body_template": body}


# A small, realistic operation: the three questions of campaign planning have known answers.
CAMPAIGN = [
    template(
        "recordatorio_pago", "es_MX", "UTILITY", "Hola {{1}}, tu pago de {{2}} vence el {{3}}."
    ),
    template(
        "recordatorio_pago", "pt_BR", "UTILITY", "Olá {{1}}, seu pagamento de {{2}} vence em {{3}}."
    ),
    template("promo_navidad", "es_MX", "MARKETING", "¡Feliz Navidad, {{first_name}}! 20% en todo."),
    template("promo_navidad", "es_CO", "MARKETING", "¡Feliz NAVIDAD! Envío gratis hoy."),
    template("promo_natal", "pt_BR", "MARKETING", "Feliz Natal, {{1}}! Frete grátis."),
    template("aviso_navidad_horario", "es_MX", "UTILITY", "Horario de Navidad: 9 a 14 h."),
    template("codigo_verificacion", "es", "AUTHENTICATION", "Tu código es {{1}}."),
    template("promocion_verano", "es_MX", "MARKETING", "Promoción de verano para {{1}}."),
    template("welcome_message", "en_US", "MARKETING", "Welcome, {{1}}!"),
    template("boas_vindas", "pt_BR", "UTILITY", "Bem-vindo, {{1}}!"),
]
