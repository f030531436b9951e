"""What a connector id, a connector alias and an operation's name look like (pure): the one
definition every reader of a connector (the command grammar, button values, settings) uses.

A connector belongs to a Wolkvox operation (a customer account: its server, token and quota).
Inside the bot a connector is named by its *key*, `operation:id` (`cliente_a:1234`): caches,
kept snapshots, Redis keys, history rows, subscriptions and button values all use the key, so
two operations never share anything by accident. People type the id alone when the channel or
the bot has one operation to mean (`bot.operations.addressing`); replies show the id, and the
operation's name when more than one exists (`connector_label`).

In distribution mode (many Slack workspaces on one deployment) every operation belongs to one
workspace, and its name inside the bot is scoped: `T0123ABCD/cliente_a` (the workspace's team
id, or enterprise id for an org-wide install, `/`, the name people type), so its keys are
`T0123ABCD/cliente_a:1234` and two workspaces never share a cache entry, a kept snapshot, a
Redis key, a row or a button value. People never type the workspace (it is lowercase-free and
never shown): the door qualifies what they type with the requester's workspace.
"""

from __future__ import annotations

import re

MAX_CONNECTOR_DIGITS = 20
CONNECTOR_ID = re.compile(rf"[0-9]{{1,{MAX_CONNECTOR_DIGITS}}}")
ALIAS = re.compile(r"[a-z][a-z0-9_-]{0,31}")
OPERATION_NAME = re.compile(r"[a-z0-9_-]{1,32}")
# `use none` clears a channel's default operation: these can't name an operation
NO_OPERATION = ("none", "ninguna", "ninguno", "nenhuma", "nenhum")
KEY_SEPARATOR = ":"
SCOPE_SEPARATOR = "/"
# A Slack team id (T…) or enterprise id (E…): uppercase letters and digits
WORKSPACE_ID = re.compile(r"[TE][A-Z0-9]{2,31}")
# The first word of a command is a command word or a connector: these can't be aliases.
# The words are English, Spanish and Portuguese (bot.commands reads all three).
COMMAND_WORDS = frozenset(
    {
        *("help", "show", "history", "subscribe", "unsubscribe", "subscriptions", "language"),
        *("ayuda", "mostrar", "historial", "suscribir", "suscribirse", "desuscribir"),
        *("desuscribirse", "suscripciones", "idioma"),
        *("ajuda", "ver", "historico", "assinar", "desassinar", "cancelar-assinatura"),
        *("assinaturas", "inscrever", "inscrever-se", "seguir", "cancelar", "cancelar-inscricao"),
        *("coverage", "check", "compare", "cobertura", "revisar", "verificar", "comparar"),
        *("status", "estado", "use", "usar"),
    }
)


def is_connector_id(word: str) -> bool:
    """1 to 20 ASCII digits (full-width and other Unicode digits are not ids)."""
    return CONNECTOR_ID.fullmatch(word) is not None


def is_operation_name(word: str) -> bool:
    """1 to 32 of a-z, 0-9, `_` and `-` (`cliente_a`, `bpo-2`)."""
    return OPERATION_NAME.fullmatch(word) is not None


def canonical_connector(word: str) -> str:
    """One spelling per connector: `01234` and `1234` are the same id (`000` is `0`), and
    `cliente_a:01234` is `cliente_a:1234`.

    Anything that is not a connector id or key is returned as it is.
    """
    operation, sep, number = word.rpartition(KEY_SEPARATOR)
    if sep and is_scoped_name(operation) and is_connector_id(number):
        return qualify(operation, number)
    if not is_connector_id(word):
        return word
    return word.lstrip("0") or "0"


def qualify(operation: str, connector: str) -> str:
    """The key of connector `connector` (an id, or a key already) in `operation`."""
    _, _, number = connector.rpartition(KEY_SEPARATOR)
    return f"{operation}{KEY_SEPARATOR}{number.lstrip('0') or '0'}"


