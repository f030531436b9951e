"""What the bot says, in the reader's language: gettext catalogs (English msgids in the code,
`locales/<lang>/LC_MESSAGES/wolkvox.po` for Spanish and Brazilian Portuguese) read with Babel,
and numbers, ages and times written the way that language writes them.

    t = translator("es")
    t._("Connector {connector}").format(connector=...)
    t.nformat("{count} template", "{count} templates", n)   # "5.000 plantillas"

Update the catalogs after changing a message: `scripts/i18n` (pybabel extract + update).

    translator.py   one Translator per language: the catalog's sentences, numbers, ages, times
    languages.py    the languages spoken, and how a Slack locale or a typed word names one
    command_words.py  the slash command's words in every language (all read, help shows one)
    messages.py     the one place errors become words (for the user, and a hint for operators)
    summaries.py    the one-line summaries every door shows (a lookup's header, a sync's changes)
    mrkdwn.py       untrusted text made safe and short for Slack
"""

from __future__ import annotations

from bot.i18n.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    Language,
    language_from_slack_locale,
    read_language,
)
from bot.i18n.translator import Translator, translator

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "Language",
    "Translator",
    "language_from_slack_locale",
    "read_language",
    "translator",
]
