"""The languages the bot speaks, and how a Slack locale or a typed word names one (pure)."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "es", "pt_BR"]
LANGUAGES: tuple[Language, ...] = ("en", "es", "pt_BR")
DEFAULT_LANGUAGE: Language = "en"


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it where it is used."""
    return message


# Each language's name, as a sentence names it in that same language ("in {language}"):
# "English", "español", "português" (the catalogs say how).
LANGUAGE_NAMES: dict[Language, str] = {
    "en": N_("English"),
    "es": N_("Spanish"),
    "pt_BR": N_("Portuguese"),
}

# What people type after `idioma` / `language` (folded: lower case, no accents).
_WORDS: dict[str, Language] = {
    "en": "en",
    "english": "en",
    "ingles": "en",
    "es": "es",
    "espanol": "es",
    "castellano": "es",
    "espanhol": "es",  # in Portuguese
    "castelhano": "es",
    "spanish": "es",
    "pt": "pt_BR",
    "pt_br": "pt_BR",
    "br": "pt_BR",
    "portugues": "pt_BR",
    "portuguese": "pt_BR",
}


def language_from_slack_locale(locale: str) -> Language | None:
    """Slack's `users.info` locale ("es-LA", "es-ES", "pt-BR", "en-US") as one of ours; None
    for a language the bot does not speak."""
    base = locale.replace("_", "-").split("-")[0].lower()
    if base == "es":
        return "es"
    if base == "pt":
        return "pt_BR"
    if base == "en":
        return "en"
    return None


def read_language(word: str) -> Language | None:
    """A language as typed ("es", "pt-BR", "português", "English"); None when not one of ours."""
    folded = word.strip().lower().replace("-", "_")
    for accented, bare in (("ñ", "n"), ("é", "e"), ("ê", "e"), ("ú", "u")):
        folded = folded.replace(accented, bare)
    if folded in _WORDS:
        return _WORDS[folded]
    return language_from_slack_locale(folded) if "_" in folded else None  # es_MX, en_US
