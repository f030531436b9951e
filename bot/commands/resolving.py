"""A parsed command's connectors, as typed (an id, or `operation:id`), made keys (pure).

The grammar reads what people type; which operation a bare id means depends on the
operations that exist and on the channel (`bot.operations.addressing.resolve_connector`),
which the door knows. `resolved(command, resolve, t)` applies its `resolve` to every
connector of the command before anything reads a cache or calls Wolkvox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.commands import kinds
from bot.commands.grammar import same_sides
from bot.commands.kinds import Command
from bot.i18n import Translator
from bot.templates.connectors import is_connector_key

OnConnector = (
    kinds.Lookup
    | kinds.Show
    | kinds.Coverage
    | kinds.Check
    | kinds.History
    | kinds.Subscribe
    | kinds.Unsubscribe
)
_ON_CONNECTOR = (
    kinds.Lookup,
    kinds.Show,
    kinds.Coverage,
    kinds.Check,
    kinds.History,
    kinds.Subscribe,
    kinds.Unsubscribe,
)


def connectors_of(command: Command) -> tuple[str, ...]:
    """The connectors `command` names, in order (none for help, status, `use`…)."""
    if isinstance(command, kinds.Compare):
        return (command.left, command.right)
    if isinstance(command, _ON_CONNECTOR):
        return (command.connector,)
    return ()


def needs_operation(command: Command) -> bool:
    """Whether a connector of `command` is a bare id (its operation still to be decided)."""
    return any(not is_connector_key(c) for c in connectors_of(command))


def resolved(command: Command, resolve: Callable[[str], str], t: Translator) -> Command:
    """`command` with each connector replaced by `resolve(connector)` (its key). What
    `resolve` raises (NoOperations, UnknownOperation, OperationNeeded) goes through; the two
    sides of `compare` resolving to one connector is an InputError."""
    if isinstance(command, kinds.Compare):
        left, right = resolve(command.left), resolve(command.right)
        if left == right:
            raise same_sides(t.connector_word(left), t)
        return replace(command, left=left, right=right)
    if isinstance(command, _ON_CONNECTOR):
        return replace(command, connector=resolve(command.connector))
    return command


__all__ = ["OnConnector", "connectors_of", "needs_operation", "resolved"]
