"""The CSV files the bot uploads, with headers and words in the reader's language (pure).

`bot.templates.export` writes them (one writer, cells made safe); this names the columns."""

from __future__ import annotations

from bot.i18n import Translator
from bot.templates import export
from bot.templates.diff import Changes
from bot.templates.model import Template


def template_columns(t: Translator) -> tuple[str, ...]:
    return (t._("name"), t._("language"), t._("category"), t._("variables"), t._("body"))


def change_columns(t: Translator) -> tuple[str, ...]:
    return (
        t._("change"),
        t._("name"),
        t._("language"),
        t._("category"),
        t._("what"),
        t._("before"),
        t._("after"),
    )


def templates_csv(templates: list[Template], t: Translator) -> str:
    """The (filtered) list of templates, one row each."""
    return export.templates_csv(templates, header=template_columns(t))


def changes_csv(changes: Changes, t: Translator) -> str:
    """Every change of a sync, one row per changed field."""
    words = {
        "added": t._("added"),
        "removed": t._("removed"),
        "changed": t._("changed"),
        "body": t._("body"),
        "category": t._("category"),
    }
    return export.changes_csv(changes, header=change_columns(t), words=words)


def csv_filename(connector: str, query_text: str, t: Translator) -> str:
    """wolkvox-1234-templates.csv ("plantillas", "modelos"), or wolkvox-1234-lang-pt.csv."""
    return export.csv_filename(connector, query_text, everything=t._("templates"))


def changes_filename(connector: str, stamp: str, t: Translator) -> str:
    """wolkvox-1234-changes-2026-11-24-1200.csv, in the channel's language."""
    return export.csv_filename(connector, t._("changes {stamp}").format(stamp=stamp))
