"""One template in full: `show <name>` across its languages, and one version from the Open
menu (pure). The versions are found before (`bot.templates.lookup.find_versions`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.commands import COMMAND
from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, code, escape, one_line, plain
from bot.slack.views.kit import (
    LISTED,
    MAX_BLOCKS,
    MAX_HEADER,
    About,
    Message,
    context,
    message,
    section,
    synced_phrase,
)
from bot.templates.lookup import TemplateVersions
from bot.templates.model import VARIABLE, Snapshot, Template
from bot.templates.samples import preview

MAX_BODY_SHOWN = 1400  # per body and per preview; Meta's limit is 1,024
DETAIL_BUDGET = 8000  # characters of template detail in one message
MAX_VARIABLES_LISTED = 20


def template_message(found: TemplateVersions, about: About) -> Message:
    """`show <name>`: every language version of one template in full, or the closest names."""
    snapshot, t = found.snapshot, about.t
    if not found.versions:
        return name_not_found(snapshot, found.name, found.close_names, about)
    first = found.versions[0]
    header = t.nformat(
        "{name} · {count} language",
        "{name} · {count} languages",
        len(found.versions),
        name=one_line(first.name),
    )
    blocks: list[Block] = [HeaderBlock(text=clip(header, MAX_HEADER))]
    blocks.append(context(about.line(snapshot.synced_at)))
    if about.warning:
        blocks.append(section(f":warning: {about.warning}"))
    used = 0
    left_out: list[str] = []
    for template in found.versions:
        detail = detail_blocks(template, t)
        size = sum(len(_block_text(b)) for b in detail)
        if used + size > DETAIL_BUDGET or len(blocks) + len(detail) > MAX_BLOCKS - 2:
            left_out.append(template.language)
            continue
        blocks += [DividerBlock(), *detail]
        used += size
    if left_out:
        blocks.append(context(_left_out_note(snapshot, first, left_out, t)))
    fallback = t.nformat(
        "Template {name} ({count} language)",
        "Template {name} ({count} languages)",
        len(found.versions),
        name=plain(first.name, LISTED.name),
    )
    return message(fallback, blocks)


def detail_message(
    snapshot: Snapshot, template: Template, *, now: datetime, t: Translator
) -> Message:
    """One template in full (from the Open menu)."""
    fallback = t._("Template {name}").format(name=plain(template.name, LISTED.name))
    freshness = synced_phrase(t, snapshot.synced_at, now, "cache")
    return detail_card(snapshot, template, freshness, fallback, t)


def detail_card(
    snapshot: Snapshot, template: Template, freshness: str, fallback: str, t: Translator
) -> Message:
    """One template in full, then its connector and `freshness` (the Open menu, Share)."""
    line = t._("Connector {connector} · {freshness}").format(
        connector=escape(t.connector(snapshot.connector)), freshness=freshness
    )
    return message(fallback, [*detail_blocks(template, t), context(line)])


def detail_blocks(template: Template, t: Translator) -> list[Block]:
    """Name, language, category and variables; the body with its variables marked; a preview."""
    heading = (
        f"*{code(template.name, 200)}* · {plain(template.language, LISTED.language)} · "
        f"{plain(template.category, LISTED.category)}\n"
        + variables_line(template.variables, t, limit=MAX_VARIABLES_LISTED)
    )
    body = (
        _quote(_mark_variables(template.body)) if template.body.strip() else t._("_(empty body)_")
    )
    sample = _quote(escape(clip(preview(template.body), MAX_BODY_SHOWN)))
    return [
        section(heading),
        section(t._("*Body*") + "\n" + body),
        section(t._("*Preview with sample values*") + "\n" + sample),
    ]


def variables_line(variables: Sequence[str], t: Translator, *, limit: int) -> str:
    """ "2 variables: `{{1}}`, `{{2}}`", the first `limit` of them listed; or "No variables"."""
    if not variables:
        return t._("No variables")
    listed = variables_listed(variables, t, limit=limit)
    more = len(variables) - limit
    if more > 0:
        return t.nformat(
            "{count} variable: {listed} and {more} more",
            "{count} variables: {listed} and {more} more",
            len(variables),
            listed=listed,
            more=t.number(more),
        )
    return t.nformat(
        "{count} variable: {listed}", "{count} variables: {listed}", len(variables), listed=listed
    )


def variables_listed(variables: Sequence[str], t: Translator, *, limit: int) -> str:
    """The first `limit` variables as code, or "no variables"."""
    if not variables:
        return t._("no variables")
    return ", ".join(code("{{" + v + "}}", 70) for v in variables[:limit])


def name_not_found(
    snapshot: Snapshot, name: str, close_names: Sequence[str], about: About
) -> Message:
    """No template has this name (`show`, `check`): among how many, and the closest names."""
    t = about.t
    text = name_not_found_text(snapshot, name, close_names, t)
    blocks: list[Block] = [section(text), context(about.line(snapshot.synced_at))]
    if about.warning:
        blocks.append(section(f":warning: {about.warning}"))
    fallback = t._("No template named {name}").format(name=plain(name, LISTED.name))
    return message(fallback, blocks)


def name_not_found_text(
    snapshot: Snapshot, name: str, close_names: Sequence[str], t: Translator
) -> str:
    """ "Connector *1234* has no template named `x` (among 57 templates). Closest names: …"
    (the `show` and `check` replies, and the template step's failure)."""
    values = {"connector": escape(t.connector(snapshot.connector)), "name": code(name, LISTED.name)}
    if not close_names:
        return t.nformat(
            "Connector *{connector}* has no template named {name} (it has just one).",
            "Connector *{connector}* has no template named {name} (among {count} templates).",
            snapshot.count,
            **values,
        )
    return t.nformat(
        "Connector *{connector}* has no template named {name}; its only template is {names}.",
        "Connector *{connector}* has no template named {name} (among {count} templates). "
        "Closest names: {names}.",
        snapshot.count,
        names=", ".join(code(n, LISTED.name) for n in close_names),
        **values,
    )


def _left_out_note(snapshot: Snapshot, first: Template, left_out: list[str], t: Translator) -> str:
    listed = ", ".join(plain(x, LISTED.language) for x in left_out[:20])
    connector = escape(t.connector_word(snapshot.connector))
    command = f"`{COMMAND} {connector} {plain(first.name, LISTED.name)}`"
    return t.nformat(
        "{count} more language not shown here ({listed}): list it with {command} and open it "
        "from the menu.",
        "{count} more languages not shown here ({listed}): list them with {command} and open "
        "one from the menu.",
        len(left_out),
        listed=listed,
        command=command,
    )


def _mark_variables(body: str) -> str:
    """The body escaped, clipped, with each {{variable}} shown as code."""
    shown = escape(clip(body, MAX_BODY_SHOWN).replace("`", "'"))
    return VARIABLE.sub(lambda m: f"`{m.group(0)}`", shown)


def _quote(text: str) -> str:
    return "\n".join(">" + line for line in text.splitlines() or [""])


def _block_text(block: Block) -> str:
    text = getattr(block, "text", None)
    return str(getattr(text, "text", "") or "")
