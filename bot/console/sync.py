"""`wolkvox-sync sync 1234 5678`: sync connectors from a terminal or a scheduler.

Same settings, same 2-in-flight limit, same history and notifications as the running bot.
Prints a readable summary (or JSON) and exits non-zero when any sync failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from bot.config import Settings
from bot.console.arguments import PROGRAM
from bot.console.connectors import check_words, resolve_words, typed_aliases
from bot.console.source import loaded_book, open_store, sync_with_bot
from bot.console.text import failure
from bot.console.workspaces import OPTION, require_installed
from bot.errors import InputError, WolkvoxError
from bot.i18n import Translator, translator
from bot.i18n.summaries import change_summary
from bot.sync.service import SyncOutcome
from bot.templates.connectors import connector_id, operation_name, operation_of
from bot.templates.diff import Changes


def connectors_from(words: Sequence[str], settings: Settings) -> list[str]:
    """The command line's connector words, each one that can never name a connector refused
    with InputError (in WOLKVOX_LANGUAGE) before anything is opened."""
    check_words(words, typed_aliases(settings), translator(settings.language))
    return list(words)


async def run_sync(
    settings: Settings,
    words: Sequence[str],
    *,
    as_json: bool,
    out: TextIO,
    workspace: str = "",
) -> int:
    """Sync the connectors `words` name (in `workspace`'s operations, distribution mode) and
    print what happened, in WOLKVOX_LANGUAGE. InputError for a word no operation's connector
    answers to or a workspace that has not installed the app, SecretKeyError when the stored
    tokens can't be opened (all before any Wolkvox call)."""
    store = await open_store(settings)
    try:
        await require_installed(settings, store, workspace, translator(settings.language))
        book = await loaded_book(settings, store, workspace)
        t = translator(settings.language).with_operations(book.several)
        connectors = list(dict.fromkeys(resolve_words(words, book, t)))
        command = " ".join([PROGRAM, "sync", *words, *([OPTION, workspace] if workspace else [])])
        results = await sync_with_bot(settings, connectors, command, refresh=True, store=store)
    finally:
        await store.aclose()
    reports = [_report(c, r, t) for c, r in zip(connectors, results, strict=True)]
    if as_json:
        json.dump(reports, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for key, report in zip(connectors, reports, strict=True):
            out.write(_line(t.connector(key), report, t) + "\n")
    return 0 if all(r["ok"] for r in reports) else 1


def _named(key: str) -> dict[str, Any]:
    """A connector in JSON: its id and its operation (as typed: never the workspace)."""
    return {"connector": connector_id(key), "operation": operation_name(operation_of(key))}


def _report(key: str, result: SyncOutcome | BaseException, t: Translator) -> dict[str, Any]:
    if isinstance(result, WolkvoxError):
        return _failure(key, result, t)
    if isinstance(result, BaseException):
        return {
            **_named(key),
            "ok": False,
            "error": type(result).__name__,
            "message": str(result) or type(result).__name__,
        }
    if result.origin == "stale" and result.error is not None:
        return _failure(key, result.error, t)
    snapshot = result.snapshot
    return {
        **_named(key),
        "ok": True,
        "templates": snapshot.count,
        "skipped": snapshot.skipped,
        "synced_at": snapshot.synced_at.isoformat(),
        "changes": changes_json(result.changes, t),
    }


def _failure(key: str, error: WolkvoxError, t: Translator) -> dict[str, Any]:
    return {
        **_named(key),
        "ok": False,
        "error": type(error).__name__,
        "message": failure(error, t),
    }


def changes_json(changes: Changes | None, t: Translator) -> dict[str, Any] | None:
    """What changed, in JSON: first sync or not, the summary (in `t`'s language) and the
    templates added, removed and changed (with which fields)."""
    if changes is None:
        return None
    return {
        "first": changes.first,
        "summary": change_summary(changes, t),
        "added": [{"name": x.name, "language": x.language} for x in changes.added],
        "removed": [{"name": x.name, "language": x.language} for x in changes.removed],
        "changed": [
            {"name": c.after.name, "language": c.after.language, "fields": list(c.fields)}
            for c in changes.changed
        ],
    }


def _line(label: str, report: dict[str, Any], t: Translator) -> str:
    if not report["ok"]:
        return t._("connector {connector}: FAILED: {message}").format(
            connector=label, message=report["message"]
        )
    changes, skipped = report["changes"], report["skipped"]
    line = t.nformat(
        "connector {connector}: {count} template",
        "connector {connector}: {count} templates",
        report["templates"],
        connector=label,
    )
    if changes:
        line = t._("{line}, {summary}").format(line=line, summary=changes["summary"])
    if skipped:
        line = t.nformat(
            "{line}, {count} unreadable entry skipped",
            "{line}, {count} unreadable entries skipped",
            skipped,
            line=line,
        )
    return line


__all__ = ["InputError", "connectors_from", "run_sync"]
