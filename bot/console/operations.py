"""`wolkvox-sync operation add|list|remove|rekey`: the Wolkvox operations an operator manages
from a terminal, through the same book as the App Home (`bot.operations.book`): the same
checks, every change recorded (who: "console"), in effect in every process within seconds.

The token is read from standard input, never from the command line (other users of the
machine can see a command line): a prompt that does not echo when standard input is a
terminal, else its first line (`wolkvox-sync operation add cliente_a --server 0032 < token`).
Nothing here ever writes a token: a listing shows its last 4 characters.

`list` and `remove` need no WOLKVOX_SECRET_KEY (a lost key can be recovered from: remove
the operations and add them again); `add` and `rekey` do.

In distribution mode `add`, `list` and `remove` are one workspace's (`--workspace`,
`bot.console.workspaces`; `add` only for a workspace that has installed the app), and `rekey`
re-encrypts every workspace's tokens.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from bot.config import Settings
from bot.console.arguments import PROGRAM
from bot.console.connectors import no_operations
from bot.console.output import dump_json
from bot.console.source import open_store, operation_book
from bot.console.text import safe, table
from bot.console.workspaces import require_installed
from bot.database.store import Store
from bot.errors import InputError, OperationInvalid, SecretKeyError, UnknownOperation
from bot.i18n import Translator, translator
from bot.i18n.messages import operation_invalid
from bot.operations.book import OperationBook, StoredOperation
from bot.operations.model import (
    Operation,
    aliases_text,
    check_aliases,
    check_daily_quota,
    check_name,
    check_server,
    check_token,
)
from bot.operations.secrets import SECRET_KEY_VARIABLE

WHO = "console"  # who the change record says made it
ADD_EXAMPLE = f"{PROGRAM} operation add cliente_a --server 0032"

Action = Literal["add", "list", "remove", "rekey"]
ReadToken = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class OperationRequest:
    """`wolkvox-sync operation ACTION ...`, as typed (checked when it runs)."""

    action: Action
    name: str = ""
    server: str = ""
    daily_quota: str = ""
    aliases: str = ""
    as_json: bool = False
    workspace: str = ""  # distribution mode: whose operations (T… or E…); "" otherwise


def token_reader(stdin: TextIO) -> ReadToken:
    """How `add` reads the token: a prompt without echo on a terminal, else one line."""

    def read(prompt: str) -> str:
        if stdin.isatty():
            return getpass.getpass(prompt)
        return stdin.readline().rstrip("\r\n")

    return read


async def run_operation(
    settings: Settings, request: OperationRequest, *, out: TextIO, read_token: ReadToken
) -> int:
    """Run `request`, say what was done on `out` (in WOLKVOX_LANGUAGE); 0 when done. Words
    that can't be used raise InputError (in WOLKVOX_LANGUAGE), a missing or wrong
    WOLKVOX_SECRET_KEY SecretKeyError: both exit 2, before anything changed."""
    t = translator(settings.language)
    try:
        if request.action == "add":
            return await _add(settings, request, out, read_token, t)
        store = await open_store(settings)
        try:
            book = operation_book(settings, store, request.workspace)
            if request.action == "list":
                rows = await store.operations.for_workspace(request.workspace).load_operations()
                shown = listing(book.environment, rows, request.as_json, t, request.workspace)
                out.write(shown)
                return 0
            if request.action == "remove":
                return await _remove(store, book, request.name, out, t)
            return await _rekey(settings, book, out, t)
        finally:
            await store.aclose()
    except OperationInvalid as error:
        raise InputError(invalid(error, t)) from None
    except UnknownOperation as error:
        raise InputError(unknown(error, t)) from None


async def _add(
    settings: Settings, request: OperationRequest, out: TextIO, read_token: ReadToken, t: Translator
) -> int:
    """Check what was typed, then the key and the name against the book, then ask for the
    token (so nothing is asked for in vain), then store it sealed."""
    name = check_name(request.name)
    server = check_server(request.server)
    daily_quota = check_daily_quota(request.daily_quota)
    if not settings.secret_keys:
        raise SecretKeyError(
            t._(
                "{variable} is not set: the bot needs it to store a Wolkvox token encrypted. "
                "Run {command} and put what it prints in {variable}."
            ).format(variable=SECRET_KEY_VARIABLE, command=f"{PROGRAM} secret-key")
        )
    store = await open_store(settings)
    try:
        await require_installed(settings, store, request.workspace, t)
        book = operation_book(settings, store, request.workspace)
        await book.load()  # SecretKeyError when the key does not open the stored tokens
        environment = book.environment
        if environment is not None and name == environment.name:
            raise OperationInvalid("name", "environment", name)
        if book.get(name) is not None:
            raise OperationInvalid("name", "taken", name)
        aliases = check_aliases(request.aliases, taken=book.aliases())
        prompt = t._("Wolkvox token of operation {name} (not shown): ").format(name=name)
        token = check_token(read_token(prompt))
        operation = Operation(name, server, token, daily_quota=daily_quota, aliases=aliases)
        await book.save(operation, who=WHO)
    finally:
        await store.aclose()
    out.write(
        t._("Operation {name} added: server {server}, token …{tail}.").format(
            name=name, server=server, tail=operation.token_tail or "····"
        )
        + "\n"
    )
    out.write(
        t._(
            "Use its connectors as {example}; every process of the bot sees it within seconds."
        ).format(example=f"{name}:1234")
        + "\n"
    )
    return 0


async def _remove(store: Store, book: OperationBook, name: str, out: TextIO, t: Translator) -> int:
    """Remove a stored operation; needs no key (a lost one is recovered from this way)."""
    name = name.strip().lower()
    with contextlib.suppress(SecretKeyError):  # the row is removed without opening a token
        await book.load()
    try:
        await book.remove(name, who=WHO)
    except SecretKeyError:
        pass  # removed; reading the others back needs the key, which this does not
    except UnknownOperation as error:
        rows = store.operations.for_workspace(book.workspace)
        stored = [row.name for row in await rows.load_operations()]
        known = ((book.environment.name,) if book.environment else ()) + tuple(stored)
        raise UnknownOperation(error.name, known) from None
    out.write(
        t._(
            "Operation {name} removed: its schedule, subscriptions and cached templates stop; "
            "its history stays until WOLKVOX_HISTORY_DAYS removes it."
        ).format(name=name)
        + "\n"
    )
    return 0


async def _rekey(settings: Settings, book: OperationBook, out: TextIO, t: Translator) -> int:
    """Seal every stored token again with the first key of WOLKVOX_SECRET_KEY."""
    if not settings.secret_keys:
        raise SecretKeyError(
            t._("{variable} is not set: there is no key to re-encrypt the tokens with.").format(
                variable=SECRET_KEY_VARIABLE
            )
        )
    count = await book.rekey(who=WHO)
    out.write(
        t.nformat(
            "{count} stored token re-encrypted with the first key of {variable}.",
            "{count} stored tokens re-encrypted with the first key of {variable}.",
            count,
            variable=SECRET_KEY_VARIABLE,
        )
        + "\n"
    )
    if count and len(settings.secret_keys) > 1:
        out.write(
            t._("The other keys in {variable} open nothing now: remove them.").format(
                variable=SECRET_KEY_VARIABLE
            )
            + "\n"
        )
    return 0


# --- the listing (pure) ---


@dataclass(frozen=True, slots=True)
class Listed:
    """An operation as `list` shows it: never its token, only the token's last 4 characters."""

    name: str
    server: str
    token_tail: str
    daily_quota: int
    aliases: tuple[tuple[str, str], ...]
    origin: Literal["environment", "stored"]


