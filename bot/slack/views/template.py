"""One template in full: `show <name>` across its languages, and one version from the Open
menu (pure). The versions are found before (`bot.templates.lookup.find_versions`)."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.slack.commands import COMMAND
from bot.slack.mrkdwn import clip, code, escape, one_line, plain
from bot.slack.views.kit import (
    MAX_BLOCKS,
    MAX_HEADER,
    About,
    Message,
    context,
    message,
    plural,
    section,
    synced_phrase,
)
from bot.templates.lookup import TemplateVersions
from bot.templates.model import VARIABLE, Snapshot, Template
from bot.templates.samples import preview

MAX_LISTED_NAME = 60
MAX_LISTED_LANGUAGE = 16
MAX_LISTED_CATEGORY = 24
MAX_BODY_SHOWN = 1400  # per body and per preview; Meta's limit is 1,024
DETAIL_BUDGET = 8000  # characters of template detail in one message
MAX_VARIABLES_LISTED = 20


def template_message(found: TemplateVersions, about: About) -> Message:
    """`show <name>`: every language version of one template in full, or the closest names."""
    snapshot = found.snapshot
    line, warning = about.line(snapshot.synced_at), about.warning
    if not found.versions:
        return _not_found(found, line, warning)
    first = found.versions[0]
    header = f"{one_line(first.name)} · {plural(len(found.versions), 'language')}"
    blocks: list[Block] = [HeaderBlock(text=clip(header, MAX_HEADER)), context(line)]
    if warning:
        blocks.append(section(f":warning: {warning}"))
    used = 0
    left_out: list[str] = []
    for template in found.versions:
        detail = detail_blocks(template)
        size = sum(len(_block_text(b)) for b in detail)
        if used + size > DETAIL_BUDGET or len(blocks) + len(detail) > MAX_BLOCKS - 2:
            left_out.append(template.language)
            continue
        blocks += [DividerBlock(), *detail]
        used += size
    if left_out:
        blocks.append(context(_left_out_note(snapshot, first, left_out)))
    languages = len(found.versions)
    fallback = f"Template {plain(first.name, MAX_LISTED_NAME)} ({languages} languages)"
    return message(fallback, blocks)


def detail_message(snapshot: Snapshot, template: Template, *, now: datetime) -> Message:
    """One template in full (from the Open menu)."""
    line = f"Connector {escape(snapshot.connector)} · " + synced_phrase(
        snapshot.synced_at, now, "cache"
    )
    blocks: list[Block] = [*detail_blocks(template), context(line)]
    return message(f"Template {plain(template.name, MAX_LISTED_NAME)}", blocks)


def detail_blocks(template: Template) -> list[Block]:
    """Name, language, category and variables; the body with its variables marked; a preview."""
    variables = template.variables
    heading = (
        f"*{code(template.name, 200)}* · {plain(template.language, MAX_LISTED_LANGUAGE)} · "
        f"{plain(template.category, MAX_LISTED_CATEGORY)}"
    )
    if variables:
        listed = ", ".join(code("{{" + v + "}}", 70) for v in variables[:MAX_VARIABLES_LISTED])
        more = len(variables) - MAX_VARIABLES_LISTED
        heading += f"\n{plural(len(variables), 'variable')}: {listed}"
        heading += f" and {more} more" if more > 0 else ""
    else:
        heading += "\nNo variables"
    body = _quote(_mark_variables(template.body)) if template.body.strip() else "_(empty body)_"
    sample = _quote(escape(clip(preview(template.body), MAX_BODY_SHOWN)))
    return [
        section(heading),
        section(f"*Body*\n{body}"),
        section(f"*Preview with sample values*\n{sample}"),
    ]


def _not_found(found: TemplateVersions, line: str, warning: str) -> Message:
    snapshot = found.snapshot
    text = (
        f"Connector *{escape(snapshot.connector)}* has no template named "
        f"{code(found.name, MAX_LISTED_NAME)} (among {plural(snapshot.count, 'template')})."
    )
    if found.close_names:
        names = ", ".join(code(n, MAX_LISTED_NAME) for n in found.close_names)
        text += f" Closest names: {names}."
    blocks: list[Block] = [section(text), context(line)]
    if warning:
        blocks.append(section(f":warning: {warning}"))
    return message(f"No template named {plain(found.name, MAX_LISTED_NAME)}", blocks)


def _left_out_note(snapshot: Snapshot, first: Template, left_out: list[str]) -> str:
    listed = ", ".join(plain(x, MAX_LISTED_LANGUAGE) for x in left_out[:20])
    return (
        f"{plural(len(left_out), 'more language')} not shown here ({listed}): "
        f"list them with `{COMMAND} {escape(snapshot.connector)} "
        f"{plain(first.name, MAX_LISTED_NAME)}` and open one from the menu."
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
