"""Which operation a typed connector means (pure).

    1234            the only operation's, else the channel's default (`use cliente_a`), else
                    a question: which operation? (OperationNeeded, nothing is called)
    cliente_a:1234  that operation's (UnknownOperation when there is none of that name)
    ventas          an alias: the connector key it was set for (resolved by the grammar)

With no operation at all, every connector is answered with NoOperations: an admin adds one.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import NoOperations, OperationNeeded, UnknownOperation
from bot.templates.connectors import canonical_connector, qualify, split_key


def resolve_connector(word: str, names: Sequence[str], channel_default: str | None = None) -> str:
    """The key (`operation:id`) of a connector typed as `word` (an id or a key), given the
    operations that exist (`names`) and the channel's default operation."""
    if not names:
        raise NoOperations()
    operation, number = split_key(canonical_connector(word))
    if operation:
        if operation not in names:
            raise UnknownOperation(operation, tuple(names))
        return qualify(operation, number)
    if len(names) == 1:
        return qualify(names[0], number)
    if channel_default and channel_default in names:
        return qualify(channel_default, number)
    raise OperationNeeded(number, tuple(names))
