"""Which connectors the console's words mean: an id (`1234`), a key (`cliente_a:1234`) or an
alias, read as the Slack command reads them (`bot.commands.read_connector`), then made a key
against the operations in effect (`bot.operations.addressing.resolve_connector`): a bare id
is the only operation's; with several, the console asks for `operation:id`. In distribution
mode the book is one workspace's (`--workspace`), and the keys are scoped to it.

Reading happens twice: first without the database (`check_words`: a word that can never name
a connector is refused before anything is opened), then with the operations loaded
(`resolve_words`: aliases stored with an operation are known only then).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.commands import read_connector
from bot.config import Settings
from bot.console.arguments import PROGRAM
from bot.console.text import safe
from bot.errors import InputError, NoOperations, OperationError, OperationNeeded, UnknownOperation
from bot.i18n import Translator
from bot.operations.addressing import resolve_connector
from bot.operations.book import OperationBook
from bot.templates.connectors import ALIAS, qualify

ADD_COMMAND = f"{PROGRAM} operation add NAME --server 0032"


def typed_aliases(settings: Settings) -> Mapping[str, str]:
    """The aliases WOLKVOX_CONNECTORS sets: single-workspace mode's (they belong to the
    environment's operation, which distribution mode does not have)."""
    return {} if settings.distribution else settings.aliases


def check_words(words: Sequence[str], aliases: Mapping[str, str], t: Translator) -> None:
    """InputError for the first word that can't be a connector whatever the database holds
    (too many digits, a malformed `operation:id`, punctuation...). An unknown word shaped like
    an alias may be one stored with an operation: `resolve_words` decides."""
    for word in words:
        if ALIAS.fullmatch(word.lower()) and word.lower() not in aliases:
            continue
        read_connector(word, aliases, t)


def resolve_words(words: Sequence[str], book: OperationBook, t: Translator) -> tuple[str, ...]:
    """The key of each word's connector, in order; InputError (in `t`'s language) names the
    first that can't be resolved."""
    aliases, names = book.aliases(), book.names()
    keys = []
    for word in words:
        target = read_connector(word, aliases, t)
        try:
            keys.append(resolve_connector(target, names, scope=book.workspace))
        except OperationError as error:
            raise InputError(operation_problem(error, t, book.workspace)) from None
    return tuple(keys)


def operation_problem(error: OperationError, t: Translator, workspace: str = "") -> str:
    """Why a connector can't be resolved, for a terminal: no operation yet, no operation of
    that name, or which operation a bare id is in (of `workspace` in distribution mode)."""
    if isinstance(error, OperationNeeded):
        choices = [qualify(name, error.connector) for name in error.names]
        return t._("connector {connector}: which operation? use {choices}").format(
            connector=error.connector, choices=_either(choices, t)
        )
    if isinstance(error, UnknownOperation) and error.known:
        return t._("There is no operation named {name}. There are: {names}.").format(
            name=safe(error.name, 40), names=", ".join(error.known)
        )
    if isinstance(error, NoOperations | UnknownOperation):
        return no_operations(t, workspace)
    return str(error)


def no_operations(t: Translator, workspace: str = "") -> str:
    """No operation at all (in `workspace`, distribution mode): how to add one."""
    command = f"{ADD_COMMAND} --workspace {workspace}" if workspace else ADD_COMMAND
    return t._(
        "No Wolkvox operation is set up yet: add one with {command} (the token is read from "
        "standard input), or in the bot's App Home in Slack."
    ).format(command=command)


def _either(choices: Sequence[str], t: Translator) -> str:
    """ "a or b", "a, b or c"."""
    if len(choices) == 1:
        return choices[0]
    return t._("{some} or {last}").format(some=", ".join(choices[:-1]), last=choices[-1])
