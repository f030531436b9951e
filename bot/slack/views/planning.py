"""Pieces the campaign-planning views (coverage, readiness, compare) share (pure): the filters
line, the page note, the "data expired" notice with the right Refresh button, and the no-match
explanation with a command that drops one filter."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock

from bot.i18n import Translator
from bot.slack.commands import COMMAND
from bot.slack.mrkdwn import code, escape
from bot.slack.views.kit import Message, context, message, section
from bot.templates.lookup import Relaxation
from bot.templates.query import Query

MAX_LISTED_NAME = 60
MAX_LISTED_LANGUAGE = 16
MAX_LISTED_CATEGORY = 24


def filters_context(query: Query, t: Translator) -> list[ContextBlock]:
    """`*Filters:* lang:es navidad`, or nothing for an empty query."""
    if query.empty:
        return []
    terms = " ".join(code(term, MAX_LISTED_NAME) for term in query.terms())
    return [context(t._("*Filters:* {terms}").format(terms=terms))]


def page_note(page: int, pages: int, t: Translator) -> str:
    return t._("Page {page} of {pages}").format(page=t.number(page + 1), pages=t.number(pages))


def skipped_note(skipped: int, t: Translator) -> str:
    return t.nformat(
        ":warning: {count} entry from Wolkvox could not be read and is not listed",
        ":warning: {count} entries from Wolkvox could not be read and are not listed",
        skipped,
    )


def no_match_lines(
    connector: str,
    count: int,
    relaxation: Relaxation | None,
    close_names: tuple[str, ...],
    command_words: tuple[str, ...],
    t: Translator,
) -> list[str]:
    """Nothing matched: say among how many, which one filter to drop (as a command to copy,
    `command_words` after the connector) and names that look close."""
    lines = [
        t.nformat(
            "No template matches these filters among the {count} template of connector "
            "*{connector}*.",
            "No template matches these filters among the {count} templates of connector "
            "*{connector}*.",
            count,
            connector=escape(connector),
        )
    ]
    if relaxation is not None:
        command = " ".join([COMMAND, *command_words, *relaxation.rest.split()])
        lines.append(
            t.nformat(
                "Without {dropped}, {count} matches: {command}",
                "Without {dropped}, {count} match: {command}",
                relaxation.count,
                dropped=code(relaxation.dropped, MAX_LISTED_NAME),
                command=code(command, 300),
            )
        )
    if close_names:
        names = ", ".join(code(n, MAX_LISTED_NAME) for n in close_names)
        lines.append(t._("Names that look close: {names}").format(names=names))
    return lines


def no_templates_text(connector: str, t: Translator) -> str:
    return t._(
        "Wolkvox returned *no templates* for connector *{connector}*. Check in "
        "Meta Business Manager that this WhatsApp number has approved templates."
    ).format(connector=escape(connector))


def expired_offer(text: str, refresh: ButtonElement) -> Message:
    """The data behind a button is gone: `text` says so, `refresh` syncs the same view again."""
    return message(text, [section(text), ActionsBlock(elements=[refresh])])
