"""Two connectors compared, as Block Kit (pure): how many templates are only in the first, only
in the second, in both but different, and the same; then one page of the differences, by part.

The comparison is computed before (`bot.templates.compare`); this only renders it. Each side
says when it was synced, since each comes from its own sync or cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Translator
from bot.i18n.mrkdwn import code, escape, one_line, plain
from bot.slack.action_ids import (
    ACTION_COMPARE_EXPORT,
    ACTION_COMPARE_JUMP,
    ACTION_COMPARE_NEXT,
    ACTION_COMPARE_PREVIOUS,
    ACTION_COMPARE_REFRESH,
    ACTION_COMPARE_SHARE,
)
from bot.slack.values import CompareRef, encode_compare
from bot.slack.views.kit import (
    LISTED,
    About,
    Message,
    button,
    result_message,
    section,
    synced_phrase,
)
from bot.slack.views.listing import (
    expired_offer,
    filters_context,
    notes_context,
    paged,
)
from bot.templates.compare import PAGE_SIZE, Comparison, ComparisonEntry, ComparisonPage, EntryKind


@dataclass(frozen=True, slots=True)
class Sides:
    """How each side was obtained ("cache", "wolkvox", "stale"…), for the freshness line."""

    left: str = "cache"
    right: str = "cache"


def comparison_message(page: ComparisonPage, about: About, sides: Sides | None = None) -> Message:
    """The counts and one page of differences, with when each side was synced and who asked
    (or shared) it; buttons unless shared."""
    t, comparison = about.t, page.comparison
    left, right = t.connector(comparison.left.connector), t.connector(comparison.right.connector)
    header = t._("Connectors {left} and {right} compared").format(
        left=one_line(left), right=one_line(right)
    )
    if comparison.identical:
        body: list[Block] = [section(_identical(comparison, t))]
    else:
        body = [_counts(comparison, t), *(section(text) for text in _parts(page, t))]
    skipped = comparison.left.skipped + comparison.right.skipped
    return result_message(
        header,
        _line(comparison, about, sides or Sides()),
        body,
        _fallback(page, t),
        about,
        filters=filters_context(comparison.query, t),
        notes=notes_context(page.page, page.pages, skipped, t),
        actions=lambda: _actions(page, t),
    )


def comparison_expired(ref: CompareRef, text: str, t: Translator) -> Message:
    """A side behind a button is gone: offer to compare again, same filters."""
    value = encode_compare(CompareRef(ref.left, ref.right, query=ref.query))
    return expired_offer(text, button(t._("Refresh"), ACTION_COMPARE_REFRESH, value, "primary"))


def _line(comparison: Comparison, about: About, sides: Sides) -> str:
    t = about.t
    freshness = t._("*{left}:* {left_freshness} · *{right}:* {right_freshness}").format(
        left=escape(t.connector(comparison.left.connector)),
        right=escape(t.connector(comparison.right.connector)),
        left_freshness=synced_phrase(t, comparison.left.synced_at, about.now, sides.left),
        right_freshness=synced_phrase(t, comparison.right.synced_at, about.now, sides.right),
    )
    return about.attributed(freshness)


def _identical(comparison: Comparison, t: Translator) -> str:
    left, right = _names(comparison, t)
    if not comparison.same:
        if comparison.query.empty:
            return t._("Neither connector *{left}* nor *{right}* has any template.").format(
                left=left, right=right
            )
        return t._("No template of connector *{left}* or *{right}* matches these filters.").format(
            left=left, right=right
        )
    return t.nformat(
        ":white_check_mark: The only template compared is the same in *{left}* and "
        "*{right}*: same name, language, body and category.",
        ":white_check_mark: The {count} templates compared are the same in *{left}* and "
        "*{right}*: same names, languages, bodies and categories.",
        comparison.same,
        left=left,
        right=right,
    )


def _names(comparison: Comparison, t: Translator) -> tuple[str, str]:
    """Both sides' connectors as mrkdwn names them."""
    return (
        escape(t.connector(comparison.left.connector)),
        escape(t.connector(comparison.right.connector)),
    )


def _counts(comparison: Comparison, t: Translator) -> SectionBlock:
    left, right = _names(comparison, t)
    fields = [
        (t._("*Only in {connector}*").format(connector=left), len(comparison.only_left)),
        (t._("*Only in {connector}*").format(connector=right), len(comparison.only_right)),
        (t._("*In both, but different*"), len(comparison.differing)),
        (t._("*The same in both*"), comparison.same),
    ]
    return SectionBlock(
        fields=[MarkdownTextObject(text=f"{title}\n{t.number(n)}") for title, n in fields]
    )


