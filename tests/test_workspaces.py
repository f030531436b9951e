"""Every workspace apart (issue 21): in distribution mode two workspaces installed from the link
each store an operation of the same name, `cliente_a`, with the same alias and connector id but
another token on another Wolkvox server. Each one's commands reach its own operation (the
fake Wolkvox answers each server only for its own token) with its own Slack bot token; the
names, keys and books they use never meet. The parts underneath (scoped keys, one book per
workspace, bounded, reloaded) are checked directly; single-workspace mode is unchanged (the
rest of the suite).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.database.store import Store
from bot.errors import NoOperations, OperationNeeded, UnknownOperation
from bot.operations.addressing import resolve_connector
from bot.operations.book import OperationBook
from bot.operations.books import OperationBooks
from bot.operations.model import Operation
from bot.operations.secrets import SecretBox
from bot.operations.source import OperationsSource
from bot.slack.scope import workspace_of_request
from bot.templates.connectors import (
    canonical_connector,
    connector_label,
    is_connector_key,
    operation_name,
    scoped_operation,
    split_key,
    workspace_of,
)
from bot.wolkvox.token_slots import TokenSlots
from testkit.fake_slack import FakeSlack, Grant
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from tests.blockkit import all_text, check_message
from tests.harness import BotServer
from tests.installs import (  # noqa: F401 (fixtures)
    Browser,
    command_from,
    distribution_env,
    start_distributed,
)

TOKEN_A = "wv-token-ACME-aaaaaaaaaaaaaaaa"
TOKEN_B = "wv-token-BRAVO-bbbbbbbbbbbbbbb"
A, B = "T0AAA", "T0BBB"
A_1234 = [template("promo_acme", "es", "MARKETING", "Hola Acme")]
B_1234 = [template("promo_bravo", "es", "MARKETING", "Hola Bravo")]


# the pure parts


def test_a_scoped_key_names_its_workspace_and_shows_only_the_typed_name() -> None:
    key = "T0123ABCD/cliente_a:01234"
    assert is_connector_key(key) and canonical_connector(key) == "T0123ABCD/cliente_a:1234"
    assert split_key("T0123ABCD/cliente_a:1234") == ("T0123ABCD/cliente_a", "1234")
    assert workspace_of("T0123ABCD/cliente_a:1234") == "T0123ABCD"
    assert workspace_of("T0123ABCD/cliente_a") == "T0123ABCD"
    assert workspace_of("cliente_a:1234") == workspace_of("1234") == ""
    assert operation_name("E0ORG/cliente_a") == "cliente_a" == operation_name("cliente_a")
    assert scoped_operation("T0123ABCD", "cliente_a") == "T0123ABCD/cliente_a"
    assert scoped_operation("", "cliente_a") == "cliente_a"  # single-workspace mode
    assert connector_label("T0123ABCD/cliente_a:1234", with_operation=True) == "1234 · cliente_a"
    # people never type a workspace: lowercase (as the grammar reads it) or malformed is no key
    for word in ("t0123abcd/cliente_a:1", "X0123/cliente_a:1", "T1/cliente_a:1", "/cliente_a:1"):
        assert not is_connector_key(word), word


def test_the_request_s_workspace_is_the_enterprise_for_an_org_wide_install() -> None:
    assert workspace_of_request("T0AAA", None, False) == "T0AAA"
    assert workspace_of_request("T0AAA", "E0ORG", False) == "T0AAA"
    assert workspace_of_request(None, "E0ORG", True) == "E0ORG"
    assert workspace_of_request("T0AAA", "E0ORG", True) == "E0ORG"
    assert workspace_of_request(None, None, None) == ""
    assert workspace_of_request("t0aaa", None, False) == ""  # not Slack's shape


def test_resolving_qualifies_with_the_requester_s_workspace_and_refuses_another_s() -> None:
    names = ("cliente_a", "cliente_b")
    assert resolve_connector("cliente_a:1234", names, scope=A) == f"{A}/cliente_a:1234"
    assert resolve_connector("1234", ("cliente_a",), scope=A) == f"{A}/cliente_a:1234"
    assert resolve_connector("1234", names, "cliente_b", scope=A) == f"{A}/cliente_b:1234"
    assert resolve_connector(f"{A}/cliente_a:1234", names, scope=A) == f"{A}/cliente_a:1234"
    with pytest.raises(UnknownOperation) as refused:
        resolve_connector(f"{B}/cliente_a:1234", names, scope=A)
    assert refused.value.name == "cliente_a"  # never the other workspace's id
    with pytest.raises(OperationNeeded):
        resolve_connector("1234", names, scope=A)
    with pytest.raises(NoOperations):
        resolve_connector("1234", (), scope=A)
    # single-workspace mode: as before
    assert resolve_connector("1234", ("cliente_a",)) == "cliente_a:1234"
    with pytest.raises(UnknownOperation):
        resolve_connector(f"{A}/cliente_a:1234", ("cliente_a",))


# the books


async def seeded(url: str, box: SecretBox, operations: dict[str, Operation]) -> Store:
    store = await Store.open(url)
    for workspace, operation in operations.items():
        book = OperationBook(
            None, store.operations.for_workspace(workspace), box, workspace=workspace
        )
        await book.save(operation, who="console")
    return store


async def test_each_workspace_s_book_holds_only_its_operations(tmp_path: Path) -> None:
    box = SecretBox((_key(),))
    store = await seeded(
        f"sqlite:///{tmp_path}/bot.db",
        box,
        {
            A: Operation("cliente_a", "0032", TOKEN_A, aliases=(("ventas", "1234"),)),
            B: Operation("cliente_a", "0002", TOKEN_B, aliases=(("ventas", "1234"),)),
        },
    )
    books = OperationBooks(store.operations, box, distribution=True)
    await books.load()
    a, b = await books.book_for(A), await books.book_for(B)
    assert a.names() == b.names() == ("cliente_a",)
    assert a.require("cliente_a").token == TOKEN_A and b.require("cliente_a").token == TOKEN_B
    assert a.aliases() == {"ventas": f"{A}/cliente_a:1234"}
    assert b.aliases() == {"ventas": f"{B}/cliente_a:1234"}
    # a scoped name is answered by its own workspace's book only
    assert a.get(f"{B}/cliente_a") is None and b.get(f"{A}/cliente_a") is None
    assert books.get(f"{A}/cliente_a") == a.require("cliente_a")
    assert books.get(f"{B}/cliente_a") == b.require("cliente_a")
    # no environment operation, and workspace "" (no workspace) has nothing
    assert books.single.all() == () and (await books.book_for("")).names() == ()
    # each workspace's changes are its own
    assert [c.operation for c in await a.changes()] == ["cliente_a"]
    await a.remove("cliente_a", who="U0ADMIN")
    assert [c.action for c in await b.changes()] == ["added"]
    assert (await books.book_for(B)).names() == ("cliente_a",)
    await store.aclose()


async def test_books_are_read_once_however_many_ask_and_stay_bounded(tmp_path: Path) -> None:
    box = SecretBox((_key(),))
    workspaces = {f"T0W{n:03d}": Operation("cliente_a", "0032", f"{TOKEN_A}{n}") for n in range(6)}
    store = await seeded(f"sqlite:///{tmp_path}/bot.db", box, workspaces)
    books = OperationBooks(store.operations, box, distribution=True, most=3)
    await books.load()
    together = await asyncio.gather(*(books.book_for("T0W000") for _ in range(20)))
    assert len({id(book) for book in together}) == 1  # one read for twenty requests
    for workspace in workspaces:
        book = await books.book_for(workspace)
        assert book.require("cliente_a").token.endswith(workspace[-1])
    assert books.in_memory == 3  # the least recently used were dropped
    assert books.loaded("T0W000") is None and books.loaded("T0W005") is not None
    again = await books.book_for("T0W000")  # read again on its next request
    assert again.require("cliente_a").token == f"{TOKEN_A}0"
    await store.aclose()


async def test_a_change_elsewhere_reloads_the_books_in_memory(tmp_path: Path) -> None:
    box = SecretBox((_key(),))
    url = f"sqlite:///{tmp_path}/bot.db"
    store = await seeded(url, box, {A: Operation("cliente_a", "0032", TOKEN_A)})
    removed: list[str] = []

    async def heard(names: Any) -> None:
        removed.extend(names)

    books = OperationBooks(store.operations, box, distribution=True)
    books.on_removed(heard)
    await books.load()
    book = await books.book_for(A)
    other = OperationBook(None, store.operations.for_workspace(A), box, workspace=A)
    await other.load()  # another process
    await other.save(Operation("cliente_b", "0002", TOKEN_B), who="console")
    assert await books.refresh() and book.names() == ("cliente_a", "cliente_b")
    await other.remove("cliente_a", who="console")
    assert await books.refresh() and book.names() == ("cliente_b",)
    assert removed == [f"{A}/cliente_a"]  # scoped: what its keys start with
    assert not await books.refresh()
    await store.aclose()


async def test_wolkvox_limits_stay_per_token_across_workspaces(
    tmp_path: Path, wolkvox: FakeWolkvox
) -> None:
    """Two workspaces registering the same token share its 2 requests in flight."""
    box = SecretBox((_key(),))
    wolkvox.add_server("0032", TOKEN_A)
    held = threading.Event()
    for n in range(6):
        wolkvox.reply(str(n), Reply(body=ok(A_1234), release=held), server="0032")
    store = await seeded(
        f"sqlite:///{tmp_path}/bot.db",
        box,
        {A: Operation("cliente_a", "0032", TOKEN_A), B: Operation("otra", "0032", TOKEN_A)},
    )
    books = OperationBooks(store.operations, box, distribution=True)
    await books.load()
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "WOLKVOX_BASE_URL": wolkvox.base_url,
        },
        mode="http",
    )
    source = OperationsSource(books, settings, TokenSlots(redis=None, lease_seconds=30))
    keys = [f"{A}/cliente_a:{n}" for n in range(3)] + [f"{B}/otra:{n}" for n in range(3, 6)]
    syncing = asyncio.gather(
        *(source.sync_templates(k, caller=f"U{n}") for n, k in enumerate(keys))
    )
    for _ in range(3000):  # until both slots are taken (no timing asserted)
        if wolkvox.in_flight_for(TOKEN_A) == 2:
            break
        await asyncio.sleep(0.01)
    # the 4 others, of both workspaces, wait for the same token's 2 slots
    assert wolkvox.in_flight_for(TOKEN_A) == 2
    held.set()
    answers = await syncing
    assert all(answer.templates for answer in answers)
    assert wolkvox.max_in_flight_for(TOKEN_A) == 2 and wolkvox.refused == 0
    await source.aclose()
    await store.aclose()


def _key() -> str:
    from bot.operations.secrets import new_secret_key

    return new_secret_key()


# end to end: two workspaces installed from the link


def answer_to(bot: BotServer, slack: FakeSlack, team: str, text: str, name: str) -> dict[str, Any]:
    acked = command_from(bot, team, text, slack.response_url(name))
    assert acked.status == 200
    if acked.body.get("blocks") and ":hourglass_flowing_sand:" not in all_text(acked.body):
        return acked.body
    [reply] = slack.wait_replies(name, 1)
    check_message(reply)
    return reply


@pytest.fixture
def two_workspaces(
    start_distributed: Callable[..., BotServer],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    distribution_env: dict[str, str],  # noqa: F811
) -> tuple[BotServer, dict[str, str]]:
    """T0AAA and T0BBB installed through the link; each stores `cliente_a` (alias `ventas`
    for 1234) with its own token on its own server."""
    wolkvox.add_server("0032", TOKEN_A)
    wolkvox.add_server("0002", TOKEN_B)
    wolkvox.reply("1234", Reply(body=ok(A_1234)), server="0032")
    wolkvox.reply("1234", Reply(body=ok(B_1234)), server="0002")
    bot = start_distributed(WOLKVOX_BASE_URL=wolkvox.base_url)
    slack_tokens = {}
    for team, name in ((A, "Acme"), (B, "Bravo")):
        slack.grant = Grant(team_id=team, team_name=name)
        browser = Browser(bot)
        assert browser.install().status_code == 200
        browser.close()
        [slack_tokens[team]] = slack.tokens_of(team)
    box = SecretBox(tuple(distribution_env["WOLKVOX_SECRET_KEY"].split(",")))

    async def seed() -> None:
        store = await seeded(
            distribution_env["DATABASE_URL"],
            box,
            {
                A: Operation("cliente_a", "0032", TOKEN_A, aliases=(("ventas", "1234"),)),
                B: Operation("cliente_a", "0002", TOKEN_B, aliases=(("ventas", "1234"),)),
            },
        )
        await store.aclose()

    asyncio.run(seed())
    return bot, slack_tokens


def test_each_workspace_s_commands_use_its_own_operation_and_tokens(
    two_workspaces: tuple[BotServer, dict[str, str]], slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot, slack_tokens = two_workspaces
    for team, mine, theirs, server in (
        (A, "promo_acme", "promo_bravo", "0032"),
        (B, "promo_bravo", "promo_acme", "0002"),
    ):
        for text in ("1234", "ventas", "cliente_a:1234"):
            before = len(slack.api_calls)
            said = all_text(answer_to(bot, slack, team, text, f"{team}-{text}"))
            assert mine in said and theirs not in said, (team, text, said)
            assert team not in said  # the workspace is never shown
            assert {c.token for c in slack.api_calls[before:]} <= {slack_tokens[team]}
        assert wolkvox.calls_for("1234", server=server) == 1  # then from the cache
        sent = {
            r["headers"]["wolkvox-token"]
            for r in wolkvox.requests
            if r["path"].startswith(f"/wv{server}/")
        }
        assert sent == {TOKEN_A if team == A else TOKEN_B}
    # the other workspace's cache entry was not this one's: each server was called once
    assert wolkvox.calls_for("1234", server="0032") == wolkvox.calls_for("1234", server="0002")


def test_a_workspace_without_operations_is_told_to_add_one(
    start_distributed: Callable[..., BotServer],  # noqa: F811
    slack: FakeSlack,
) -> None:
    bot = start_distributed()
    slack.grant = Grant(team_id="T0CCC", team_name="Charlie")
    browser = Browser(bot)
    assert browser.install().status_code == 200
    browser.close()
    said = all_text(answer_to(bot, slack, "T0CCC", "1234", "charlie"))
    assert "operation" in said.lower(), said


def test_a_person_s_sync_limits_are_counted_per_workspace() -> None:
    """The same user id in two workspaces (Enterprise Grid shares ids across an org's
    workspaces): 20 syncs a minute or 2 at once in one do not refuse the other's."""
    from bot.sync.service import SyncTrigger

    in_a = SyncTrigger(user_id="U0SAME", team_id=A).caller
    in_b = SyncTrigger(user_id="U0SAME", team_id=B).caller
    assert in_a != in_b and in_a.key == f"user:{A}/U0SAME" and in_a.scope == "user"
    assert SyncTrigger(user_id="U0SAME").caller.key == "user:U0SAME"  # single-workspace mode
