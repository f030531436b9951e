"""What the Workflow Builder steps say, as plain text (pure): a step's outputs and its
`fail(error=...)` end up in workflow messages and in Workflow Builder's activity log, where
mrkdwn does not render. Error wording itself stays in `bot.i18n.messages`; here it is
only turned into plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.i18n import Translator
from bot.i18n.summaries import summary

_LINK = re.compile(r"<[^<>|]*\|([^<>]*)>")  # <url|label>, <!date^…|fallback>
_EMOJI = re.compile(r"(?<!\S):[a-z0-9_+\-]+:(?!\S)")
_SPACES = re.compile(r"\s+")


def plain_text(mrkdwn: str) -> str:
    """A user message as plain text: no `*`, backticks or `:emoji:` codes, links as their
    label, Slack's escapes undone, on one line."""
    text = _LINK.sub(r"\1", mrkdwn)
    text = _EMOJI.sub("", text).replace("*", "").replace("`", "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class SyncCounts:
    """What a sync step reports: the templates now, and what changed since the sync before.
    `known` is False when a sync ran but what it changed can't be read (no history)."""

    template_count: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    first: bool = False
    known: bool = True


def fresh_summary(connector: str, counts: SyncCounts, t: Translator) -> str:
    """One line after a sync that asked Wolkvox: what changed, or that nothing did."""
    if not counts.known:
        return t.nformat(
            "Connector {connector} synced: {count} template. What changed could not be read "
            "from the history, so no changes are counted.",
            "Connector {connector} synced: {count} templates. What changed could not be read "
            "from the history, so no changes are counted.",
            counts.template_count,
            connector=connector,
        )
    if counts.first:
        return t.nformat(
            "Connector {connector} synced for the first time: {count} template, nothing to "
            "compare with yet.",
            "Connector {connector} synced for the first time: {count} templates, nothing to "
            "compare with yet.",
            counts.template_count,
            connector=connector,
        )
    return t.nformat(
        "Connector {connector} synced: {summary} ({count} template now).",
        "Connector {connector} synced: {summary} ({count} templates now).",
        counts.template_count,
        connector=connector,
        summary=summary(t, False, counts.added, counts.removed, counts.changed),
    )


def unsynced_summary(origin: str, connector: str, count: int, age: timedelta, t: Translator) -> str:
    """One line when no new sync ran, so nothing changed: the step came within the refresh
    cooldown of the last sync (`origin` "cooldown"), or the day's Wolkvox quota is spent
    ("quota") and the step reports the last copy."""
    values = {"connector": connector, "ago": t.ago(age)}
    if origin == "quota":
        return t.nformat(
            "The day's Wolkvox quota is spent, so connector {connector} was not synced: this "
            "step reports the last copy, from {ago}, with no changes ({count} template).",
            "The day's Wolkvox quota is spent, so connector {connector} was not synced: this "
            "step reports the last copy, from {ago}, with no changes ({count} templates).",
            count,
            **values,
        )
    return t.nformat(
        "Connector {connector} was synced {ago}, too recently to ask Wolkvox again, so this "
        "step reports that sync with no changes ({count} template).",
        "Connector {connector} was synced {ago}, too recently to ask Wolkvox again, so this "
        "step reports that sync with no changes ({count} templates).",
        count,
        **values,
    )


def runner_needed(t: Translator) -> str:
    """Added to the refusal when WOLKVOX_ALLOWED_USERS / _CHANNELS are set and the step was
    not told who runs the workflow or where."""
    return t._(
        "This bot is limited to certain people and channels, so in Workflow Builder give this "
        "step the person who used the workflow and the channel where it was used."
    )
