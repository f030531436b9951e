"""A lookup's result as Block Kit: counts, one page of matches, paging and actions (pure).

The result (`bot.templates.lookup.LookupResult`) is computed before; this only renders it.
`results_view` is the part that depends on the result alone (memoised by the caller); the
message adds who asked and when it was synced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, code, escape, one_line, plain
from bot.i18n.summaries import results_header
from bot.slack.action_ids import (
    ACTION_EXPORT,
    ACTION_NEXT,
    ACTION_OPEN,
    ACTION_PREVIOUS,
    ACTION_REFRESH,
    ACTION_SHARE,
)
from bot.slack.values import TemplateRef, ViewRef, encode_template, encode_view
from bot.slack.views.kit import (
    LISTED,
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_FIELD_TEXT,
    MAX_HEADER,
    MAX_OPTION_TEXT,
    About,
    Message,
    button,
    context,
    context_json,
    section,
)
from bot.slack.views.listing import (
    notes_context,
    nothing_listed,
    paged,
)
from bot.templates.lookup import LookupResult
from bot.templates.model import Template

MAX_COUNT_ROWS = 12  # rows per "by category" / "by language" field


@dataclass(frozen=True, slots=True)
class ResultsView:
    """The parts of a results message that depend only on the result, whether it is shared and
    the language."""

    header: dict[str, Any]
    filters: tuple[dict[str, Any], ...]
    body: tuple[dict[str, Any], ...]
    fallback: str


def results_message(view: ResultsView, *, synced_at: datetime, about: About) -> Message:
    """A rendered result with who asked (or shared) it, when it was synced, and any warning or
    change note."""
    blocks = [
        view.header,
        context_json(about.line(synced_at)),
        *view.filters,
        *(block.to_dict() for block in about.notices()),
        *view.body,
    ]
    assert len(blocks) <= MAX_BLOCKS
    return {"text": view.fallback, "blocks": blocks}


def results_view(result: LookupResult, t: Translator, *, shared: bool) -> ResultsView:
    """Header, filters, counts, the page's templates, notes and (unless shared) the actions."""
    query = result.query
    header = results_header(result, t)
    filters: list[Block] = []
    if not query.empty:
        terms = " ".join(code(term, LISTED.name) for term in query.terms())
        filters.append(
            context(
                t.nformat(
                    "*Filters:* {terms} · {count} match",
                    "*Filters:* {terms} · {count} matches",
                    result.count,
                    terms=terms,
                )
            )
        )
    return ResultsView(
        header=HeaderBlock(text=clip(header, MAX_HEADER)).to_dict(),
        filters=tuple(b.to_dict() for b in filters),
        body=tuple(b.to_dict() for b in _body(result, t, shared)),
        fallback=clip(_fallback(result, t), MAX_FALLBACK),
    )


def _body(result: LookupResult, t: Translator, shared: bool) -> list[Block]:
    snapshot = result.snapshot
    body: list[Block] = []
    if result.count:
        body.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=_counts(t, t._("By category"), result.by_category)),
                    MarkdownTextObject(text=_counts(t, t._("By language"), result.by_language)),
                ]
            )
        )
        body.append(DividerBlock())
        first = result.first
        title = t._("*Templates {first}–{last} of {count}*").format(
            first=t.number(first + 1),
            last=t.number(first + len(result.shown)),
            count=t.number(result.count),
        )
        lines = [_template_line(x) for x in result.shown_templates]
        body.append(section("\n".join([title, *lines])))
    else:
        command_words = (t.connector_word(snapshot.connector),)
        body.append(
            nothing_listed(snapshot, result.relaxation, result.close_names, command_words, t)
        )
    body += notes_context(result.page, result.pages, snapshot.skipped, t)
    if not shared:
        body.append(_actions(result, t))
        if result.shown:
            body.append(_open_menu(result, t))
    return body


def _fallback(result: LookupResult, t: Translator) -> str:
    snapshot = result.snapshot
    if result.query.empty:
        fallback = t.nformat(
            "Connector {connector}: {count} template",
            "Connector {connector}: {count} templates",
            snapshot.count,
            connector=escape(t.connector(snapshot.connector)),
        )
    else:
        fallback = t.nformat(
            "Connector {connector}: {matches} of {count} template matches",
            "Connector {connector}: {matches} of {count} templates match",
            snapshot.count,
            connector=escape(t.connector(snapshot.connector)),
            matches=t.number(result.count),
        )
    return paged(fallback, result.page, result.pages, t)


def _template_line(template: Template) -> str:
    return (
        f"• {code(template.name, LISTED.name)}  "
        f"{plain(template.language, LISTED.language)} · "
        f"{plain(template.category, LISTED.category)}"
    )


def _counts(t: Translator, title: str, counts: Sequence[tuple[str, int]]) -> str:
    lines = [f"*{title}*"]
    lines += [
        f"{plain(value, LISTED.category)} · {t.number(n)}" for value, n in counts[:MAX_COUNT_ROWS]
    ]
    if len(counts) > MAX_COUNT_ROWS:
        rest = sum(n for _, n in counts[MAX_COUNT_ROWS:])
        lines.append(
            t.nformat(
                "_{count} more ({templates})_",
                "_{count} more ({templates})_",
                len(counts) - MAX_COUNT_ROWS,
                templates=t.number(rest),
            )
        )
    return clip("\n".join(lines), MAX_FIELD_TEXT)


def _actions(result: LookupResult, t: Translator) -> ActionsBlock:
    snapshot = result.snapshot
    view = ViewRef(snapshot.connector, snapshot.id, result.page, result.query.text())
    elements = []
    if view.page > 0:
        previous = ViewRef(view.connector, view.snapshot_id, view.page - 1, view.query)
        elements.append(button(t._("◀ Previous"), ACTION_PREVIOUS, encode_view(previous)))
    if view.page < result.pages - 1:
        following = ViewRef(view.connector, view.snapshot_id, view.page + 1, view.query)
        elements.append(button(t._("Next ▶"), ACTION_NEXT, encode_view(following)))
    refresh = ViewRef(snapshot.connector, query=view.query)
    elements.append(button(t._("Refresh"), ACTION_REFRESH, encode_view(refresh)))
    if result.count:
        value = encode_view(view)
        elements.append(button(t._("Share in channel"), ACTION_SHARE, value))
        elements.append(button(t._("Export CSV"), ACTION_EXPORT, value))
    return ActionsBlock(elements=elements)


def _open_menu(result: LookupResult, t: Translator) -> ActionsBlock:
    snapshot = result.snapshot
    options = []
    for i in result.shown:
        template = snapshot.templates[i]
        label = f"{one_line(template.name)} · {one_line(template.language)}"
        value = encode_template(TemplateRef(snapshot.connector, snapshot.id, i))
        options.append(Option(text=clip(label, MAX_OPTION_TEXT), value=value))
    menu = StaticSelectElement(
        placeholder=t._("Open a template…"), action_id=ACTION_OPEN, options=options
    )
    return ActionsBlock(elements=[menu])
