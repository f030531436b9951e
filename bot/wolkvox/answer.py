"""Wolkvox's answer to `sync_templates`, read (pure): templates kept, bad items counted,
refusals turned into the WolkvoxError they describe. No I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import (
    BadRequest,
    BadResponse,
    Forbidden,
    InvalidToken,
    MissingToken,
    QuotaExceeded,
    TooManyRequests,
    Unavailable,
    WolkvoxRejected,
)
from bot.templates.model import Template

MAX_NAME = 512
MAX_LANGUAGE = 32
MAX_CATEGORY = 64
MAX_BODY = 4096  # Meta allows 1,024; anything past this is cut, not trusted
MAX_CODE = 16  # Wolkvox's `code` is a status like "403"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
MAX_SAID = 300  # how much of Wolkvox's own error text is kept


@dataclass(frozen=True, slots=True)
class SyncAnswer:
    """What a successful sync returned: the readable templates and how many items were not."""

    templates: tuple[Template, ...]
    skipped: int


def parse_sync_answer(
    connector: str, status: int, content: bytes, *, secret: str = ""
) -> SyncAnswer:
    """Turn an HTTP status and body into a SyncAnswer, or raise the WolkvoxError they describe.

    `secret` (the token) is removed from any text Wolkvox sends back.
    """
    if status >= 500:
        raise Unavailable(connector, status)
    try:
        body: Any = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadResponse(connector, "the answer is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        if not 200 <= status < 300:
            raise _rejection(connector, status, str(status), "", "") from exc
        raise BadResponse(connector, _describe_unreadable(content)) from exc
    if not isinstance(body, dict):
        if not 200 <= status < 300:
            raise _rejection(connector, status, str(status), "", "")
        raise BadResponse(connector, f"expected a JSON object, got {type(body).__name__}")

    code = _said(body.get("code"), secret)[:MAX_CODE]
    if not 200 <= status < 300 or (code and not code.startswith("2")):
        error = _said(body.get("error"), secret)
        msg = _said(body.get("msg"), secret)
        raise _rejection(connector, status, code, error, msg)

    templates, skipped = _read_items(body.get("data"))
    return SyncAnswer(templates=templates, skipped=skipped)


def _read_items(data: object) -> tuple[tuple[Template, ...], int]:
    if data is None:
        return (), 0
    items = [data] if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        return (), 1
    templates: list[Template] = []
    skipped = 0
    for item in items:
        template = _read_template(item)
        if template is None:
            skipped += 1
        else:
            templates.append(template)
    return tuple(templates), skipped


def _read_template(item: object) -> Template | None:
    """A Template from one item of `data`, or None when the item is not well-formed."""
    if not isinstance(item, Mapping):
        return None
    name = item.get("name_template")
    language = item.get("idiom")
    category = item.get("category")
    body = item.get("body_template")
    if not (
        isinstance(name, str)
        and isinstance(language, str)
        and isinstance(category, str)
        and isinstance(body, str)
    ):
        return None
    # NUL is no character any database or Slack takes (PostgreSQL refuses it in text)
    name, language, category, body = (
        value.replace("\x00", "") for value in (name, language, category, body)
    )
    # names, languages and categories are identifiers: control characters are no part of them
    name, language, category = (_CONTROL.sub("", x).strip() for x in (name, language, category))
    if not name or len(name) > MAX_NAME or not language or len(language) > MAX_LANGUAGE:
        return None
    if not category or len(category) > MAX_CATEGORY:
        return None
    return Template(name=name, language=language, category=category, body=body[:MAX_BODY])


def _rejection(connector: str, status: int, code: str, error: str, msg: str) -> WolkvoxRejected:
    """The error class for a Wolkvox refusal, from its status/code and its words."""
    effective = status if not 200 <= status < 300 else _int(code)
    words = f"{error} {msg}".upper()
    kind: type[WolkvoxRejected]
    if effective == 401:
        kind = MissingToken
    elif effective == 403 and "LIMIT EXCEEDED" in words and "SIMULTANEOUS" not in words:
        kind = QuotaExceeded
    elif effective == 403 and "SIMULTANEOUS" in words:
        kind = TooManyRequests
    elif effective == 403 and "VALIDATE TOKEN" in words:
        kind = InvalidToken
    elif effective == 403:
        kind = Forbidden
    elif effective == 400:
        kind = BadRequest
    else:
        kind = WolkvoxRejected
    return kind(connector, status, code, error, msg)


def _describe_unreadable(content: bytes) -> str:
    head = content[:512].lstrip().lower()
    if not head:
        return "the answer was empty"
    if head.startswith((b"<!doctype", b"<html", b"<")):
        return "the answer is an HTML page, not JSON"
    if head.startswith((b"{", b"[")):
        return "the JSON answer was cut off or malformed"
    return "the answer is not JSON"


def _text(value: object) -> str:
    """`code` comes as "200" or 200: compare as text."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _int(code: str) -> int:
    return int(code) if code.isdigit() else 0


def _said(value: object, secret: str) -> str:
    """Wolkvox's own words, bounded and with the token removed."""
    text = _text(value)
    if secret:
        text = text.replace(secret, "[token]")
    return text[:MAX_SAID]
