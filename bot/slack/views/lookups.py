"""Block Kit messages from domain values (pure: no I/O, no clock; `now` is passed in).

Every untrusted string goes through `bot.text` (escape, one line, clip). Blocks are built with
slack_sdk's models, which check most limits; the limits they don't check (50 blocks per
message, total text, field length) are kept here by construction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack import values as payloads
from bot.slack.commands import COMMAND, help_text
from bot.slack.mrkdwn import clip, code, escape, one_line, plain
from bot.slack.values import TemplateRef, ViewRef
from bot.slack.views.kit import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_FIELD_TEXT,
    MAX_HEADER,
    MAX_OPTION_TEXT,
    Message,
    button,
    context,
    context_json,
    message,
    plural,
    section,
    synced_phrase,
    user_ref,
)
from bot.templates.model import Snapshot, Template, count_by
from bot.templates.query import Query, best_relaxation, closest_names, fold
from bot.templates.samples import preview

PAGE_SIZE = 20
MAX_COUNT_ROWS = 12  # rows per "by category" / "by language" field
MAX_LISTED_NAME = 60
MAX_LISTED_LANGUAGE = 16
MAX_LISTED_CATEGORY = 24
MAX_BODY_SHOWN = 1400  # per body and per preview; Meta's limit is 1,024
DETAIL_BUDGET = 8000  # characters of template detail in one message

ACTION_PREVIOUS = "wolkvox_page_previous"
ACTION_NEXT = "wolkvox_page_next"
ACTION_REFRESH = "wolkvox_refresh"
ACTION_OPEN = "wolkvox_open"
ACTION_SHARE = "wolkvox_share"
ACTION_EXPORT = "wolkvox_export"

_VARIABLE = re.compile(r"\{\{\s*[A-Za-z0-9_]{1,64}\s*\}\}")


def help_message(aliases: Mapping[str, str] | None = None) -> Message:
    return message(f"How to use {COMMAND}", [section(help_text(aliases))])


def progress_message(connector: str) -> Message:
    text = f":hourglass_flowing_sand: Syncing connector *{escape(connector)}* with Wolkvox…"
    return message(f"Syncing connector {escape(connector)}…", [section(text)])


def text_message(text: str) -> Message:
    """One section of text: a failure, a refusal or a confirmation. `text` is mrkdwn already
    made safe by its author."""
    return message(text, [section(text)])


def expired_message(connector: str, text: str, query: str = "") -> Message:
    """Data behind a button is gone: say so and offer a refresh."""
    refresh = ButtonElement(
        text="Refresh",
        action_id=ACTION_REFRESH,
        value=payloads.encode_view(ViewRef(connector, query=query)),
        style="primary",
    )
    return message(text, [section(text), ActionsBlock(elements=[refresh])])


def results_message(
    snapshot: Snapshot,
    *,
    now: datetime,
    query: Query | None = None,
    page: int = 0,
    origin: str = "wolkvox",
    asked_by: str = "",
    warning: str = "",
    shared_by: str = "",
    note: str = "",
) -> Message:
    """A lookup over a snapshot: counts, one page of the matches, paging and actions.

    With `shared_by`, the in-channel version: the same page, no buttons, who shared it.
    """
    view = _results_view(snapshot, query or Query(), page, bool(shared_by))
    about = [synced_phrase(snapshot.synced_at, now, origin)]
    if shared_by:
        about.append(f"shared by {user_ref(shared_by)}")
    elif asked_by:
        about.append(f"asked by {user_ref(asked_by)}")
    extra: list[Block] = []
    if warning:
        extra.append(section(f":warning: {warning}"))
    if note:
        extra.append(section(note))
    blocks = [
        view.header,
        context_json(" · ".join(about)),
        *view.filters,
        *(block.to_dict() for block in extra),
        *view.body,
    ]
    assert len(blocks) <= MAX_BLOCKS
    return {"text": view.fallback, "blocks": blocks}


@dataclass(frozen=True, slots=True)
class _ResultsView:
    """The parts of a results message that depend only on the snapshot, query and page."""

    header: dict[str, Any]
    filters: tuple[dict[str, Any], ...]
    body: tuple[dict[str, Any], ...]
    fallback: str


_VIEWS: WeakKeyDictionary[Snapshot, LRUCache[tuple[Query, int, bool], _ResultsView]] = (
    WeakKeyDictionary()
)


def _results_view(snapshot: Snapshot, query: Query, page: int, shared: bool) -> _ResultsView:
    """Rendered once per (snapshot, query, page): repeats (cache hits, paging back) reuse it.
    The renderings live as long as their snapshot does."""
    views = _VIEWS.get(snapshot)
    if views is None:
        views = _VIEWS[snapshot] = LRUCache(maxsize=64)
    key = (query, page, shared)
    view = views.get(key)
    if view is None:
        view = views[key] = _render_results_view(snapshot, query, page, shared)
    return view


def _render_results_view(snapshot: Snapshot, query: Query, page: int, shared: bool) -> _ResultsView:
    positions = query.positions(snapshot.templates, snapshot.index)
    matches = [snapshot.templates[i] for i in positions]
    pages = max(1, -(-len(matches) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = positions[first : first + PAGE_SIZE]

    if query.empty:
        header = f"Connector {snapshot.connector} · {plural(snapshot.count, 'template')}"
    else:
        matching = f"{len(matches):,} of {snapshot.count:,} templates match"
        header = f"Connector {snapshot.connector} · {matching}"
    filters: list[Block] = []
    if not query.empty:
        terms = " ".join(code(term, MAX_LISTED_NAME) for term in query.terms())
        filters.append(context(f"*Filters:* {terms} · {len(matches):,} match"))

    body: list[Block] = []
    if matches:
        body.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=_counts("By category", [t.category for t in matches])),
                    MarkdownTextObject(text=_counts("By language", [t.language for t in matches])),
                ]
            )
        )
        body.append(DividerBlock())
        title = f"*Templates {first + 1}–{first + len(shown)} of {len(matches):,}*"
        lines = [_template_line(snapshot.templates[i]) for i in shown]
        body.append(section("\n".join([title, *lines])))
    elif snapshot.count == 0:
        body.append(
            section(
                f"Wolkvox returned *no templates* for connector *{escape(snapshot.connector)}*. "
                "Check in Meta Business Manager that this WhatsApp number has approved templates."
            )
        )
    else:
        body.append(section(_no_match(snapshot, query)))

    notes = []
    if pages > 1:
        notes.append(f"Page {page + 1} of {pages}")
    if snapshot.skipped:
        notes.append(
            f":warning: {plural(snapshot.skipped, 'entry', 'entries')} from Wolkvox "
            f"could not be read and {'is' if snapshot.skipped == 1 else 'are'} not listed"
        )
    if notes:
        body.append(context(" · ".join(notes)))
    if not shared:
        ref = ViewRef(snapshot.connector, snapshot.id, page, query.text())
        body.append(_result_actions(snapshot, ref, pages, bool(matches)))
        if shown:
            body.append(_open_menu(snapshot, shown))

    fallback = f"Connector {escape(snapshot.connector)}: " + (
        plural(snapshot.count, "template")
        if query.empty
        else f"{len(matches):,} of {plural(snapshot.count, 'template')} match"
    )
    if pages > 1:
        fallback += f" (page {page + 1} of {pages})"
    return _ResultsView(
        header=HeaderBlock(text=clip(header, MAX_HEADER)).to_dict(),
        filters=tuple(b.to_dict() for b in filters),
        body=tuple(b.to_dict() for b in body),
        fallback=clip(fallback, MAX_FALLBACK),
    )


def template_message(
    snapshot: Snapshot,
    name: str,
    *,
    now: datetime,
    origin: str = "wolkvox",
    asked_by: str = "",
    warning: str = "",
) -> Message:
    """`show <name>`: every language version of one template in full, or the closest names."""
    wanted = fold(name)
    versions = [t for t in snapshot.templates if fold(t.name) == wanted]
    about = synced_phrase(snapshot.synced_at, now, origin)
    if asked_by:
        about += f" · asked by {user_ref(asked_by)}"
    if not versions:
        close = closest_names(name, snapshot.templates)
        text = (
            f"Connector *{escape(snapshot.connector)}* has no template named "
            f"{code(name, MAX_LISTED_NAME)} (among {plural(snapshot.count, 'template')})."
        )
        if close:
            text += " Closest names: " + ", ".join(code(n, MAX_LISTED_NAME) for n in close) + "."
        blocks: list[Block] = [section(text), context(about)]
        if warning:
            blocks.append(section(f":warning: {warning}"))
        return message(f"No template named {plain(name, MAX_LISTED_NAME)}", blocks)

    header = f"{one_line(versions[0].name)} · {plural(len(versions), 'language')}"
    blocks = [HeaderBlock(text=clip(header, MAX_HEADER)), context(about)]
    if warning:
        blocks.append(section(f":warning: {warning}"))
    used = 0
    left_out: list[str] = []
    for template in versions:
        detail = _detail_blocks(template)
        size = sum(len(_block_text(b)) for b in detail)
        if used + size > DETAIL_BUDGET or len(blocks) + len(detail) > MAX_BLOCKS - 2:
            left_out.append(template.language)
            continue
        blocks += [DividerBlock(), *detail]
        used += size
    if left_out:
        listed = ", ".join(plain(x, MAX_LISTED_LANGUAGE) for x in left_out[:20])
        blocks.append(
            context(
                f"{plural(len(left_out), 'more language')} not shown here ({listed}): "
                f"list them with `{COMMAND} {escape(snapshot.connector)} "
                f"{plain(versions[0].name, MAX_LISTED_NAME)}` and open one from the menu."
            )
        )
    fallback = f"Template {plain(versions[0].name, MAX_LISTED_NAME)} ({len(versions)} languages)"
    return message(fallback, blocks)


def detail_message(snapshot: Snapshot, template: Template, *, now: datetime) -> Message:
    """One template in full (from the Open menu)."""
    about = f"Connector {escape(snapshot.connector)} · " + synced_phrase(
        snapshot.synced_at, now, "cache"
    )
    blocks: list[Block] = [*_detail_blocks(template), context(about)]
    return message(f"Template {plain(template.name, MAX_LISTED_NAME)}", blocks)


def _detail_blocks(template: Template) -> list[Block]:
    variables = template.variables
    heading = (
        f"*{code(template.name, 200)}* · {plain(template.language, MAX_LISTED_LANGUAGE)} · "
        f"{plain(template.category, MAX_LISTED_CATEGORY)}"
    )
    if variables:
        listed = ", ".join(code("{{" + v + "}}", 70) for v in variables[:20])
        more = f" and {len(variables) - 20} more" if len(variables) > 20 else ""
        heading += f"\n{plural(len(variables), 'variable')}: {listed}{more}"
    else:
        heading += "\nNo variables"
    body = _quote(_mark_variables(template.body)) if template.body.strip() else "_(empty body)_"
    sample = _quote(escape(clip(preview(template.body), MAX_BODY_SHOWN)))
    return [
        section(heading),
        section(f"*Body*\n{body}"),
        section(f"*Preview with sample values*\n{sample}"),
    ]


def _mark_variables(body: str) -> str:
    """The body escaped, clipped, with each {{variable}} shown as code."""
    shown = escape(clip(body, MAX_BODY_SHOWN).replace("`", "'"))
    return _VARIABLE.sub(lambda m: f"`{m.group(0)}`", shown)


def _quote(text: str) -> str:
    return "\n".join(">" + line for line in text.splitlines() or [""])


def _no_match(snapshot: Snapshot, query: Query) -> str:
    connector = escape(snapshot.connector)
    text = (
        f"No template matches these filters among the {plural(snapshot.count, 'template')} "
        f"of connector *{connector}*."
    )
    relaxed = best_relaxation(query, snapshot.templates, snapshot.index)
    if relaxed is not None:
        dropped, count = relaxed
        rest = query.text().replace(dropped, "", 1).split()
        command = " ".join([COMMAND, snapshot.connector, *rest])
        text += f"\nWithout {code(dropped, MAX_LISTED_NAME)}, {count:,} match: {code(command, 300)}"
    words = " ".join(query.words)
    if words:
        close = closest_names(words.replace(" ", "_"), snapshot.templates)
        if close:
            text += "\nNames that look close: " + ", ".join(code(n, MAX_LISTED_NAME) for n in close)
    return text


def _template_line(template: Template) -> str:
    return (
        f"• {code(template.name, MAX_LISTED_NAME)}  "
        f"{plain(template.language, MAX_LISTED_LANGUAGE)} · "
        f"{plain(template.category, MAX_LISTED_CATEGORY)}"
    )


def _counts(title: str, values: Sequence[str]) -> str:
    counts = count_by(values)
    lines = [f"*{title}*"]
    lines += [
        f"{plain(value, MAX_LISTED_CATEGORY)} · {n:,}" for value, n in counts[:MAX_COUNT_ROWS]
    ]
    if len(counts) > MAX_COUNT_ROWS:
        rest = sum(n for _, n in counts[MAX_COUNT_ROWS:])
        lines.append(f"_{len(counts) - MAX_COUNT_ROWS} more ({rest:,})_")
    return clip("\n".join(lines), MAX_FIELD_TEXT)


def _result_actions(snapshot: Snapshot, view: ViewRef, pages: int, any_match: bool) -> ActionsBlock:
    elements = []
    if view.page > 0:
        previous = ViewRef(view.connector, view.snapshot_id, view.page - 1, view.query)
        elements.append(button("◀ Previous", ACTION_PREVIOUS, payloads.encode_view(previous)))
    if view.page < pages - 1:
        following = ViewRef(view.connector, view.snapshot_id, view.page + 1, view.query)
        elements.append(button("Next ▶", ACTION_NEXT, payloads.encode_view(following)))
    refresh = ViewRef(snapshot.connector, query=view.query)
    elements.append(button("Refresh", ACTION_REFRESH, payloads.encode_view(refresh)))
    if any_match:
        value = payloads.encode_view(view)
        elements.append(button("Share in channel", ACTION_SHARE, value))
        elements.append(button("Export CSV", ACTION_EXPORT, value))
    return ActionsBlock(elements=elements)


def _open_menu(snapshot: Snapshot, positions: Sequence[int]) -> ActionsBlock:
    options = []
    for i in positions:
        template = snapshot.templates[i]
        label = f"{one_line(template.name)} · {one_line(template.language)}"
        value = payloads.encode_template(TemplateRef(snapshot.connector, snapshot.id, i))
        options.append(Option(text=clip(label, MAX_OPTION_TEXT), value=value))
    menu = StaticSelectElement(
        placeholder="Open a template…", action_id=ACTION_OPEN, options=options
    )
    return ActionsBlock(elements=[menu])


def _block_text(block: Block) -> str:
    text = getattr(block, "text", None)
    return str(getattr(text, "text", "") or "")
