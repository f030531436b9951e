"""`wolkvox-sync sync 1234 5678`: sync connectors from a terminal or a scheduler.

Same settings, same 2-in-flight limit, same history and notifications as the running bot.
Prints a readable summary (or JSON) and exits non-zero when any sync failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from bot.commands import read_connector
from bot.config import Settings
from bot.console.source import sync_with_bot
from bot.console.text import failure
from bot.errors import InputError, WolkvoxError
from bot.i18n import Translator, translator
from bot.i18n.summaries import change_summary
from bot.sync.service import SyncOutcome
from bot.templates.diff import Changes


def connectors_from(words: Sequence[str], settings: Settings) -> list[str]:
    """Connector ids from the command line (digits or aliases); InputError names a bad one
    (in WOLKVOX_LANGUAGE)."""
    t = translator(settings.language)
    return list(dict.fromkeys(read_connector(word, settings.aliases, t) for word in words))


async def run_sync(
    settings: Settings, connectors: Sequence[str], *, as_json: bool, out: TextIO
) -> int:
    """Sync `connectors` and print what happened, in WOLKVOX_LANGUAGE."""
    t = translator(settings.language)
    command = "wolkvox-sync sync " + " ".join(connectors)
    results = await sync_with_bot(settings, connectors, command, refresh=True)
    reports = [_report(c, r, t) for c, r in zip(connectors, results, strict=True)]
    if as_json:
        json.dump(reports, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for report in reports:
            out.write(_line(report, t) + "\n")
    return 0 if all(r["ok"] for r in reports) else 1


def _report(connector: str, result: SyncOutcome | BaseException, t: Translator) -> dict[str, Any]:
    if isinstance(result, WolkvoxError):
        return _failure(connector, result, t)
    if isinstance(result, BaseException):
        return {
            "connector": connector,
            "ok": False,
            "error": type(result).__name__,
            "message": str(result) or type(result).__name__,
        }
    if result.origin == "stale" and result.error is not None:
        return _failure(connector, result.error, t)
    snapshot = result.snapshot
    return {
        "connector": connector,
        "ok": True,
        "templates": snapshot.count,
        "skipped": snapshot.skipped,
        "synced_at": snapshot.synced_at.isoformat(),
        "changes": _changes(result.changes, t),
    }


def _failure(connector: str, error: WolkvoxError, t: Translator) -> dict[str, Any]:
    return {
        "connector": connector,
        "ok": False,
        "error": type(error).__name__,
        "message": failure(error, t),
    }


def _changes(changes: Changes | None, t: Translator) -> dict[str, Any] | None:
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


def _line(report: dict[str, Any], t: Translator) -> str:
    if not report["ok"]:
        return t._("connector {connector}: FAILED: {message}").format(
            connector=report["connector"], message=report["message"]
        )
    changes, skipped = report["changes"], report["skipped"]
    line = t.nformat(
        "connector {connector}: {count} template",
        "connector {connector}: {count} templates",
        report["templates"],
        connector=report["connector"],
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
