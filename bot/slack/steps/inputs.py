"""A step's inputs as Workflow Builder sends them (`event["inputs"]`), read into domain values
(pure). A value the step can't use raises InputError in the reader's language, worded like
the command's own errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.commands import echo, read_connector
from bot.errors import InputError
from bot.i18n import Translator
from bot.templates.query import language_key

# The optional inputs a workflow builder maps to "Person who used this workflow" and
# "Channel where the workflow was used": Slack sends nothing else about who runs a workflow.
USER_INPUT = "user_id"
CHANNEL_INPUT = "channel_id"
MAX_NAME = 512  # Meta's longest template name
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:_[a-z0-9]{2,4})?")


@dataclass(frozen=True, slots=True)
class Runner:
    """Who runs the workflow and where, as far as the step was told ("" when not mapped)."""

    user_id: str
    channel_id: str


def text_input(inputs: Mapping[str, Any], name: str) -> str:
    """An input as text, trimmed; "" when missing or null."""
    value = inputs.get(name)
    return "" if value is None else str(value).strip()


def read_runner(inputs: Mapping[str, Any]) -> Runner:
    return Runner(text_input(inputs, USER_INPUT), text_input(inputs, CHANNEL_INPUT))


def read_step_connector(
    inputs: Mapping[str, Any], aliases: Mapping[str, str], t: Translator
) -> str:
    """The `connector` input: an id, `cliente_a:1234` or an alias, read as the command reads
    it (which operation an id alone is in is decided by `StepRun.connector`)."""
    word = text_input(inputs, "connector")
    if not word:
        raise InputError(
            t._(
                "This step needs a connector: the WhatsApp connector's id in Wolkvox Manager "
                "(digits only, like 1234) or an alias."
            )
        )
    return read_connector(word, aliases, t)


def read_template_name(inputs: Mapping[str, Any], t: Translator) -> str:
    """The `name` input: a template name, matched later in any case or accent."""
    name = text_input(inputs, "name")
    if not name or len(name) > MAX_NAME:
        raise InputError(
            t._(
                "This step needs the template's name as Meta has it, like "
                "recordatorio_pago (up to 512 characters)."
            )
        )
    return name


def read_language_code(inputs: Mapping[str, Any], t: Translator) -> str:
    """The optional `language` input as a loose Meta code ("pt-br" -> "pt_br"); "" when unset."""
    value = text_input(inputs, "language")
    if not value:
        return ""
    key = language_key(value)
    if _LANGUAGE.fullmatch(key):
        return key
    raise InputError(
        t._("{value} is not a language code: write Meta's code, like {examples}.").format(
            value=echo(value), examples=", ".join(f"`{x}`" for x in ("es", "es_MX", "pt_BR"))
        )
    )