def _parts(page: ComparisonPage, t: Translator) -> list[str]:
    """The page's entries under a title per part (only left, only right, differing)."""
    comparison = page.comparison
    title = t._("*Differences {first}–{last} of {count}*").format(
        first=t.number(page.first + 1),
        last=t.number(page.first + len(page.shown)),
        count=t.number(comparison.count),
    )
    parts: list[str] = []
    for kind in EntryKind:
        entries = [e for e in page.shown if e.kind is kind]
        if not entries:
            continue
        lines = [_part_title(kind, comparison, t), *(_entry_line(e, t) for e in entries)]
        if not parts:
            lines.insert(0, title)
        parts.append("\n".join(lines))
    return parts


def _part_title(kind: EntryKind, comparison: Comparison, t: Translator) -> str:
    if kind is EntryKind.ONLY_LEFT:
        connector = escape(t.connector(comparison.left.connector))
        return t._(":arrow_left: *Only in {connector}*").format(connector=connector)
    if kind is EntryKind.ONLY_RIGHT:
        connector = escape(t.connector(comparison.right.connector))
        return t._(":arrow_right: *Only in {connector}*").format(connector=connector)
    return t._(":left_right_arrow: *In both, but different*")


def _entry_line(entry: ComparisonEntry, t: Translator) -> str:
    head = f"• {code(entry.name, LISTED.name)}  {plain(entry.language, LISTED.language)}"
    if entry.kind is not EntryKind.DIFFERING:
        return f"{head} · {plain(entry.template.category, LISTED.category)}"
    assert entry.left is not None and entry.right is not None
    categories = {
        "before": plain(entry.left.category, LISTED.category),
        "after": plain(entry.right.category, LISTED.category),
    }
    if entry.fields == ("body",):
        what = t._("the body differs")
    elif entry.fields == ("category",):
        what = t._("category {before} → {after}").format(**categories)
    else:
        what = t._("the body and the category differ ({before} → {after})").format(**categories)
    return f"{head} · {what}"


def _part_pages(page: ComparisonPage) -> list[tuple[EntryKind, int]]:
    """Each non-empty part and the page it starts on (pages of PAGE_SIZE, as
    `comparison_page` makes them), when there is more than one page."""
    if page.pages < 2:
        return []
    comparison = page.comparison
    first = 0
    starts = []
    for kind, entries in (
        (EntryKind.ONLY_LEFT, comparison.only_left),
        (EntryKind.ONLY_RIGHT, comparison.only_right),
        (EntryKind.DIFFERING, comparison.differing),
    ):
        if entries:
            starts.append((kind, first // PAGE_SIZE))
        first += len(entries)
    return starts


def _jump_label(kind: EntryKind, comparison: Comparison, t: Translator) -> str:
    if kind is EntryKind.ONLY_LEFT:
        return t._("» Only in {connector}").format(
            connector=one_line(t.connector(comparison.left.connector))
        )
    if kind is EntryKind.ONLY_RIGHT:
        return t._("» Only in {connector}").format(
            connector=one_line(t.connector(comparison.right.connector))
        )
    return t._("» Different in both")


def _fallback(page: ComparisonPage, t: Translator) -> str:
    comparison = page.comparison
    text = t.nformat(
        "Connectors {left} and {right}: {count} difference",
        "Connectors {left} and {right}: {count} differences",
        comparison.count,
        left=escape(t.connector(comparison.left.connector)),
        right=escape(t.connector(comparison.right.connector)),
    )
    return paged(text, page.page, page.pages, t)


def _actions(page: ComparisonPage, t: Translator) -> ActionsBlock:
    comparison = page.comparison
    left, right = comparison.left, comparison.right
    query = comparison.query.text()

    def at(number: int) -> str:
        return encode_compare(
            CompareRef(left.connector, right.connector, left.id, right.id, number, query)
        )

    elements = []
    if page.page > 0:
        elements.append(button(t._("◀ Previous"), ACTION_COMPARE_PREVIOUS, at(page.page - 1)))
    if page.page < page.pages - 1:
        elements.append(button(t._("Next ▶"), ACTION_COMPARE_NEXT, at(page.page + 1)))
    for kind, starts in _part_pages(page):
        if kind not in {e.kind for e in page.shown}:
            elements.append(
                button(_jump_label(kind, comparison, t), ACTION_COMPARE_JUMP[kind], at(starts))
            )
    refresh = encode_compare(CompareRef(left.connector, right.connector, query=query))
    elements.append(button(t._("Refresh"), ACTION_COMPARE_REFRESH, refresh))
    if comparison.count:
        elements.append(button(t._("Share in channel"), ACTION_COMPARE_SHARE, at(page.page)))
        elements.append(button(t._("Export CSV"), ACTION_COMPARE_EXPORT, at(page.page)))
    return ActionsBlock(elements=elements)


__all__ = ["Sides", "comparison_expired", "comparison_message"]
