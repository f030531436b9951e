"""Is this request from Slack, and is it safe to hand to Bolt? The signature check, the
body's shape and the `response_url` allow list, written so that no input makes them raise."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.request.internals import parse_body

MAX_CLOCK_SKEW = 60 * 5  # Slack's rule: a timestamp more than 5 minutes away is a replay
SLACK_HOOKS_HOST = "hooks.slack.com"  # where every real response_url points

TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# What a URL may hold: printable ASCII, no backslash (parsers disagree on it), no space.
_URL_CHARS = re.compile(r"[!#-\[\]-~]+")


class MalformedBody(Exception):
    """The body is not what Slack sends: not UTF-8, or JSON that does not parse."""


def signature_problem(
    headers: Mapping[str, str], body: bytes, *, signing_secret: str, now: float
) -> str | None:
    """Why the request is not signed by Slack, in a few words; None when it is.

    The HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret, compared in constant
    time, with a timestamp within 5 minutes of `now`.
    """
    if not signing_secret:
        return "no signing secret is configured"
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return "malformed timestamp"
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return "timestamp too far from now"
    if not _SIGNATURE.fullmatch(signature):
        return "malformed signature"
    message = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), message, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature mismatch"
    return None


def parse_slack_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will parse it (same function); MalformedBody if Bolt could not."""
    try:
        body = parse_body(raw.decode("utf-8"), content_type)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedBody(type(error).__name__) from None
    if not isinstance(body, dict):
        raise MalformedBody("not an object")
    return body


def response_urls(body: Mapping[str, Any]) -> Iterator[object]:
    """Every `response_url` a parsed body carries: top level, and in a modal's `response_urls`."""
    if "response_url" in body:
        yield body["response_url"]
    listed = body.get("response_urls")
    if listed is None:
        return
    if not isinstance(listed, list):
        yield listed
        return
    for item in listed:
        yield item.get("response_url") if isinstance(item, dict) else item


def allowed_response_url(url: object, slack_api_url: str) -> bool:
    """True when `url` is on https://hooks.slack.com/ or on the host of SLACK_API_URL.

    Strict on purpose: ASCII only, no user info, no backslash, so that no URL parser can read
    another host into it.
    """
    if not isinstance(url, str) or not _URL_CHARS.fullmatch(url):
        return False
    try:
        target = urlsplit(url)
        target_port = target.port
        api = urlsplit(slack_api_url)
        api_port = api.port
    except ValueError:
        return False
    if "@" in target.netloc or not target.hostname:
        return False
    if target.scheme == "https" and target.hostname == SLACK_HOOKS_HOST:
        return target_port in (None, 443)
    return (
        target.scheme == api.scheme
        and target.hostname == api.hostname
        and _port(target.scheme, target_port) == _port(api.scheme, api_port)
    )


def _port(scheme: str, port: int | None) -> int | None:
    if port is not None:
        return port
    return {"http": 80, "https": 443}.get(scheme)
