"""The words of the slash command: every command word in English, Spanish and Portuguese
(all are read, whatever the person's language) and the ones help shows in each language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.languages import Language
from bot.i18n.translator import Translator
from bot.templates.connectors import NO_OPERATION as NO_OPERATION  # `use none` clears it

COMMAND = "/wolkvox-sync"

DASHES = ("--", "—", "–")  # phones and macOS turn -- into a dash
REFRESH = tuple(d + w for d in DASHES for w in ("refresh", "actualizar", "atualizar"))
HELP = ("help", "-h", "--help", "?", "ayuda", "ajuda")
SHOW = ("show", "mostrar", "ver")
COVERAGE = ("coverage", "cobertura")
CHECK = ("check", "revisar", "verificar")
COMPARE = ("compare", "comparar")
HISTORY = ("history", "historial", "historico")  # folded: histórico
# A Brazilian subscribes with "assinar", "inscrever" or "seguir" and leaves with "cancelar"
# (short for "cancelar a assinatura"); "cancelar" is no other command's word in any language.
SUBSCRIBE = (
    "subscribe", "suscribir", "suscribirse", "assinar", "inscrever", "inscrever-se", "seguir",
)  # fmt: skip
UNSUBSCRIBE = (
    "unsubscribe", "desuscribir", "desuscribirse", "desassinar", "cancelar", "cancelar-assinatura",
    "cancelar-inscricao",  # folded: cancelar-inscrição
)  # fmt: skip
SUBSCRIPTIONS = ("subscriptions", "suscripciones", "assinaturas")
LANGUAGE_COMMAND = ("language", "idioma")
# a subscription's cadence: one digest a day or a week instead of a post after every sync
# (folded: --diário); the dashes as phones and macOS write them
DAILY = tuple(d + w for d in DASHES for w in ("daily", "diario"))
WEEKLY = tuple(d + w for d in DASHES for w in ("weekly", "semanal"))
STATUS = ("status", "estado")
USE = ("use", "usar")  # `use cliente_a`: the channel's default operation
LANGUAGE_KEYS = ("lang", "language", "idiom", "idioma")
CATEGORY_KEYS = ("category", "cat", "categoria")  # folded: categoría
# Meta's categories (what replies show) as people write them in Spanish and Portuguese
# (folded: any case, any accent); Meta's own English words are read as they are.
CATEGORY_WORDS = {
    "utilidad": "utility",
    "utilidade": "utility",
    "autenticacion": "authentication",  # autenticación
    "autenticacao": "authentication",  # autenticação
    "mercadeo": "marketing",  # Colombia's word for it; marketing is marketing everywhere
}
BACK_TO_SLACK = ("auto", "slack")
# What `idioma` takes for each language (help and errors show the reader's own first).
LANGUAGE_CODES: dict[Language, str] = {"es": "es", "pt_BR": "pt", "en": "en"}


@dataclass(frozen=True, slots=True)
class Words:
    """The command words help shows in one language (every language's words are read)."""

    help: str
    show: str
    history: str
    subscribe: str
    unsubscribe: str
    subscriptions: str
    language: str
    refresh: str
    lang: str
    category: str
    example_word: str
    example_phrase: str
    example_name: str
    categories: tuple[str, str, str] = ("marketing", "utility", "authentication")
    coverage: str = "coverage"
    check: str = "check"
    compare: str = "compare"
    status: str = "status"
    use: str = "use"
    none: str = "none"
    daily: str = "--daily"
    weekly: str = "--weekly"


WORDS: dict[Language, Words] = {
    "en": Words(
        "help", "show", "history", "subscribe", "unsubscribe", "subscriptions", "language",
        "--refresh", "lang:", "category:", "navidad", "feliz navidad", "recordatorio_pago",
        coverage="coverage", check="check", compare="compare", status="status",
        use="use", none="none",
    ),
    "es": Words(
        "ayuda", "mostrar", "historial", "suscribir", "desuscribir", "suscripciones", "idioma",
        "--actualizar", "idioma:", "categoría:", "navidad", "feliz navidad", "recordatorio_pago",
        categories=("marketing", "utilidad", "autenticación"),
        coverage="cobertura", check="revisar", compare="comparar", status="estado",
        use="usar", none="ninguna", daily="--diario", weekly="--semanal",
    ),
    "pt_BR": Words(
        "ajuda", "ver", "histórico", "assinar", "cancelar", "assinaturas", "idioma",
        "--atualizar", "idioma:", "categoria:", "natal", "feliz natal", "lembrete_pagamento",
        categories=("marketing", "utilidade", "autenticação"),
        coverage="cobertura", check="verificar", compare="comparar", status="status",
        use="usar", none="nenhuma", daily="--diário", weekly="--semanal",
    ),
}  # fmt: skip


def words(t: Translator) -> Words:
    """The command words of `t`'s language."""
    return WORDS[t.language]
