"""Command-line words -> connector ids and a Query, with the Slack command's grammar (pure).

The shell has already split the line and removed its quotes: a word holding a space was a
quoted phrase, so it is quoted again before the words are read as the Slack command reads
its text (`lang:es`, `-category:marketing`, words, "phrases"). Errors are InputError in the
reader's language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from bot.commands import MAX_COMMAND_CHARS, parse_query_text, read_connector
from bot.errors import InputError
from bot.i18n import Translator
from bot.templates.query import Query

PROGRAM = "wolkvox-sync"


def read_connectors(
    words: Sequence[str], aliases: Mapping[str, str], t: Translator
) -> tuple[str, ...]:
    """Connector ids from digits or aliases (WOLKVOX_CONNECTORS), as the Slack command
    reads them: `01234` is `1234`."""
    return tuple(read_connector(word, aliases, t) for word in words)


def read_filters(words: Sequence[str], command: str, t: Translator) -> Query:
    """The filters and search words after the connectors."""
    text = " ".join(filter(None, (command_word(w) for w in words)))
    example = f"`{PROGRAM} {command} 1234`"
    if len(text) > MAX_COMMAND_CHARS:
        raise InputError(
            t._(
                "That command is {length} characters long; the most I read is {most}. "
                "Try {example}."
            ).format(length=t.number(len(text)), most=t.number(MAX_COMMAND_CHARS), example=example)
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise InputError(
            t._(
                "That command contains control or invisible characters. Type it again as plain "
                "text, like {example}."
            ).format(example=example)
        )
    return parse_query_text(text, t)


def command_word(word: str) -> str:
    """One shell word as the Slack command would have it typed: a phrase quoted again
    (`-"feliz navidad"` excludes it), in curly quotes when it holds a straight one."""
    word = " ".join(word.split())
    if " " not in word:
        return word
    minus, phrase = ("-", word[1:].lstrip()) if word.startswith("-") else ("", word)
    return f'{minus}"{phrase}"' if '"' not in phrase else f"{minus}“{phrase}”"
