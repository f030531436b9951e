"""A template's readiness card as Block Kit (pure), for `check <name>`: a verdict, what to fix
before a campaign (one line per warning, most serious first), then each language's category,
variables and length side by side. An unknown name gets the closest names.

The readiness is computed before (`bot.templates.readiness`); this only words it.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, escape, one_line, plain
from bot.slack.action_ids import ACTION_CHECK_REFRESH, ACTION_CHECK_SHARE
from bot.slack.values import CheckRef, encode_check
from bot.slack.views.kit import (
    LISTED,
    MAX_FIELD_TEXT,
    About,
    Message,
    button,
    context,
    result_message,
    section,
)
from bot.slack.views.listing import expired_offer
from bot.slack.views.template import name_not_found, variables_line, variables_listed
from bot.templates.readiness import (
    BODY_LIMIT,
    CategoriesDiffer,
    MissingSibling,
    NearLimit,
    OverLimit,
    Readiness,
    ReadinessWarning,
    VariablesDiffer,
    Version,
)

FIELDS_PER_SECTION = 10  # Slack's limit
MAX_LANGUAGE_FIELDS = 30  # languages shown side by side; the rest are named in a note
MAX_VARIABLES_LISTED = 10
MAX_SETS_LISTED = 8  # variable sets or categories listed in one warning
MAX_LANGUAGES_LISTED = 12
EXCERPT = 90  # characters of each body shown under its language


def readiness_message(readiness: Readiness, about: About) -> Message:
    """The card for a known name, or the closest names for an unknown one."""
    t, snapshot = about.t, readiness.snapshot
    if not readiness.found:
        return name_not_found(snapshot, readiness.name, readiness.close_names, about)
    name = readiness.versions[0].template.name
    header = t.nformat(
        "{name} · {count} language",
        "{name} · {count} languages",
        len(readiness.versions),
        name=one_line(name),
    )
    body: list[Block] = [section(_verdict(readiness, t)), DividerBlock()]
    body += _version_fields(readiness.versions, t)
    return result_message(
        header,
        about.line(snapshot.synced_at),
        body,
        _fallback(readiness, name, t),
        about,
        actions=lambda: _actions(readiness, t),
    )


def readiness_expired(connector: str, name: str, text: str, t: Translator) -> Message:
    """The snapshot behind a button is gone: offer to check the same name again."""
    value = encode_check(CheckRef(connector, name))
    return expired_offer(text, button(t._("Refresh"), ACTION_CHECK_REFRESH, value, "primary"))


def _verdict(readiness: Readiness, t: Translator) -> str:
    count = len(readiness.versions)
    if readiness.ready:
        return t.nformat(
            ":white_check_mark: *Ready in {count} language:* its body is within Meta's limit "
            "and no language of its family is missing.",
            ":white_check_mark: *Ready in {count} languages:* the same variables and category "
            "in all of them, every body within Meta's limit, no language of their family "
            "missing.",
            count,
        )
    title = t.nformat(
        ":warning: *{count} thing to fix before a campaign*",
        ":warning: *{count} things to fix before a campaign*",
        len(readiness.warnings),
    )
    return "\n".join([title, *(_warning(w, t) for w in readiness.warnings)])


def _warning(warning: ReadinessWarning, t: Translator) -> str:
    if isinstance(warning, OverLimit | NearLimit):
        if isinstance(warning, OverLimit):
            text = t._(
                ":no_entry: The {language} body has {length} characters; Meta accepts at most "
                "{limit}."
            )
        else:
            text = t._(
                "The {language} body has {length} of {limit} characters: little room for edits."
            )
        return "• " + text.format(
            language=_language(warning.language),
            length=t.number(warning.length),
            limit=t.number(warning.limit),
        )
    if isinstance(warning, VariablesDiffer):
        if warning.counts_differ:
            title = t._("*The number of variables differs:*")
        else:
            title = t._("*The variables have different names:*")
        sets = [
            t._("{variables} in {languages}").format(
                variables=variables_listed(s.variables, t, limit=MAX_VARIABLES_LISTED),
                languages=_languages(s.languages),
            )
            for s in warning.sets[:MAX_SETS_LISTED]
        ]
        return "\n".join(["• " + title, *("      ◦ " + x for x in sets)])
    if isinstance(warning, CategoriesDiffer):
        groups = [
            t._("{category} in {languages}").format(
                category=plain(g.category, LISTED.category), languages=_languages(g.languages)
            )
            for g in warning.groups[:MAX_SETS_LISTED]
        ]
        return "\n".join(["• " + t._("*The category differs:*"), *("      ◦ " + x for x in groups)])
    return "• " + _missing_sibling(warning, t)


def _missing_sibling(warning: MissingSibling, t: Translator) -> str:
    return t.nformat(
        "*Missing in {missing}:* it exists in {present}, and the connector has other templates "
        "in that language.",
        "*Missing in {missing}:* it exists in {present}, and the connector has other templates "
        "in those languages.",
        len(warning.missing),
        missing=_languages(warning.missing),
        present=_languages(warning.present),
    )


def _version_field(version: Version, t: Translator) -> str:
    lines = [
        f"*{_language(version.language)}* · {plain(version.category, LISTED.category)}",
        variables_line(version.variables, t, limit=MAX_VARIABLES_LISTED),
        t._("{length} of {limit} characters").format(
            length=t.number(version.length), limit=t.number(BODY_LIMIT)
        ),
    ]
    body = one_line(version.template.body)
    if body:
        lines.append("“" + escape(clip(body, EXCERPT)) + "”")
    return clip("\n".join(lines), MAX_FIELD_TEXT)


def _language(language: str) -> str:
    return plain(language, LISTED.language)


def _languages(languages: Sequence[str]) -> str:
    listed = ", ".join(_language(x) for x in languages[:MAX_LANGUAGES_LISTED])
    return listed + (" …" if len(languages) > MAX_LANGUAGES_LISTED else "")


def _version_fields(versions: Sequence[Version], t: Translator) -> list[Block]:
    """Each language's field, side by side, and a note naming the languages left out."""
    shown = versions[:MAX_LANGUAGE_FIELDS]
    blocks: list[Block] = [
        SectionBlock(
            fields=[
                MarkdownTextObject(text=_version_field(v, t))
                for v in shown[at : at + FIELDS_PER_SECTION]
            ]
        )
        for at in range(0, len(shown), FIELDS_PER_SECTION)
    ]
    left_out = versions[MAX_LANGUAGE_FIELDS:]
    if left_out:
        listed = ", ".join(plain(v.language, LISTED.language) for v in left_out[:20])
        blocks.append(
            context(
                t.nformat(
                    "{count} more language not shown here: {listed}",
                    "{count} more languages not shown here: {listed}",
                    len(left_out),
                    listed=listed,
                )
            )
        )
    return blocks


def _fallback(readiness: Readiness, name: str, t: Translator) -> str:
    if readiness.ready:
        return t.nformat(
            "Template {name} is ready in {count} language",
            "Template {name} is ready in {count} languages",
            len(readiness.versions),
            name=plain(name, LISTED.name),
        )
    return t.nformat(
        "Template {name}: {count} thing to fix before a campaign",
        "Template {name}: {count} things to fix before a campaign",
        len(readiness.warnings),
        name=plain(name, LISTED.name),
    )


def _actions(readiness: Readiness, t: Translator) -> ActionsBlock:
    snapshot = readiness.snapshot
    name = readiness.versions[0].template.name
    refresh = encode_check(CheckRef(snapshot.connector, name))
    share = encode_check(CheckRef(snapshot.connector, name, snapshot.id))
    return ActionsBlock(
        elements=[
            button(t._("Refresh"), ACTION_CHECK_REFRESH, refresh),
            button(t._("Share in channel"), ACTION_CHECK_SHARE, share),
        ]
    )


__all__ = ["readiness_expired", "readiness_message"]
