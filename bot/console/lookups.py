"""Running `templates`, `coverage` and `compare` from a terminal: read the words, get the
data (the last stored sync, or Wolkvox), compute, print. Exit codes: 0 answered, 1 a sync
failed (why, on stderr), 2 the words can't be read (raised as InputError before any call)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TextIO

from bot.config import Settings
from bot.console import compare, coverage, templates
from bot.console.arguments import PROGRAM, read_connectors, read_filters
from bot.console.connectors import check_words, resolve_words, typed_aliases
from bot.console.output import Answer, Output
from bot.console.source import SyncFailed, loaded_book, open_store, read_sources
from bot.console.text import failure
from bot.console.workspaces import OPTION, require_installed
from bot.errors import InputError
from bot.i18n import Translator, translator
from bot.templates.connectors import ALIAS
from bot.templates.query import Query

LookupCommand = Literal["templates", "coverage", "compare"]

ANSWERS: dict[LookupCommand, Answer] = {
    "templates": templates.answer,
    "coverage": coverage.answer,
    "compare": compare.answer,
}


@dataclass(frozen=True, slots=True)
class LookupRequest:
    """A console lookup, read: which command, connectors (as typed: the operations in effect
    make them keys when it runs), query, refresh, output and workspace (`--workspace`, in
    distribution mode; "" otherwise)."""

    command: LookupCommand
    connectors: tuple[str, ...]
    query: Query
    refresh: bool = False
    output: Output = "text"
    workspace: str = ""

    @property
    def command_line(self) -> str:
        """The command as history records who asked for a sync."""
        words = [PROGRAM, self.command, *self.connectors, *self.query.terms()]
        words += ["--refresh"] if self.refresh else []
        return " ".join(words + ([OPTION, self.workspace] if self.workspace else []))


def read_request(
    settings: Settings,
    command: LookupCommand,
    connectors: Sequence[str],
    filters: Sequence[str],
    *,
    refresh: bool = False,
    output: Output = "text",
    workspace: str = "",
) -> LookupRequest:
    """The command line's words as a request (for `workspace`, read by
    `bot.console.workspaces.read_workspace`); InputError (in WOLKVOX_LANGUAGE) names what
    can't be read."""
    t = translator(settings.language)
    aliases = typed_aliases(settings)
    check_words(connectors, aliases, t)
    if command == "compare" and not any(_maybe_stored_alias(w, aliases) for w in connectors):
        _different_sides(read_connectors(connectors, aliases, t), t)
    query = read_filters(filters, command, t)
    return LookupRequest(
        command, tuple(connectors), query, refresh=refresh, output=output, workspace=workspace
    )


def _maybe_stored_alias(word: str, aliases: Mapping[str, str]) -> bool:
    """A word only the operations stored in the database may know (an alias set with one)."""
    return bool(ALIAS.fullmatch(word.lower())) and word.lower() not in aliases


def _different_sides(connectors: tuple[str, ...], t: Translator) -> None:
    """InputError when both sides of `compare` are one connector."""
    if connectors[0] == connectors[1]:
        raise InputError(
            t._(
                "Both sides are connector {connector}: compare two different connectors, as "
                "in {example}."
            ).format(
                connector=t.connector_word(connectors[0]), example=f"{PROGRAM} compare 1234 5678"
            )
        )


async def run_lookup(
    settings: Settings,
    request: LookupRequest,
    *,
    out: TextIO,
    err: TextIO,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Answer `request` on `out` in WOLKVOX_LANGUAGE (from its workspace's operations in
    distribution mode); a failed sync is said on `err` (1)."""
    workspace = request.workspace
    store = await open_store(settings)
    try:
        await require_installed(settings, store, workspace, translator(settings.language))
        book = await loaded_book(settings, store, workspace)
        t = translator(settings.language).with_operations(book.several)
        keys = resolve_words(request.connectors, book, t)
        if request.command == "compare":
            _different_sides(keys, t)
        sources = await read_sources(
            settings, store, keys, refresh=request.refresh, command=request.command_line
        )
    except SyncFailed as failed:
        line = t._("connector {connector}: FAILED: {message}").format(
            connector=t.connector(failed.connector), message=failure(failed.error, t)
        )
        err.write(f"{PROGRAM}: {line}\n")
        return 1
    finally:
        await store.aclose()
    out.write(ANSWERS[request.command](sources, request.query, request.output, t, now()))
    return 0
