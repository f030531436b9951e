"""The Wolkvox client (bot.wolkvox.client) against the fake over real HTTP, and the answer
parser (bot.wolkvox.answer): failures become clear errors, the token is never echoed, at most
two requests in flight, and what the parser keeps out of a template (bad items, NUL and control
characters, oversized bodies and codes)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Any

import httpx
import pytest

from bot import errors
from bot.i18n import translator
from bot.i18n.messages import describe as describe_for_user
from bot.i18n.messages import operator_hint
from bot.wolkvox import WolkvoxClient, parse_sync_answer
from testkit.fake_wolkvox import (
    SIMULTANEOUS,
    TOKEN,
    FakeWolkvox,
    Reply,
    make_templates,
    ok,
    wait_until,
)


def describe(error: errors.WolkvoxError) -> str:
    """What the person who asked reads, and what the log tells whoever runs the bot."""
    return describe_for_user(error, translator("en")) + " " + operator_hint(error)


def client(fake: FakeWolkvox, *, timeout: float = 5, token: str = TOKEN) -> WolkvoxClient:
    return WolkvoxClient(fake.url, token, server="0032", timeout=timeout)


async def sync(fake: FakeWolkvox, connector: str = "1234", **kw: Any) -> Any:
    wolkvox = client(fake, **kw)
    try:
        return await wolkvox.sync_templates(connector)
    finally:
        await wolkvox.aclose()


async def test_sends_the_documented_request(wolkvox: FakeWolkvox) -> None:
    answer = await sync(wolkvox, "1234")
    assert len(answer.templates) == 3 and answer.skipped == 0
    request = wolkvox.requests[0]
    assert request["path"] == "/api/v2/whatsapp.php?api=sync_templates"
    assert request["headers"]["wolkvox-token"] == TOKEN
    assert request["headers"]["wolkvox_server"] == "0032"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"connector_id": "1234"}


# Every row of the error table, plus the shapes the docs warn about.
ERROR_CASES = [
    (
        Reply(
            status=400,
            body={"code": 400, "error": "BAD REQUEST", "msg": "SOME PARAMETERS ARE REQUIRED"},
        ),
        errors.BadRequest,
        "SOME PARAMETERS ARE REQUIRED",
    ),
    (
        Reply(
            status=400,
            body={
                "code": 400,
                "error": "BAD REQUEST",
                "msg": "THE API YOU WANT TO CONSULT DOES NOT EXIST",
            },
        ),
        errors.BadRequest,
        "THE API YOU WANT TO CONSULT DOES NOT EXIST",
    ),
    (
        Reply(
            status=401,
            body={"code": 401, "error": "UNAUTHORIZED", "msg": "PLEASE ENTER THE WOLKVOX-TOKEN"},
        ),
        errors.MissingToken,
        "PLEASE ENTER THE WOLKVOX-TOKEN",
    ),
    (
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "PLEASE VALIDATE TOKEN"}),
        errors.InvalidToken,
        "PLEASE VALIDATE TOKEN",
    ),
    (
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}),
        errors.QuotaExceeded,
        "TOKEN LIMIT EXCEEDED: the day's API quota for this token is spent",
    ),
    (
        Reply(status=403, body=SIMULTANEOUS),
        errors.TooManyRequests,
        "2 requests were already running",
    ),
    (
        Reply(status=403, body="<html><body>Maintenance</body></html>", content_type="text/html"),
        errors.Forbidden,
        "maintenance",
    ),
    (
        Reply(
            status=200, body={"code": "403", "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}
        ),
        errors.QuotaExceeded,
        "TOKEN LIMIT EXCEEDED",
    ),
    (
        Reply(status=200, body={"code": 500, "error": "ERROR", "msg": "SOMETHING FAILED"}),
        errors.WolkvoxRejected,
        "error code 500",
    ),
    (
        Reply(status=502, body="<html>Bad gateway</html>", content_type="text/html"),
        errors.Unavailable,
        "HTTP 502",
    ),
    (Reply(status=500, body={"code": 500}), errors.Unavailable, "HTTP 500"),
    (
        Reply(status=200, body="<!DOCTYPE html><html>Login</html>", content_type="text/html"),
        errors.BadResponse,
        "an HTML page, not JSON",
    ),
    (
        Reply(status=200, body='{"code": "200", "data": [{"name_templ'),
        errors.BadResponse,
        "cut off or malformed",
    ),
    (Reply(status=200, body=""), errors.BadResponse, "the answer was empty"),
    (Reply(status=200, body=b"\xff\xfe\x00"), errors.BadResponse, "not UTF-8"),
    (Reply(status=200, body=[1, 2]), errors.BadResponse, "expected a JSON object"),
    (Reply(status=200, truncate=True), errors.BadResponse, "cut off"),
]


@pytest.mark.parametrize(("reply", "kind", "says"), ERROR_CASES)
async def test_each_failure_becomes_a_clear_error(
    wolkvox: FakeWolkvox, reply: Reply, kind: type[errors.WolkvoxError], says: str
) -> None:
    wolkvox.reply("1234", reply)
    with pytest.raises(kind) as caught:
        await sync(wolkvox)
    assert type(caught.value) is kind
    message = describe(caught.value)
    assert "connector *1234*" in message
    assert says in message
    assert TOKEN not in message and TOKEN not in str(caught.value)


async def test_wrong_token_is_refused_and_never_echoed(wolkvox: FakeWolkvox) -> None:
    with pytest.raises(errors.InvalidToken) as caught:
        await sync(wolkvox, token="wrong-token-123456")
    assert "WOLKVOX_TOKEN" in describe(caught.value)
    assert "wrong-token-123456" not in describe(caught.value)


def test_token_in_wolkvox_words_is_removed() -> None:
    body = json.dumps(
        {"code": 403, "error": "FORBIDDEN", "msg": f"TOKEN {TOKEN} NOT VALID"}
    ).encode()
    with pytest.raises(errors.Forbidden) as caught:
        parse_sync_answer("1", 403, body, secret=TOKEN)
    assert TOKEN not in describe(caught.value) and "[token]" in describe(caught.value)


async def test_timeout_says_it_timed_out(wolkvox: FakeWolkvox) -> None:
    wolkvox.reply("1234", Reply(hang=True))
    with pytest.raises(errors.WolkvoxTimeout) as caught:
        await sync(wolkvox, timeout=0.3)
    assert "timed out" in describe(caught.value)
    assert "0.3 seconds" in describe(caught.value)


async def test_reset_connection_hints_at_the_allow_list(wolkvox: FakeWolkvox) -> None:
    wolkvox.reply("1234", Reply(reset=True))
    with pytest.raises(errors.ConnectionFailed) as caught:
        await sync(wolkvox)
    assert "allow list" in describe(caught.value)


async def test_refused_connection_hints_at_the_allow_list() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wolkvox = WolkvoxClient(f"http://127.0.0.1:{port}", TOKEN, timeout=2)
    with pytest.raises(errors.ConnectionFailed) as caught:
        await wolkvox.sync_templates("1234")
    await wolkvox.aclose()
    message = describe(caught.value)
    assert "could not connect to Wolkvox" in message and "allow list in Wolkvox Manager" in message


async def test_never_more_than_two_requests_in_flight(wolkvox: FakeWolkvox) -> None:
    for connector in map(str, range(1, 9)):
        wolkvox.reply(connector, Reply(templates=2, delay=0.2))
    wolkvox_client = client(wolkvox)
    answers = await asyncio.gather(
        *(wolkvox_client.sync_templates(str(c), caller=f"user:U{c}") for c in range(1, 9))
    )
    await wolkvox_client.aclose()
    assert all(len(a.templates) == 2 for a in answers)
    assert len(wolkvox.calls) == 8
    assert wolkvox.max_in_flight == 2
    assert wolkvox.refused == 0


@pytest.mark.parametrize(
    ("data", "templates", "skipped"),
    [
        (None, 0, 0),
        ([], 0, 0),
        ({"name_template": "a", "idiom": "es", "category": "UTILITY", "body_template": "x"}, 1, 0),
        ([None, 1, "x", [], {}], 0, 5),
        ([{"name_template": "a", "idiom": "es", "category": "UTILITY"}], 0, 1),  # no body
        (
            [{"name_template": None, "idiom": "es", "category": "UTILITY", "body_template": ""}],
            0,
            1,
        ),
        ([{"name_template": "a", "idiom": 5, "category": "UTILITY", "body_template": ""}], 0, 1),
        ([{"name_template": "a" * 513, "idiom": "es", "category": "X", "body_template": ""}], 0, 1),
        ([*make_templates(3), {"name_template": "b"}, None], 3, 2),
        ("not a list", 0, 1),
    ],
)
def test_keeps_good_items_and_counts_bad_ones(data: Any, templates: int, skipped: int) -> None:
    answer = parse_sync_answer("1", 200, json.dumps(ok(data)).encode())
    assert (len(answer.templates), answer.skipped) == (templates, skipped)


@pytest.mark.parametrize("code", ["200", 200, "201", 201, "202", None])
def test_code_is_compared_as_text(code: Any) -> None:
    body = {"code": code, "error": None, "msg": "ok", "data": make_templates(1)}
    assert len(parse_sync_answer("1", 200, json.dumps(body).encode()).templates) == 1


def test_long_bodies_are_bounded() -> None:
    item = {
        "name_template": "a",
        "idiom": "es",
        "category": "UTILITY",
        "body_template": "x" * 100_000,
    }
    answer = parse_sync_answer("1", 200, json.dumps(ok([item])).encode())
    assert len(answer.templates[0].body) == 4096


def test_nul_characters_are_dropped() -> None:
    item = {
        "name_template": "a\x00b",
        "idiom": "es",
        "category": "UTILITY",
        "body_template": "x\x00y",
    }
    [template] = parse_sync_answer("1", 200, json.dumps(ok([item])).encode()).templates
    assert (template.name, template.body) == ("ab", "xy")


def test_wolkvox_code_is_bounded_and_never_carries_the_token() -> None:
    body = json.dumps({"code": "403 wv-token-SECRET " + "9" * 500, "error": "X", "msg": "Y"})
    with pytest.raises(errors.WolkvoxRejected) as caught:
        parse_sync_answer("1234", 200, body.encode(), secret="wv-token-SECRET")
    assert "wv-token-SECRET" not in caught.value.code and len(caught.value.code) <= 16


def test_control_characters_are_no_part_of_a_template_name() -> None:
    item = {
        "name_template": "\x1b[2Jpromo\u202e_x",
        "body_template": "b",
        "idiom": "es",
        "category": "UTILITY",
    }
    answer = parse_sync_answer(
        "1234", 200, json.dumps({"code": "200", "data": [item]}).encode(), secret=""
    )
    assert [t.name for t in answer.templates] == ["[2Jpromo_x"]


async def test_a_call_given_up_on_keeps_its_slot_while_wolkvox_may_still_run_it(
    wolkvox: FakeWolkvox,
) -> None:
    """Wolkvox gives a call up to 60 s and may still be running one we stopped waiting for:
    its slot stays taken, so a third request is never in flight at Wolkvox."""
    for connector in ("1", "2"):
        wolkvox.reply(connector, Reply(hang=True))
    client = WolkvoxClient(wolkvox.url, TOKEN, server="0032", timeout=0.5)
    try:
        results = await asyncio.gather(
            client.sync_templates("1", caller="user:U1"),
            client.sync_templates("2", caller="user:U2"),
            return_exceptions=True,
        )
        assert all(isinstance(r, errors.WolkvoxTimeout) for r in results)
        with pytest.raises(errors.Busy):
            await client.sync_templates("3")
        assert sorted(wolkvox.calls) == ["1", "2"]
    finally:
        await client.aclose()  # gives the held slots back


# Several operations: each server its own tokens, 2 in flight per token


async def test_each_server_checks_its_own_tokens_and_counts_in_flight_per_token(
    wolkvox: FakeWolkvox,
) -> None:
    other = "wv-token-OTHER-SECRET-99999"
    wolkvox.add_server("0002", other)
    base = wolkvox.base_url.replace("{server}", "0002")
    right = WolkvoxClient(base, other, server="0002", timeout=5)
    wrong = WolkvoxClient(base, TOKEN, server="0002", timeout=5)  # the other server's token
    try:
        answer = await right.sync_templates("cliente_b:1234")  # Wolkvox is sent the id
        assert len(answer.templates) == 3
        assert json.loads(wolkvox.requests[-1]["body"]) == {"connector_id": "1234"}
        assert wolkvox.requests[-1]["path"] == "/wv0002/api/v2/whatsapp.php?api=sync_templates"
        with pytest.raises(errors.InvalidToken) as refused:
            await wrong.sync_templates("cliente_b:1234")
        assert refused.value.connector == "cliente_b:1234"  # errors name the key
        assert TOKEN not in str(refused.value) and other not in str(refused.value)
    finally:
        await right.aclose()
        await wrong.aclose()
    assert wolkvox.server_calls == [("0002", "1234")]


def test_a_third_request_in_flight_on_one_token_is_refused_but_not_on_another(
    wolkvox: FakeWolkvox,
) -> None:
    other = "wv-token-OTHER-SECRET-99999"
    wolkvox.add_server("0002", other)
    held = threading.Event()
    wolkvox.default = Reply(templates=1, release=held)

    def post(server: str, token: str, connector: str) -> httpx.Response:
        path = f"/wv{server}/api/v2/whatsapp.php" if server else "/api/v2/whatsapp.php"
        return httpx.post(
            f"{wolkvox.url}{path}?api=sync_templates",
            headers={"wolkvox-token": token},
            json={"connector_id": connector},
            timeout=10,
        )

    results: dict[str, httpx.Response] = {}
    threads = [
        threading.Thread(target=lambda n=n, a=a: results.__setitem__(n, post(*a)))
        for n, a in {
            "a1": ("", TOKEN, "1"),
            "a2": ("", TOKEN, "2"),
            "b1": ("0002", other, "3"),
            "b2": ("0002", other, "4"),
        }.items()
    ]
    for thread in threads:
        thread.start()
    assert wait_until(lambda: wolkvox.in_flight == 4)  # 2 per token, side by side
    third = post("", TOKEN, "5")
    assert third.status_code == 403 and third.json() == SIMULTANEOUS
    held.set()
    for thread in threads:
        thread.join(10)
    assert {n: r.status_code for n, r in results.items()} == dict.fromkeys(results, 200)
    assert wolkvox.max_in_flight_for(TOKEN) == wolkvox.max_in_flight_for(other) == 2
    assert wolkvox.max_in_flight == 4 and wolkvox.refused == 1
