"""Passwords in DATABASE_URL and REDIS_URL never reach the log: the helper that finds them
(bot.__main__.url_passwords), and the wiring: `python -m bot` gives the log filter
DATABASE_URL's password, so a log line that carries it is redacted.

Nothing the bot logs names the password today: the start refuses an unreachable database with
its own redacted line before logging starts. So the test makes a line carry it: the database
is reachable (a private PostgreSQL that trusts any password) and Wolkvox's error message, which
the bot logs, repeats it, as any text from outside can.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import url_passwords
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.deployed import started
from tests.faults import PrivatePostgres, missing, postgres_bin

PASSWORD = "S3cretPassw0rdXYZ"


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing("PostgreSQL (initdb, pg_ctl)")
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="wolkvox-redaction."))
    root.chmod(0o755)  # the postgres user must reach its directories inside
    cluster = PrivatePostgres(root, bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_the_database_password_is_redacted_from_every_log_line(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack, postgres: PrivatePostgres
) -> None:
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{postgres.port}/postgres"
    refusal = {"code": 400, "error": "BAD REQUEST", "msg": f"NO ACCESS WITH {PASSWORD} HERE"}
    wolkvox.reply("1234", Reply(status=400, body=refusal))
    instance = started(tmp_path, wolkvox.url, slack.api_url, DATABASE_URL=url)
    try:
        assert instance.command("1234", slack.response_url("s")).status_code == 200
        [reply] = slack.wait_replies("s", 1, timeout=15)
    finally:
        output = instance.stop()
    assert "1234" in all_text(reply), reply
    assert PASSWORD not in output, output
    assert "NO ACCESS WITH [redacted] HERE" in output, output  # the line was logged, redacted


def test_database_and_redis_passwords_are_found_in_their_urls() -> None:
    assert url_passwords(
        "postgres://u:p%40ss@h/db", "rediss://:redispw@r:6380", "sqlite:///x.db"
    ) == [
        "p@ss",
        "redispw",
    ]


async def test_a_stored_operations_token_is_redacted_once_the_operations_are_loaded(
    tmp_path: Path,
) -> None:
    """Tokens stored by admins are not in the environment the log filter was given at start:
    loading the operations teaches every filter each token."""
    import logging

    from bot.database.store import Store
    from bot.logs import RedactSecrets
    from bot.operations.book import OperationBook
    from bot.operations.model import Operation
    from bot.operations.secrets import SecretBox, new_secret_key

    token = "tok-STORED-9b2e4c7a1f"
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}")
    try:
        box = SecretBox((new_secret_key(),))
        await OperationBook(None, store.operations, box).save(
            Operation("cliente_a", "0032", token), who="console"
        )
        fresh = OperationBook(None, store.operations, box)  # another process, at start
        log_filter = RedactSecrets([])
        record = logging.LogRecord("x", logging.WARNING, "", 0, "Wolkvox said %s", (token,), None)
        await fresh.load()
        log_filter.filter(record)
        assert token not in record.getMessage()
        assert "[redacted]" in record.getMessage()
    finally:
        await store.aclose()


def test_slack_tokens_are_hidden_by_their_shape_and_the_learnt_list_stays_bounded() -> None:
    """In distribution mode every workspace's Slack tokens rotate: they are redacted by their
    shape, not remembered one by one; what is remembered (Wolkvox tokens) is bounded."""
    import logging

    from bot import logs

    before = len(logs._LEARNT)
    for n in range(50):  # tokens as rotation hands them out
        logs.keep_out_of_logs(f"xoxe.xoxb-1-{n:04d}ABCDEFGHIJ")
        logs.keep_out_of_logs(f"xoxb-{n}-1111-abcdefGHIJK")
    assert len(logs._LEARNT) == before
    record = logging.LogRecord(
        "x", logging.WARNING, "", 0, "posting with %s failed", ("xoxb-77-88-zyxWVU987",), None
    )
    logs.RedactSecrets([]).filter(record)
    assert record.getMessage() == "posting with [redacted] failed"
    for n in range(logs.MAX_LEARNT + 5):
        logs.keep_out_of_logs(f"wolkvox-token-{n:06d}")
    assert len(logs._LEARNT) == logs.MAX_LEARNT
    assert "wolkvox-token-000000" not in logs._LEARNT  # the oldest went first
    logs._LEARNT.clear()
