"""The slash-command grammar: text in, a Command out (pure). The help text lives here too.

    /wolkvox-sync                                   help (ayuda, ajuda)
    /wolkvox-sync <connector> [filters] [words] [--refresh]
    /wolkvox-sync <connector> show <template_name> [--refresh]
    /wolkvox-sync <connector> coverage [filters] [--refresh]   which names exist in which languages
    /wolkvox-sync <connector> check <template_name> [--refresh]   readiness across its languages
    /wolkvox-sync compare <connector> <connector> [filters] [--refresh]
    /wolkvox-sync <connector> history                its last syncs and what each changed
    /wolkvox-sync subscribe|unsubscribe <connector>  this channel gets its changes, or not
    /wolkvox-sync subscriptions                      what this channel is subscribed to
    /wolkvox-sync status                             calls today, syncs, cache, database, Redis
    /wolkvox-sync idioma [es|pt|en|auto]             the language the bot speaks to you
    /wolkvox-sync use [<operation>|none]             this channel's default operation

<connector> is 1 to 20 digits, `operation:digits` (`cliente_a:1234`) or an alias (from
WOLKVOX_CONNECTORS or an operation's own); which operation a bare id means is decided by the
door (`resolving.py`, `bot.operations.addressing`). Every command word is read
in English, Spanish and Portuguese, whatever the person's language (`Words` lists them); help
shows the words of the reader's language.

kinds.py (the Command values), tokens.py (splitting the text), grammar.py (parse), filters.py
(filters and words), reading.py (a typed connector, quoted back in errors), help.py. The words
of each language are in `bot.i18n.command_words`.
"""

from __future__ import annotations

from bot.commands import kinds
from bot.commands.filters import MAX_TERMS, MAX_WORD, parse_query, parse_query_text
from bot.commands.grammar import parse
from bot.commands.help import help_text
from bot.commands.kinds import *  # noqa: F403  (every Command, listed in kinds.__all__)
from bot.commands.reading import MAX_ECHO, echo, read_connector
from bot.commands.resolving import connectors_of, needs_operation, resolved
from bot.commands.tokens import MAX_COMMAND_CHARS, unescape_command_text
from bot.i18n.command_words import COMMAND, WORDS, Words, words

__all__ = [
    "COMMAND",
    "MAX_COMMAND_CHARS",
    "MAX_ECHO",
    "MAX_TERMS",
    "MAX_WORD",
    "WORDS",
    "Words",
    "connectors_of",
    "echo",
    "help_text",
    "needs_operation",
    "parse",
    "parse_query",
    "parse_query_text",
    "read_connector",
    "resolved",
    "unescape_command_text",
    "words",
]
__all__ += kinds.__all__
