"""The coverage grid as Block Kit (pure): a summary (how many templates are complete, which
languages miss the most), then one page of the grid, one row per template name and one column
per language, in a code block so the columns line up.

The grid is computed before (`bot.templates.coverage`); this only renders it. When the
languages don't fit across a code block, each row lists the languages it misses instead.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.commands import words
from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, code, escape, one_line, plain
from bot.slack.action_ids import (
    ACTION_COVERAGE_EXPORT,
    ACTION_COVERAGE_NEXT,
    ACTION_COVERAGE_PREVIOUS,
    ACTION_COVERAGE_REFRESH,
    ACTION_COVERAGE_SHARE,
)
from bot.slack.values import ViewRef, encode_view
from bot.slack.views.kit import (
    LISTED,
    MAX_SECTION_TEXT,
    About,
    Message,
    button,
    result_message,
    section,
)
from bot.slack.views.listing import (
    expired_offer,
    filters_context,
    notes_context,
    nothing_listed,
    paged,
)
from bot.templates.coverage import CoverageResult

GRID_WIDTH = 72  # characters of a code-block line that fit Slack's message column unwrapped
MIN_NAME_WIDTH = 18
MAX_NAME_WIDTH = 40
PRESENT = "✓"
MISSING = "✗"
MAX_MISSING_LISTED = 6  # languages named in the summary's "missing most" line


def coverage_message(result: CoverageResult, about: About) -> Message:
    """The summary and one page of the grid, with who asked (or shared) it and when it was
    synced; buttons unless shared."""
    t, snapshot = about.t, result.snapshot
    header = t._("Coverage · connector {connector}").format(
        connector=one_line(t.connector(snapshot.connector))
    )
    if result.rows:
        body: list[Block] = [section(_summary(result, t)), section(_page_text(result, t))]
    else:
        command_words = (t.connector_word(snapshot.connector), words(t).coverage)
        body = [nothing_listed(snapshot, result.relaxation, result.close_names, command_words, t)]
    return result_message(
        header,
        about.line(snapshot.synced_at),
        body,
        _fallback(result, t),
        about,
        filters=filters_context(result.query, t),
        notes=notes_context(result.page, result.pages, snapshot.skipped, t),
        actions=lambda: _actions(result, t),
    )


def coverage_expired(connector: str, query: str, text: str, t: Translator) -> Message:
    """The grid behind a button is gone: offer to sync it again, same filters."""
    ref = encode_view(ViewRef(connector, query=query))
    return expired_offer(text, button(t._("Refresh"), ACTION_COVERAGE_REFRESH, ref, "primary"))


def _summary(result: CoverageResult, t: Translator) -> str:
    # no verb and no count of columns: "1 of 5 templates is/are" and "all 1 languages" would
    # each agree with one number and not the other
    percent = round(100 * result.complete / result.count)
    lines = [
        t.nformat(
            ":bar_chart: In every language of the grid: *{complete} of {count} template* "
            "({percent}%).",
            ":bar_chart: In every language of the grid: *{complete} of {count} templates* "
            "({percent}%).",
            result.count,
            complete=t.number(result.complete),
            percent=t.number(percent),
        )
    ]
    missing = [(language, n) for language, n in result.missing_by_language if n]
    if missing:
        listed = " · ".join(
            f"{code(language, LISTED.language)} ({t.number(n)})"
            for language, n in missing[:MAX_MISSING_LISTED]
        )
        lines.append(t._("*Languages missing the most:* {languages}").format(languages=listed))
    return "\n".join(lines)


def _page_text(result: CoverageResult, t: Translator) -> str:
    title = t._("*Templates {first}–{last} of {count}*, incomplete first").format(
        first=t.number(result.first + 1),
        last=t.number(result.first + len(result.shown)),
        count=t.number(result.count),
    )
    grid = _grid(result, t)
    body = grid if grid is not None else _missing_list(result, t)
    return clip(title + "\n" + body, MAX_SECTION_TEXT)


def _grid(result: CoverageResult, t: Translator) -> str | None:
    """The page as aligned columns in a code block, or None when the languages don't fit."""
    widths = [max(len(language), 3) for language in result.languages]
    columns_width = sum(w + 1 for w in widths)
    room = GRID_WIDTH - columns_width
    if room < MIN_NAME_WIDTH:
        return None
    longest = max((len(_cell(row.name)) for row in result.shown), default=0)
    name_width = max(min(longest, room - 1, MAX_NAME_WIDTH), len(t._("template")))
    lines = [
        _cell(t._("template"), name_width).ljust(name_width)
        + "".join(
            " " + _cell(c, w).center(w) for c, w in zip(result.languages, widths, strict=True)
        )
    ]
    for row in result.shown:
        marks = (
            " " + (PRESENT if here else MISSING).center(w)
            for here, w in zip(row.present, widths, strict=True)
        )
        lines.append(_cell(row.name, name_width).ljust(name_width) + "".join(marks))
    # escaped after padding: &lt; takes one column on screen, as < did
    return "```\n" + escape("\n".join(lines)) + "\n```"


def _missing_list(result: CoverageResult, t: Translator) -> str:
    """Too many languages for a grid: each row with the languages it misses."""
    lines = []
    for row in result.shown:
        name = code(row.name, LISTED.name)
        missing = result.missing_languages(row)
        if missing:
            listed = ", ".join(plain(x, LISTED.language) for x in missing)
            lines.append(
                t._("• {name} is missing in {languages}").format(name=name, languages=listed)
            )
        else:
            lines.append(t._("• {name} is in every language").format(name=name))
    return "\n".join(lines)


def _cell(text: str, width: int = MAX_NAME_WIDTH) -> str:
    """Untrusted text for one grid cell: one line, no backticks (they would end the code
    block), clipped to `width`."""
    return clip(one_line(text).replace("`", "'"), width)


def _fallback(result: CoverageResult, t: Translator) -> str:
    connector = escape(t.connector(result.snapshot.connector))
    text = t.nformat(
        "Coverage of connector {connector}: {complete} of {count} template in every language",
        "Coverage of connector {connector}: {complete} of {count} templates in every language",
        result.count,
        connector=connector,
        complete=t.number(result.complete),
    )
    return paged(text, result.page, result.pages, t)


def _actions(result: CoverageResult, t: Translator) -> ActionsBlock:
    snapshot = result.snapshot
    query = result.query.text()
    elements = []
    if result.page > 0:
        ref = ViewRef(snapshot.connector, snapshot.id, result.page - 1, query)
        elements.append(button(t._("◀ Previous"), ACTION_COVERAGE_PREVIOUS, encode_view(ref)))
    if result.page < result.pages - 1:
        ref = ViewRef(snapshot.connector, snapshot.id, result.page + 1, query)
        elements.append(button(t._("Next ▶"), ACTION_COVERAGE_NEXT, encode_view(ref)))
    refresh = encode_view(ViewRef(snapshot.connector, query=query))
    elements.append(button(t._("Refresh"), ACTION_COVERAGE_REFRESH, refresh))
    if result.rows:
        here = encode_view(ViewRef(snapshot.connector, snapshot.id, result.page, query))
        elements.append(button(t._("Share in channel"), ACTION_COVERAGE_SHARE, here))
        elements.append(button(t._("Export CSV"), ACTION_COVERAGE_EXPORT, here))
    return ActionsBlock(elements=elements)


__all__ = ["coverage_expired", "coverage_message"]
