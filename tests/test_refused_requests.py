"""Requests from outsiders: unsigned, badly signed, oversized or malformed. Each gets a 4xx
and one log line, and causes nothing: no post to a response_url, no Web API call, no sync."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.slack.verify import allowed_response_url, signature_problem
from bot.web import MAX_BODY_BYTES
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from tests.deployed import Instance, base_env
from tests.harness import SIGNING_SECRET, BotServer, command_body, settings_env, sign

MB = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
ATTACK_TEXT = "attack-marker-4321"


def signature(timestamp: bytes, body: bytes, secret: str = SIGNING_SECRET) -> bytes:
    """What Slack would send for this timestamp and body, however odd the timestamp."""
    digest = hmac.new(secret.encode(), b"v0:" + timestamp + b":" + body, hashlib.sha256)
    return b"v0=" + digest.hexdigest().encode()


def now() -> bytes:
    return str(int(time.time())).encode()


def attack_body(slack: FakeSlack) -> bytes:
    """A slash command whose response_url is on the fake Slack: any post to it is recorded."""
    return command_body(ATTACK_TEXT, response_url=slack.response_url("evil")).encode()


def post(bot: BotServer, body: bytes, headers: dict[str, bytes]) -> int:
    """POST raw header bytes (httpx would refuse non-ASCII text); a form unless told."""
    raw = {b"content-type": FORM.encode(), **{k.lower().encode(): v for k, v in headers.items()}}
    return bot.http.post("/slack/events", content=body, headers=raw).status_code


def assert_nothing_happened(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, caplog: pytest.LogCaptureFixture
) -> None:
    """Settle with a valid sync, then check that everything recorded is that sync's doing."""
    assert bot.command("1234", response_url=slack.response_url("ok")).status == 200
    assert slack.wait_replies("ok", 1)
    assert [p.path for p in slack.responses] == ["/response/ok"]
    # Bolt's auth.test, and the language of the user who synced (users.info)
    assert [c.path for c in slack.api_calls] == ["/api/auth.test", "/api/users.info"]
    assert [r["body"] for r in wolkvox.requests] == [b'{"connector_id":"1234"}']
    assert_quiet(caplog)


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert ATTACK_TEXT not in caplog.text and SIGNING_SECRET not in caplog.text


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.web"]


# -- timestamps and signatures --------------------------------------------------------------

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BAD_TIMESTAMPS: dict[str, Callable[[], bytes]] = {
    "letters": lambda: b"abc",
    "exponent": lambda: b"1e9",
    "empty": lambda: b"",
    "5000 digits": lambda: b"9" * 5000,
    "negative": lambda: b"-" + now(),
    "plus sign": lambda: b"+" + now(),
    "decimal": lambda: now() + b".0",
    "13 digits": lambda: b"000" + now(),
    "Arabic-Indic digits": lambda: now().decode().translate(ARABIC_DIGITS).encode(),
    "6 minutes old": lambda: str(int(time.time()) - 360).encode(),
    "6 minutes ahead": lambda: str(int(time.time()) + 360).encode(),
}


@pytest.mark.parametrize("case", list(BAD_TIMESTAMPS))
def test_a_malformed_or_stale_timestamp_is_refused_even_with_a_matching_signature(
    bot: BotServer,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    caplog.set_level(logging.INFO)
    body = attack_body(slack)
    timestamp = BAD_TIMESTAMPS[case]()
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(timestamp, body),
    }
    assert post(bot, body, headers) == 401
    assert post(bot, body, {"X-Slack-Signature": signature(timestamp, body)}) == 401  # none
    assert len(refusals(caplog)) == 2
    assert_nothing_happened(bot, slack, wolkvox, caplog)


