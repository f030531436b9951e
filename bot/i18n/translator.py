"""One translator per language: the catalog's sentences, and numbers, ages and moments in that
language's own way (Babel). Catalogs are read from the `.po` files once, at first use."""

from __future__ import annotations

import gettext
import io
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, Language
from bot.templates.connectors import connector_label, operation_name, split_key

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "wolkvox"
JUST_NOW = 60  # seconds: younger than this is "just now"


def catalog_path(language: Language) -> Path:
    """Where a language's catalog lives (there is none for English: the msgids are English)."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translator:
    """The sentences and formats of one language. `_` and `ngettext` as gettext has them;
    `nformat` fills a plural sentence's {count} with the number written for this language.

    `several`: more than one Wolkvox operation exists, so a connector is named with its
    operation ("1234 · cliente_a"); with one, by its id alone, as before operations existed.
    `with_operations(several)` gives the (cached) translator that says so."""

    def __init__(
        self,
        language: Language,
        translations: gettext.NullTranslations,
        *,
        several: bool = False,
    ) -> None:
        self.language = language
        self.several = several
        self._translations = translations
        self._locale = {"en": "en", "es": "es", "pt_BR": "pt_BR"}[language]

    def __repr__(self) -> str:
        return f"Translator({self.language!r}{', several' if self.several else ''})"

    def with_operations(self, several: bool) -> Translator:
        """This language's translator naming (`several`) or not the operation of connectors."""
        if several == self.several:
            return self
        return _variant(self.language, several)

    def connector(self, key: str) -> str:
        """How a reply names a connector (plain text: escape it for mrkdwn): "1234", or
        "1234 · cliente_a" when several operations exist."""
        return connector_label(key, with_operation=self.several)

    def connector_word(self, key: str) -> str:
        """How a command names a connector, to copy: "1234", or "cliente_a:1234" when several
        operations exist (plain text)."""
        operation, number = split_key(key)
        operation = operation_name(operation)  # never the workspace
        return f"{operation}:{number}" if self.several and operation else number

    def connector_file(self, key: str) -> str:
        """How a file's name says the connector: "1234", or "cliente_a-1234" when several
        operations exist."""
        operation, number = split_key(key)
        operation = operation_name(operation)  # never the workspace
        return f"{operation}-{number}" if self.several and operation else number

    @property
    def name(self) -> str:
        """The language's name in itself, as a sentence writes it: "español"."""
        return self._(LANGUAGE_NAMES[self.language])

    def _(self, message: str) -> str:
        """`message` (an English msgid) in this language."""
        return self._translations.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural sentence this language uses for `n`."""
        return self._translations.ngettext(singular, plural, n)

    def nformat(self, singular: str, plural: str, n: int, **values: object) -> str:
        """ngettext, filled in: {count} is `n` written for this language, the rest `values`."""
        return self.ngettext(singular, plural, n).format(count=self.number(n), **values)

    def number(self, n: float) -> str:
        """5,000 in English; 5.000 in Spanish and Portuguese."""
        return format_decimal(n, locale=self._locale)

    def ago(self, age: timedelta) -> str:
        """ "3 min. ago", "hace 3 min", "há 3 min."; whole words from a day on."""
        if age.total_seconds() < JUST_NOW:
            return self._("just now")
        width: Literal["short", "long"] = "short" if age < timedelta(days=1) else "long"
        return format_timedelta(-age, add_direction=True, format=width, locale=self._locale)

    def moment(self, moment: datetime) -> str:
        """A time each reader sees in their own time zone and Slack's language (mrkdwn), with
        the UTC time for clients that can't show it."""
        token = self._("{date_short_pretty} at {time}")
        fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"<!date^{int(moment.timestamp())}^{token}|{fallback}>"


@cache
def translator(language: str = DEFAULT_LANGUAGE) -> Translator:
    """The translator for `language` ("en", "es", "pt_BR"); English for anything else."""
    if language not in LANGUAGES or language == "en":
        return Translator("en", gettext.NullTranslations())
    known: Language = next(x for x in LANGUAGES if x == language)
    return Translator(known, load_catalog(known))


@cache
def _variant(language: str, several: bool) -> Translator:
    """`translator(language)`'s sentences, naming (`several`) or not connectors' operations."""
    base = translator(language)
    if not several:
        return base
    return Translator(base.language, base._translations, several=True)


def load_catalog(language: Language) -> Translations:
    """A language's `.po` as gettext translations; fuzzy entries are left out (English shows)."""
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)
