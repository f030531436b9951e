"""Which operation a typed connector means (pure).

    1234            the only operation's, else the channel's default (`use cliente_a`), else
                    a question: which operation? (OperationNeeded, nothing is called)
    cliente_a:1234  that operation's (UnknownOperation when there is none of that name)
    ventas          an alias: the connector key it was set for (resolved by the grammar)

With no operation at all, every connector is answered with NoOperations: an admin adds one.

In distribution mode the key is scoped to the requester's workspace (`scope`):
`T0123ABCD/cliente_a:1234`. A key scoped to another workspace is UnknownOperation: a workspace
never reaches another's operations, whatever a value carries.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import NoOperations, OperationNeeded, UnknownOperation
from bot.templates.connectors import (
    canonical_connector,
    operation_name,
    qualify,
    scoped_operation,
    split_key,
    workspace_of,
)


def resolve_connector(
    word: str, names: Sequence[str], channel_default: str | None = None, *, scope: str = ""
) -> str:
    """The key (`operation:id`, scoped to `scope` when set) of a connector typed as `word`
    (an id or a key), given the operations that exist in that workspace (`names`, as typed)
    and the channel's default operation."""
    if not names:
        raise NoOperations()
    operation, number = split_key(canonical_connector(word))
    if operation:
        name = operation_name(operation)
        if workspace_of(operation) not in ("", scope) or name not in names:
            raise UnknownOperation(name, tuple(names))
        return qualify(scoped_operation(scope, name), number)
    if len(names) == 1:
        return qualify(scoped_operation(scope, names[0]), number)
    if channel_default and channel_default in names:
        return qualify(scoped_operation(scope, channel_default), number)
    raise OperationNeeded(number, tuple(names))
