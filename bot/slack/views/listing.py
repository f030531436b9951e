"""Pieces the listing views (results, coverage, readiness, compare) share (pure): the filters
line, the page notes, the "data expired" notice with the right Refresh button, and the no-match
explanation with a command that drops one filter."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, SectionBlock

from bot.commands import COMMAND
from bot.i18n import Translator
from bot.i18n.mrkdwn import code, escape
from bot.slack.views.kit import LISTED, Message, context, message, section
from bot.templates.lookup import Relaxation
from bot.templates.model import Snapshot
from bot.templates.query import Query


def filters_context(query: Query, t: Translator) -> list[ContextBlock]:
    """`*Filters:* lang:es navidad`, or nothing for an empty query."""
    if query.empty:
        return []
    terms = " ".join(code(term, LISTED.name) for term in query.terms())
    return [context(t._("*Filters:* {terms}").format(terms=terms))]


def notes_context(page: int, pages: int, skipped: int, t: Translator) -> list[ContextBlock]:
    """ "Page 2 of 5 · 3 entries could not be read", or nothing when neither applies."""
    notes = [_page_note(page, pages, t)] if pages > 1 else []
    if skipped:
        notes.append(_skipped_note(skipped, t))
    return [context(" · ".join(notes))] if notes else []


def nothing_listed(
    snapshot: Snapshot,
    relaxation: Relaxation | None,
    close_names: tuple[str, ...],
    command_words: tuple[str, ...],
    t: Translator,
) -> SectionBlock:
    """Why a listing is empty: the connector has no templates, or nothing matched (see
    `_no_match_lines`)."""
    if snapshot.count == 0:
        return section(_no_templates_text(snapshot.connector, t))
    lines = _no_match_lines(
        snapshot.connector, snapshot.count, relaxation, close_names, command_words, t
    )
    return section("\n".join(lines))


def _page_note(page: int, pages: int, t: Translator) -> str:
    return t._("Page {page} of {pages}").format(page=t.number(page + 1), pages=t.number(pages))


def paged(text: str, page: int, pages: int, t: Translator) -> str:
    """A fallback text with "(page 2 of 5)" after it when there is more than one page."""
    if pages < 2:
        return text
    return t._("{text} (page {page} of {pages})").format(
        text=text, page=t.number(page + 1), pages=t.number(pages)
    )


def _skipped_note(skipped: int, t: Translator) -> str:
    return t.nformat(
        ":warning: {count} entry from Wolkvox could not be read and is not listed",
        ":warning: {count} entries from Wolkvox could not be read and are not listed",
        skipped,
    )


def _no_match_lines(
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
            "The only template of connector *{connector}* does not match these filters.",
            "No template matches these filters among the {count} templates of connector "
            "*{connector}*.",
            count,
            connector=escape(t.connector(connector)),
        )
    ]
    if relaxation is not None:
        command = " ".join([COMMAND, *command_words, *relaxation.rest.split()])
        lines.append(
            t.nformat(
                "Without {dropped}, {count} matches: {command}",
                "Without {dropped}, {count} match: {command}",
                relaxation.count,
                dropped=code(relaxation.dropped, LISTED.name),
                command=code(command, 300),
            )
        )
    if close_names:
        names = ", ".join(code(n, LISTED.name) for n in close_names)
        lines.append(t._("Names that look close: {names}").format(names=names))
    return lines


def _no_templates_text(connector: str, t: Translator) -> str:
    return t._(
        "Wolkvox returned *no templates* for connector *{connector}*. Check in "
        "Meta Business Manager that this WhatsApp number has approved templates."
    ).format(connector=escape(t.connector(connector)))


def expired_offer(text: str, refresh: ButtonElement) -> Message:
    """The data behind a button is gone: `text` says so, `refresh` syncs the same view again."""
    return message(text, [section(text), ActionsBlock(elements=[refresh])])