def test_an_unsigned_command_is_refused(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert post(bot, attack_body(slack), {}) == 401  # neither timestamp nor signature
    assert len(refusals(caplog)) == 1
    assert_nothing_happened(bot, slack, wolkvox, caplog)


Signer = Callable[[bytes, bytes], bytes | None]  # (timestamp, body) -> header, or none


def _good(timestamp: bytes, body: bytes) -> bytes:
    return signature(timestamp, body)


BAD_SIGNATURES: dict[str, Signer] = {
    "missing": lambda ts, body: None,
    "empty": lambda ts, body: b"",
    "non-ASCII (UTF-8)": lambda ts, body: "v0=é".encode(),
    "non-ASCII (Latin-1)": lambda ts, body: b"v0=\xe9",
    "non-ASCII, long": lambda ts, body: "é".encode() * 3000,
    "wrong digest": lambda ts, body: b"v0=" + b"0" * 64,
    "upper-case hex": lambda ts, body: b"v0=" + _good(ts, body)[3:].upper(),
    "version v1": lambda ts, body: b"v1=" + _good(ts, body)[3:],
    "one hex digit short": lambda ts, body: _good(ts, body)[:-1],
    "one hex digit more": lambda ts, body: _good(ts, body) + b"0",
    "not hex": lambda ts, body: b"v0=" + b"g" * 64,
    "two signatures": lambda ts, body: _good(ts, body) + b"," + _good(ts, body),
    "another secret": lambda ts, body: signature(ts, body, secret="not-the-signing-secret"),
    "signed for another body": lambda ts, body: _good(ts, body.replace(b"evil", b"good")),
}


@pytest.mark.parametrize("case", list(BAD_SIGNATURES))
def test_a_bad_signature_is_refused(
    bot: BotServer,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    caplog.set_level(logging.INFO)
    body = attack_body(slack)
    timestamp = now()
    headers = {"X-Slack-Request-Timestamp": timestamp}
    value = BAD_SIGNATURES[case](timestamp, body)
    if value is not None:
        headers["X-Slack-Signature"] = value
    assert post(bot, body, headers) == 401
    assert len(refusals(caplog)) == 1
    assert_nothing_happened(bot, slack, wolkvox, caplog)


# -- bodies Bolt could not read ---------------------------------------------------------------

JUNK = {
    "not UTF-8": (FORM, b"command=/wolkvox-sync&text=\xff\xfe"),
    "JSON that does not parse": ("application/json", b'{"type": "event_callback", '),
    "a brace, then not JSON": (FORM, b"{response_url=https://evil.example/"),
    "JSON that is not an object": ("application/json", b'["response_url"]'),
    "payload that is not JSON": (FORM, b"payload=%7Bnot+json"),
    "payload that is not an object": (FORM, b"payload=%5B1%2C2%5D"),
    "payload nested 100,000 deep": (FORM, b"payload=" + b"%5B" * 100_000),
}


@pytest.mark.parametrize("case", list(JUNK))
def test_junk_gets_401_unsigned_and_400_signed_without_a_traceback(
    bot: BotServer,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    caplog.set_level(logging.INFO)
    content_type, body = JUNK[case]
    assert post(bot, body, {"Content-Type": content_type.encode()}) == 401
    timestamp = now()
    signed = {
        "Content-Type": content_type.encode(),
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(timestamp, body),
    }
    assert post(bot, body, signed) == 400
    assert len(refusals(caplog)) == 2
    assert_nothing_happened(bot, slack, wolkvox, caplog)


def test_a_signed_request_with_headers_bolt_cannot_decode_gets_400(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, caplog: pytest.LogCaptureFixture
) -> None:
    body = attack_body(slack)
    headers = {key: value.encode() for key, value in sign(body.decode()).items()}
    assert post(bot, body, {**headers, "X-Extra": b"\xff"}) == 400
    assert_nothing_happened(bot, slack, wolkvox, caplog)


# -- response_url ---------------------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[FakeSlack]:
    """A server that is not Slack (another port of 127.0.0.1): it must never be posted to."""
    fake = FakeSlack()
    yield fake
    fake.stop()


def test_a_signed_command_with_a_foreign_response_url_gets_400_and_no_post(
    bot: BotServer,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    elsewhere: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for url in ("https://evil.example/x", elsewhere.response_url("evil")):
        assert bot.command(ATTACK_TEXT, response_url=url).status == 400
        assert bot.click("page", "{}", response_url=url).status == 400
        view = {"type": "view_submission", "response_urls": [{"response_url": url}]}
        body = urlencode({"payload": json.dumps(view)})
        assert bot.post(body, sign(body)).status == 400
    assert refusals(caplog) == ["refused a request (400): response_url not on Slack"] * 6
    assert_nothing_happened(bot, slack, wolkvox, caplog)
    assert elsewhere.responses == [] and elsewhere.api_calls == []


RESPONSE_URLS = [
    ("https://hooks.slack.com/commands/T1/2/abc", True),
    ("https://hooks.slack.com:443/actions/T1/2/abc", True),
    ("https://HOOKS.slack.com/commands/T1/2/abc", True),
    ("http://127.0.0.1:8080/response/r", True),  # the host of SLACK_API_URL
    ("https://evil.example/x", False),
    ("http://hooks.slack.com/commands/T1", False),
    ("https://hooks.slack.com:8443/commands/T1", False),
    ("https://hooks.slack.com.evil.example/x", False),
    ("https://hooks.slack.com@evil.example/x", False),
    ("https://evil.example\\@hooks.slack.com/x", False),
    ("https://evil.example#@hooks.slack.com/x", False),
    ("https://hooks.slack.com./commands/T1", False),
    ("https://hooks.slack.com /x", False),
    ("https://hooks.slack.com:99999/x", False),
    ("https://[::1/x", False),
    ("http://127.0.0.1:8081/response/r", False),
    ("https://127.0.0.1:8080/response/r", False),
    ("http://localhost:8080/response/r", False),
    ("//hooks.slack.com/x", False),
    ("/response/r", False),
    ("", False),
    (None, False),
    (["https://hooks.slack.com/x"], False),
]


@pytest.mark.parametrize(("url", "allowed"), RESPONSE_URLS)
def test_allowed_response_url(url: object, allowed: bool) -> None:
    assert allowed_response_url(url, "http://127.0.0.1:8080/api/") is allowed


def test_slack_hooks_are_allowed_with_the_default_api_url() -> None:
    assert allowed_response_url("https://hooks.slack.com/x", "https://slack.com/api/")
    assert not allowed_response_url("http://127.0.0.1:8080/r", "https://slack.com/api/")


# -- size -----------------------------------------------------------------------------------


def raw_post(port: int, head: bytes, chunks: Iterable[bytes]) -> tuple[int, int]:
    """POST over a plain socket; stop sending when the server answers or hangs up.

    Returns the status and how many body bytes went out.
    """
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n" + head + b"\r\n")
        try:
            for chunk in chunks:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is there: stop sending
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server hung up on the rest of the body: what it should do
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, sent


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes in chunked framing, made lazily from one reused chunk."""
    chunk = b"%x\r\n" % size + b"a" * size + b"\r\n"
    for _ in range(total // size):
        yield chunk
    yield b"0\r\n\r\n"


def test_a_declared_body_over_1_mb_gets_413_without_being_read(bot: BotServer) -> None:
    head = b"Content-Type: %s\r\nContent-Length: %d\r\n" % (FORM.encode(), MAX_BODY_BYTES + 1)
    status, _ = raw_post(bot.port, head, [b"a" * (MAX_BODY_BYTES + 1)])
    assert status == 413
    exactly = bot.http.post("/slack/events", content=b"a" * MAX_BODY_BYTES)
    assert exactly.status_code == 401  # read in full, then refused as unsigned


def test_a_chunked_body_over_1_mb_gets_413(
    bot: BotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status, _ = raw_post(bot.port, b"Transfer-Encoding: chunked\r\n", chunked(2 * MB))
    assert status == 413
    assert refusals(caplog) == ["refused a request (413): body over 1 MB"]
    assert_quiet(caplog)


def test_a_signed_chunked_command_still_works(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    body = command_body("1234", response_url=slack.response_url("c")).encode()
    parts = iter([body[:40], body[40:]])  # an iterator: httpx sends it chunked
    response = bot.http.post("/slack/events", content=parts, headers=sign(body.decode()))
    assert response.status_code == 200
    assert "Connector 1234" in json.dumps(slack.wait_replies("c", 1))


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def test_the_procfile_process_refuses_a_chunked_200_mb_body_without_growing(
    tmp_path: Path, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    env = {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "DATABASE_URL": f"sqlite:///{tmp_path}/wolkvox.db",
        "HOST": "127.0.0.1",
    }
    instance = Instance(env, tmp_path)
    try:
        instance.wait_ready()
        assert instance.command("help", slack.response_url("warm")).status_code == 200
        pid = instance.proc.pid
        before = rss_kb(pid)
        peak = before
        sending = True

        def sample() -> None:
            nonlocal peak
            while sending:
                peak = max(peak, rss_kb(pid))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            status, sent = raw_post(
                instance.port, b"Transfer-Encoding: chunked\r\n", chunked(200 * MB)
            )
        finally:
            sending = False
            sampler.join()
        high_water = rss_kb(pid, "VmHWM")
        print(
            f"\nrefused 200 MB chunked: status {status}, {sent / MB:.1f} MB sent before the "
            f"server hung up; RSS before {before / 1024:.1f} MB, sampled peak "
            f"{peak / 1024:.1f} MB, VmHWM {high_water / 1024:.1f} MB"
        )
        assert status == 413
        assert sent < 200 * MB  # the server stopped reading
        assert max(peak, high_water) - before < 50 * 1024
        assert instance.command("help", slack.response_url("after")).status_code == 200
    finally:
        output = instance.stop()
    assert "Traceback" not in output and "ERROR" not in output
    assert "refused a request (413): body over 1 MB" in output


def test_the_signature_check_itself() -> None:
    body = b"command=/wolkvox-sync&text=1234"
    timestamp = now()
    headers = {
        "x-slack-request-timestamp": timestamp.decode(),
        "x-slack-signature": signature(timestamp, body).decode(),
    }
    at = float(timestamp)
    assert signature_problem(headers, body, signing_secret=SIGNING_SECRET, now=at) is None
    assert signature_problem(headers, body, signing_secret=SIGNING_SECRET, now=at + 300) is None
    assert signature_problem(headers, body, signing_secret=SIGNING_SECRET, now=at + 301) == (
        "timestamp too far from now"
    )
    assert signature_problem(headers, body, signing_secret="", now=at) == (
        "no signing secret is configured"  # an empty key would let anyone sign
    )
