"""Reading a connector the person typed (an id, `operation:id` or an alias), and quoting input
back in the errors that refuse it. Which operation a bare id means is decided later, by the
door that knows the operations and the channel (`bot.operations.addressing`)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import InputError
from bot.i18n import Translator, translator
from bot.i18n.command_words import COMMAND
from bot.i18n.mrkdwn import code
from bot.templates.connectors import (
    KEY_SEPARATOR,
    MAX_CONNECTOR_DIGITS,
    canonical_connector,
    is_connector_id,
    is_connector_key,
)

MAX_ECHO = 40  # how much of a bad word is quoted back


def read_connector(
    word: str, aliases: Mapping[str, str] | None = None, t: Translator | None = None
) -> str:
    """A connector id (1 to 20 ASCII digits, leading zeros dropped: `01234` is `1234`), a
    connector key (`cliente_a:1234`, the operation's name in any case) or a known alias's
    connector (`aliases` maps each to an id or a key); else InputError (in `t`'s language)."""
    if is_connector_id(word):
        return canonical_connector(word)
    t = t or translator("en")
    if is_connector_key(word.lower()):
        return canonical_connector(word.lower())
    _, sep, number = word.rpartition(KEY_SEPARATOR)
    if sep and number.isascii() and number.isdigit():  # meant as operation:id, malformed
        raise InputError(
            t._(
                "{word} is not a connector: write the operation's name, a colon and the "
                "connector's id, like {example} (a name has lowercase letters, digits, _ and -; "
                "an id has 1 to {most} digits)."
            ).format(word=echo(word), example="`cliente_a:1234`", most=MAX_CONNECTOR_DIGITS)
        )
    if word.isascii() and word.isdigit():
        raise InputError(
            t._(
                "A connector id has 1 to {most} digits; that one has {length}. Check the id in "
                "Wolkvox Manager and try {example}."
            ).format(
                most=MAX_CONNECTOR_DIGITS,
                length=t.number(len(word)),
                example=f"`{COMMAND} 1234`",
            )
        )
    aliases = aliases or {}
    if word.lower() in aliases:
        return canonical_connector(aliases[word.lower()])
    raise InputError(_not_a_connector(word, aliases, t))


def _not_a_connector(word: str, aliases: Mapping[str, str], t: Translator) -> str:
    if aliases:
        text = t._(
            "{word} is not a connector id or a known alias: connector ids are digits only (the "
            "WhatsApp connector's number in Wolkvox Manager), like {example}. Known aliases: "
            "{aliases}."
        )
    else:
        text = t._(
            "{word} is not a connector id: connector ids are digits only (the WhatsApp "
            "connector's number in Wolkvox Manager), like {example}."
        )
    return text.format(
        word=echo(word),
        example=f"`{COMMAND} 1234`",
        aliases=", ".join(f"`{a}`" for a in sorted(aliases)),
    )


def echo(word: str) -> str:
    """User input quoted back as a bounded, escaped code span."""
    return code(word, MAX_ECHO)


def refuse_over(size: int, most: int, t: Translator, message: str, **values: str) -> None:
    """InputError when `size` is over `most`: `message`, its {length} (or {count}) and {most}
    written as numbers in `t`'s language (`1,000`, `1.000`)."""
    if size > most:
        number = t.number(size)
        raise InputError(message.format(length=number, count=number, most=t.number(most), **values))