def split_key(key: str) -> tuple[str, str]:
    """`cliente_a:1234` -> ("cliente_a", "1234"); `T0123ABCD/cliente_a:1234` ->
    ("T0123ABCD/cliente_a", "1234"); a bare id -> ("", "1234")."""
    operation, _, number = key.rpartition(KEY_SEPARATOR)
    return operation, number


def is_connector_key(word: str) -> bool:
    """`operation:id` (or `T0123ABCD/operation:id`), every part well formed."""
    operation, sep, number = word.rpartition(KEY_SEPARATOR)
    return bool(sep) and is_scoped_name(operation) and is_connector_id(number)


def is_workspace_id(word: str) -> bool:
    """A Slack team id (`T0123ABCD`) or enterprise id (`E0123ABCD`)."""
    return WORKSPACE_ID.fullmatch(word) is not None


def is_scoped_name(word: str) -> bool:
    """An operation's name inside the bot: `cliente_a`, or `T0123ABCD/cliente_a`."""
    workspace, sep, name = word.partition(SCOPE_SEPARATOR)
    if not sep:
        return is_operation_name(word)
    return is_workspace_id(workspace) and is_operation_name(name)


def scoped_operation(workspace: str, name: str) -> str:
    """The name inside the bot of operation `name` of `workspace` ("" in single-workspace
    mode: the name itself). `name` may be scoped already (to `workspace`)."""
    name = operation_name(name)
    return f"{workspace}{SCOPE_SEPARATOR}{name}" if workspace else name


def workspace_of(key_or_operation: str) -> str:
    """The workspace a connector key or an operation's name belongs to: "T0123ABCD", or ""
    (single-workspace mode, or a bare id)."""
    operation, _, _ = key_or_operation.rpartition(KEY_SEPARATOR)
    workspace, sep, _ = (operation or key_or_operation).partition(SCOPE_SEPARATOR)
    return workspace if sep else ""


def operation_name(operation: str) -> str:
    """The name people type: `T0123ABCD/cliente_a` -> "cliente_a" (unscoped: as it is)."""
    return operation.rpartition(SCOPE_SEPARATOR)[2]


def connector_id(key: str) -> str:
    """The id people know a connector by: `cliente_a:1234` -> "1234"."""
    return split_key(key)[1]


def operation_of(key: str) -> str:
    """The operation a connector key belongs to, scoped as the key is ("" for a bare id)."""
    return split_key(key)[0]


def connector_label(key: str, *, with_operation: bool) -> str:
    """How a reply names a connector: "1234", or "1234 · cliente_a" when several operations
    exist (`with_operation`); never the workspace. Plain text: the caller escapes it for
    mrkdwn."""
    operation, number = split_key(key)
    if with_operation and operation:
        return f"{number} · {operation_name(operation)}"
    return number


def read_aliases(value: str) -> dict[str, str]:
    """WOLKVOX_CONNECTORS="ventas=1234,soporte=cliente_a:5678" -> {"ventas": "1234",
    "soporte": "cliente_a:5678"}: a bare id belongs to the environment's operation.

    Raises ValueError naming the part that is wrong.
    """
    aliases: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, number = (x.strip() for x in part.partition("="))
        name = name.lower()
        if not sep or not ALIAS.fullmatch(name) or not is_connector_word(number):
            raise ValueError(
                f"{part!r} is not alias=digits or alias=operation:digits "
                "(an alias starts with a letter: a-z, 0-9, _ or -)"
            )
        if name in COMMAND_WORDS:
            raise ValueError(f"{name!r} is a command word and can't be an alias")
        aliases[name] = canonical_connector(number)
    return aliases


def is_connector_word(word: str) -> bool:
    """A connector id or key: `1234`, `cliente_a:1234` (or `T0123ABCD/cliente_a:1234`)."""
    return is_connector_id(word) or is_connector_key(word)
