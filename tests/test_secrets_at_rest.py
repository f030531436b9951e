"""No Wolkvox token is found where it must not be: the bot serves three operations (the
environment's, one added in the console, one through the book as the App Home adds them, and
one whose token Wolkvox refuses), syncs each, notifies a channel, answers commands, shows
/metrics, exports CSV and lists the operations; then every byte it wrote is searched for each
token: the SQLite file, every log line (caplog and the console processes' stderr), everything
sent to the fake Slack (acknowledgements, API calls, response_url posts, uploads), the CSV,
/metrics and every console output."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.database.store import Store
from bot.operations.book import OperationBook
from bot.operations.model import Operation
from bot.operations.secrets import SecretBox
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.harness import TLS, BotServer, final_answer
from tests.terminal import run, write_env

KEY = Fernet.generate_key().decode()
METRICS = "metrics-token-0123456789abcdef"
TOKEN_A = "tok-CLIENTEA-7f3c9a1d5e"  # added in the console
TOKEN_B = "tok-CLIENTEB-0b8e2f6c4a"  # added through the book, as the App Home adds it
TOKEN_C = "tok-CLIENTEC-5d1e9b3f70"  # added in the console; Wolkvox refuses it
TOKENS = (TOKEN, TOKEN_A, TOKEN_B, TOKEN_C)


def add_through_the_book(database: Path, operation: Operation) -> None:
    async def save() -> None:
        store = await Store.open(f"sqlite:///{database}")
        try:
            book = OperationBook(None, store.operations, SecretBox((KEY,)))
            await book.load()
            await book.save(operation, who="U0ADMIN")
        finally:
            await store.aclose()

    asyncio.run(save())


def leaks(text: str | bytes) -> list[str]:
    """The tokens found in `text`."""
    data = text.encode() if isinstance(text, str) else text
    return [token for token in TOKENS if token.encode() in data]


def test_no_token_is_found_anywhere(
    tmp_path: Path,
    start_bot: Callable[..., BotServer],
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wolkvox.add_server("0032", TOKEN)
    wolkvox.add_server("0040", TOKEN_A)
    wolkvox.add_server("0041", TOKEN_B)
    wolkvox.add_server("0042")  # accepts no token: TOKEN_C is refused
    settings = [
        f"WOLKVOX_BASE_URL={wolkvox.base_url}",
        f"WOLKVOX_SECRET_KEY={KEY}",
        "WOLKVOX_NOTIFY_CHANNEL=C0NOTIFY",
    ]
    write_env(tmp_path, wolkvox, slack, *settings, connectors="ventas=1234")
    database = tmp_path / "wolkvox.db"  # the console's (./wolkvox.db) and the bot's
    console: list[str] = []

    def terminal(*args: str, stdin: str | None = None, code: int = 0) -> str:
        done = run(tmp_path, *args, stdin=stdin)
        console.extend([done.stdout, done.stderr])
        assert done.returncode == code, done.stderr
        return done.stdout

    terminal("operation", "add", "cliente_a", "--server", "0040", stdin=TOKEN_A + "\n")
    terminal("operation", "add", "cliente_c", "--server", "0042", stdin=TOKEN_C + "\n")
    add_through_the_book(
        database, Operation("cliente_b", "0041", TOKEN_B, aliases=(("pedidos", "77"),))
    )

    bot = start_bot(
        WOLKVOX_BASE_URL=wolkvox.base_url,
        WOLKVOX_SECRET_KEY=KEY,
        WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY",
        METRICS_TOKEN=METRICS,
        DATABASE_URL=f"sqlite:///{database}",
    )
    answers = [  # one after the other: one person has at most 2 syncs at once
        json.dumps(final_answer(bot, slack, text, f"r{n}"))
        for n, text in enumerate(
            ["cliente_a:1234", "pedidos", "default:1234", "cliente_c:9", "1234", "status", "help"]
        )
    ]
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) >= 3)
    used = {(r["path"].split("/")[1], r["headers"].get("wolkvox-token")) for r in wolkvox.requests}
    assert used >= {
        ("wv0032", TOKEN),
        ("wv0040", TOKEN_A),
        ("wv0041", TOKEN_B),
        ("wv0042", TOKEN_C),
    }

    terminal("sync", "cliente_a:1234", "cliente_b:77", "--json")
    terminal("sync", "cliente_c:9", code=1)  # Wolkvox refuses its token: a failed sync
    csv = run(tmp_path, "templates", "cliente_a:1234", "--csv")
    assert csv.returncode == 0, csv.stderr
    console.extend([csv.stdout, csv.stderr])
    terminal("compare", "cliente_a:1234", "cliente_b:77", "--csv")
    terminal("operation", "list")
    terminal("operation", "list", "--json")
    terminal("operation", "rekey")
    metrics = httpx.get(
        f"{bot.url}/metrics", headers={"Authorization": f"Bearer {METRICS}"}, verify=TLS
    )
    assert metrics.status_code == 200

    sent_to_slack = [
        *answers,
        *(json.dumps(call.body) for call in slack.api_calls),
        *(json.dumps(post.body) for post in slack.responses),
    ]
    assert any("1234" in text for text in sent_to_slack)  # the replies were recorded
    logs = [caplog.text, *(record.getMessage() for record in caplog.records)]
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("wolkvox.db*"))
    assert b"cliente_a" in stored  # the operations are in the file: only their tokens are not
    assert caplog.records and leaks(f"… {TOKEN_A} …") == [TOKEN_A]  # the search can find one
    assert leaks(stored) == [], "a token is in the database file"
    assert [leaks(line) for line in logs if leaks(line)] == [], "a token is in a log line"
    assert [t for t in sent_to_slack if leaks(t)] == [], "a token was sent to Slack"
    assert [u for u in slack.uploads.values() if leaks(u)] == [], "a token was uploaded"
    assert leaks(csv.stdout) == [], "a token is in the CSV"
    assert leaks(metrics.text) == [], "a token is in /metrics"
    assert [out for out in console if leaks(out)] == [], "a token is in the console's output"
    assert "1d5e" in "".join(console)  # what a listing shows of TOKEN_A: its last 4
