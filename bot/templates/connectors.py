"""What a connector id and a connector alias look like (pure): the one definition every reader
of a connector (the command grammar, button values, settings) uses."""

from __future__ import annotations

import re

MAX_CONNECTOR_DIGITS = 20
CONNECTOR_ID = re.compile(rf"[0-9]{{1,{MAX_CONNECTOR_DIGITS}}}")
ALIAS = re.compile(r"[a-z][a-z0-9_-]{0,31}")
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
        *("status", "estado"),
    }
)


def is_connector_id(word: str) -> bool:
    """1 to 20 ASCII digits (full-width and other Unicode digits are not ids)."""
    return CONNECTOR_ID.fullmatch(word) is not None


def canonical_connector(word: str) -> str:
    """One spelling per connector: `01234` and `1234` are the same id (`000` is `0`).

    Anything that is not a connector id is returned as it is.
    """
    if not is_connector_id(word):
        return word
    return word.lstrip("0") or "0"


def read_aliases(value: str) -> dict[str, str]:
    """WOLKVOX_CONNECTORS="ventas=1234,soporte=5678" -> {"ventas": "1234", ...}.

    Raises ValueError naming the part that is wrong.
    """
    aliases: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, number = (x.strip() for x in part.partition("="))
        name = name.lower()
        if not sep or not ALIAS.fullmatch(name) or not is_connector_id(number):
            raise ValueError(
                f"{part!r} is not alias=digits (an alias starts with a letter: a-z, 0-9, _ or -)"
            )
        if name in COMMAND_WORDS:
            raise ValueError(f"{name!r} is a command word and can't be an alias")
        aliases[name] = number
    return aliases