def listed(environment: Operation | None, rows: Sequence[StoredOperation]) -> list[Listed]:
    """The environment's operation first, then the stored ones by name."""
    found = []
    if environment is not None:
        found.append(
            Listed(
                environment.name,
                environment.server,
                environment.token_tail,
                environment.daily_quota,
                environment.aliases,
                "environment",
            )
        )
    for row in sorted(rows, key=lambda r: r.name):
        found.append(
            Listed(row.name, row.server, row.token_tail, row.daily_quota, row.aliases, "stored")
        )
    return found


def listing(
    environment: Operation | None,
    rows: Sequence[StoredOperation],
    as_json: bool,
    t: Translator,
    workspace: str = "",
) -> str:
    """`operation list` (of `workspace` in distribution mode): a table, or JSON (a list of
    objects)."""
    operations = listed(environment, rows)
    if as_json:
        return dump_json([_json(op) for op in operations])
    if not operations:
        return no_operations(t, workspace) + "\n"
    origins = {"environment": t._("environment"), "stored": t._("stored")}
    header = [t._("name"), t._("server"), t._("token"), t._("daily quota"), t._("aliases")]
    rows_shown = [
        [
            op.name,
            op.server,
            f"…{op.token_tail}" if op.token_tail else "····",
            t.number(op.daily_quota) if op.daily_quota else "-",
            safe(aliases_text(op.aliases), 60) or "-",
            origins[op.origin],
        ]
        for op in operations
    ]
    return "".join(line + "\n" for line in table([[*header, t._("from")], *rows_shown]))


def _json(op: Listed) -> dict[str, Any]:
    return {
        "name": op.name,
        "server": op.server,
        "token_tail": op.token_tail,
        "daily_quota": op.daily_quota,
        "aliases": dict(op.aliases),
        "from": op.origin,
    }


# --- what a refusal says (pure) ---


def invalid(error: OperationInvalid, t: Translator) -> str:
    """One line saying which value can't be used and how to write it (never a token)."""
    return operation_invalid(error, t, console=True)


def unknown(error: UnknownOperation, t: Translator) -> str:
    """No operation of that name: which there are."""
    name = safe(error.name, 40)
    if not error.known:
        return t._("There is no operation named {name}, nor any other yet.").format(name=name)
    return t._("There is no operation named {name}. There are: {names}.").format(
        name=name, names=", ".join(error.known)
    )
