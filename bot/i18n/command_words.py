"""The words of the slash command: every command word in English, Spanish and Portuguese
(all are read, whatever the person's language) and the ones help shows in each language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.languages import Language
from bot.i18n.translator import Translator

COMMAND = "/wolkvox-sync"

DASHES = ("--", "—", "–")  # phones and macOS turn -- into a dash
REFRESH = tuple(d + w for d in DASHES for w in ("refresh", "actualizar", "atualizar"))
HELP = ("help", "-h", "--help", "?", "ayuda", "ajuda")
SHOW = ("show", "mostrar", "ver")
COVERAGE = ("coverage", "cobertura")
CHECK = ("check", "revisar", "verificar")
COMPARE = ("compare", "comparar")
HISTORY = ("history", "historial", "historico")  # folded: histórico
SUBSCRIBE = ("subscribe", "suscribir", "suscribirse", "assinar")
UNSUBSCRIBE = ("unsubscribe", "desuscribir", "desuscribirse", "desassinar", "cancelar-assinatura")
SUBSCRIPTIONS = ("subscriptions", "suscripciones", "assinaturas")
LANGUAGE_COMMAND = ("language", "idioma")
STATUS = ("status", "estado")
LANGUAGE_KEYS = ("lang", "language", "idiom", "idioma")
CATEGORY_KEYS = ("category", "cat", "categoria")  # folded: categoría
BACK_TO_SLACK = ("auto", "slack")


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
    coverage: str = "coverage"
    check: str = "check"
    compare: str = "compare"
    status: str = "status"


WORDS: dict[Language, Words] = {
    "en": Words(
        "help", "show", "history", "subscribe", "unsubscribe", "subscriptions", "language",
        "--refresh", "lang:", "category:", "navidad", "feliz navidad", "recordatorio_pago",
        coverage="coverage", check="check", compare="compare", status="status",
    ),
    "es": Words(
        "ayuda", "mostrar", "historial", "suscribir", "desuscribir", "suscripciones", "idioma",
        "--actualizar", "idioma:", "categoría:", "navidad", "feliz navidad", "recordatorio_pago",
        coverage="cobertura", check="revisar", compare="comparar", status="estado",
    ),
    "pt_BR": Words(
        "ajuda", "ver", "histórico", "assinar", "desassinar", "assinaturas", "idioma",
        "--atualizar", "idioma:", "categoria:", "natal", "feliz natal", "lembrete_pagamento",
        coverage="cobertura", check="verificar", compare="comparar", status="status",
    ),
}  # fmt: skip


def words(t: Translator) -> Words:
    """The command words of `t`'s language."""
    return WORDS[t.language]
