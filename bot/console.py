"""`wolkvox-sync sync 1234 5678`: sync connectors from a terminal or a scheduler.

Same settings, same 2-in-flight limit, same history and notifications as the running bot.
Prints a readable summary (or JSON) and exits non-zero when any sync failed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any, TextIO

from bot.config import Settings
from bot.errors import InputError, WolkvoxError
from bot.slack.app import build_app
from bot.slack.commands import read_connector
from bot.slack.error_messages import cause
from bot.slack.views.changes import change_summary
from bot.sync.service import SyncOutcome, SyncTrigger
from bot.templates.diff import Changes


def connectors_from(words: Sequence[str], settings: Settings) -> list[str]:
    """Connector ids from the command line (digits or aliases); InputError names a bad one."""
    return list(dict.fromkeys(read_connector(word, settings.aliases) for word in words))


async def run_sync(
    settings: Settings, connectors: Sequence[str], *, as_json: bool, out: TextIO
) -> int:
    bot = build_app(settings)
    try:
        await bot.start(schedule=False)
        trigger = SyncTrigger(source="console", command="wolkvox-sync sync " + " ".join(connectors))
        results = await asyncio.gather(
            *(bot.service.sync(c, trigger, refresh=True) for c in connectors),
            return_exceptions=True,
        )
        await bot.service.drain()  # notifications go out before the process ends
    finally:
        await bot.aclose()
    reports = [_report(c, r) for c, r in zip(connectors, results, strict=True)]
    if as_json:
        json.dump(reports, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for report in reports:
            out.write(_line(report) + "\n")
    return 0 if all(r["ok"] for r in reports) else 1


def _report(connector: str, result: SyncOutcome | BaseException) -> dict[str, Any]:
    if isinstance(result, WolkvoxError):
        return {
            "connector": connector,
            "ok": False,
            "error": type(result).__name__,
            "message": _plain(cause(result)),
        }
    if isinstance(result, BaseException):
        return {
            "connector": connector,
            "ok": False,
            "error": type(result).__name__,
            "message": str(result) or type(result).__name__,
        }
    if result.origin == "stale" and result.error is not None:
        return {
            "connector": connector,
            "ok": False,
            "error": type(result.error).__name__,
            "message": _plain(cause(result.error)),
        }
    snapshot = result.snapshot
    return {
        "connector": connector,
        "ok": True,
        "templates": snapshot.count,
        "skipped": snapshot.skipped,
        "synced_at": snapshot.synced_at.isoformat(),
        "changes": _changes(result.changes),
    }


def _changes(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "first": changes.first,
        "summary": change_summary(changes),
        "added": [{"name": t.name, "language": t.language} for t in changes.added],
        "removed": [{"name": t.name, "language": t.language} for t in changes.removed],
        "changed": [
            {"name": c.after.name, "language": c.after.language, "fields": list(c.fields)}
            for c in changes.changed
        ],
    }


def _line(report: dict[str, Any]) -> str:
    if not report["ok"]:
        return f"connector {report['connector']}: FAILED: {report['message']}"
    changes = report["changes"]
    summary = f", {changes['summary']}" if changes else ""
    skipped = f", {report['skipped']} unreadable entries skipped" if report["skipped"] else ""
    return f"connector {report['connector']}: {report['templates']} templates{summary}{skipped}"


def _plain(mrkdwn: str) -> str:
    """Console text from a Slack message: no emphasis marks, no entities."""
    text = mrkdwn.replace("*", "").replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


__all__ = ["InputError", "connectors_from", "run_sync"]
