"""Every plural message, in every language, with 0, 1, 2 and 5,000: the number is written the
language's way, no placeholder is left, the count's words agree with it ("1 plantilla", "0
modelos"), no article stands before a count of one ("La 1 plantilla", "O 1 modelo"), and no
verb agrees with one number while the form follows another ("1 de 1 plantilla coinciden").
The messages issue 19 named get exact expectations."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.errors import QuotaExceeded, QuotaSpent
from bot.i18n import LANGUAGES, Translator, translator
from bot.i18n.messages import cause, cooldown_note, describe, quota_spent_note
from bot.slack.steps.wording import runner_needed
from bot.slack.views.changes import who
from bot.slack.views.status import quota_warning

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"ngettext": (1, 2), "nformat": (1, 2)}
COUNTS = (0, 1, 2, 5000)
WRITTEN = {"en": "5,000", "es": "5.000", "pt_BR": "5.000"}


def plural_messages() -> list[tuple[str, str]]:
    """Every (singular, plural) msgid the code passes to nformat or ngettext."""
    found = {
        text[0]: text
        for _, _, text, _, _ in extract_from_dir(str(ROOT / "bot"), keywords=KEYWORDS)
        if isinstance(text, tuple)
    }
    return sorted(found.values())


PLURALS = plural_messages()

# The words a count governs: (singular, plural) in each language. After "1" only the
# singular may come; after 0, 2 or 5,000 only the plural (Portuguese too: "0 modelos").
COUNTED = {
    "en": [
        ("template", "templates"), ("language", "languages"), ("sync", "syncs"),
        ("entry", "entries"), ("row", "rows"), ("difference", "differences"),
        ("thing", "things"), ("variable", "variables"),
    ],
    "es": [
        ("plantilla", "plantillas"), ("idioma", "idiomas"), ("entrada", "entradas"),
        ("sincronización", "sincronizaciones"), ("fila", "filas"), ("diferencia", "diferencias"),
        ("problema", "problemas"), ("variable", "variables"), ("resultado", "resultados"),
        ("cosa", "cosas"), ("agregada", "agregadas"), ("eliminada", "eliminadas"),
        ("modificada", "modificadas"), ("coincide", "coinciden"),
    ],
    "pt_BR": [
        ("modelo", "modelos"), ("idioma", "idiomas"), ("entrada", "entradas"),
        ("sincronização", "sincronizações"), ("linha", "linhas"), ("diferença", "diferenças"),
        ("problema", "problemas"), ("variável", "variáveis"), ("resultado", "resultados"),
        ("coisa", "coisas"), ("adicionado", "adicionados"), ("removido", "removidos"),
        ("alterado", "alterados"), ("corresponde", "correspondem"),
    ],
}  # fmt: skip

# Articles and prepositions that make a count of one read as "the 1 template".
BEFORE_ONE = {
    "en": r"the|among|all",
    "es": r"el|la|los|las|del|al|entre",
    "pt_BR": r"o|a|os|as|do|da|dos|das|no|na|nos|nas|ao|pelo|pela|entre",
}

# Verbs that would agree with a number: after "A de B plantillas" one of them agrees with B
# while the sentence's subject is A ("1 de 3 plantillas coinciden").
VERBS = {
    "en": r"is|are|match|matches",
    "es": r"es|son|está|están|coincide|coinciden",
    "pt_BR": r"é|são|está|estão|corresponde|correspondem",
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(t: Translator, msgid: tuple[str, str], n: int, **given: str) -> str:
    """The message for `n`: {count} is `n` the language's way, other placeholders are marked
    ⟨name⟩ unless given."""
    names = placeholders(msgid[0]) | placeholders(msgid[1])
    values = {name: f"⟨{name}⟩" for name in names - {"count"}} | given
    return t.nformat(*msgid, n, **values)


def test_the_code_has_plural_messages_to_check() -> None:
    assert len(PLURALS) > 50


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("msgid", PLURALS, ids=lambda m: m[0][:50])
def test_every_plural_message_reads_right_for_0_1_2_and_5000(
    language: str, msgid: tuple[str, str]
) -> None:
    t = translator(language)
    others = placeholders(msgid[1]) - {"count"}
    for n in COUNTS:
        shown = render(t, msgid, n)
        where = f"{language}, {n}: {shown!r}"
        assert not re.search(r"[{}]", shown), f"a placeholder left: {where}"
        assert all(f"⟨{x}⟩" in shown for x in others), f"a value dropped: {where}"
        if n == 5000 and "count" in placeholders(msgid[1]):
            assert WRITTEN[language] in shown and "5000" not in shown, where
        for singular, plural in COUNTED[language]:
            wrong = plural if n == 1 else singular
            number = re.escape(t.number(n))
            assert not re.search(rf"(?<![\d.,]){number} \*?{wrong}\b", shown), where
        if n == 1:
            article = BEFORE_ONE[language]
            assert not re.search(rf"\b(?:{article}) 1\b", shown, re.IGNORECASE), where


@pytest.mark.parametrize("language", ["es", "pt_BR"])
@pytest.mark.parametrize(
    "msgid", [m for m in PLURALS if {"matches", "complete"} & placeholders(m[1])], ids=str
)
def test_no_verb_agrees_with_one_of_two_numbers(language: str, msgid: tuple[str, str]) -> None:
    """ "{matches} of {count}" and "{complete} of {count}": every pair, no verb after it in
    Spanish and Portuguese, where "1 de 3 plantillas coinciden" reads wrong (English's
    "1 of 3 templates match" agrees with "templates", as English does)."""
    t = translator(language)
    name = ({"matches", "complete"} & placeholders(msgid[1])).pop()
    for n in COUNTS:
        for part in {0, 1, 2, n}:
            if part <= n:
                shown = render(t, msgid, n, **{name: t.number(part)})
                pair = rf"{re.escape(t.number(part))} (?:of|de) {re.escape(t.number(n))}"
                assert not re.search(rf"{pair} \*?\w+\*? (?:{VERBS[language]})\b", shown), (
                    f"{language}: {shown!r}"
                )


def test_portuguese_zero_takes_the_plural_form() -> None:
    """CLDR gives Portuguese's singular to 0 too ("0 corresponde"); Brazilians write the
    plural: the catalog's Plural-Forms says so."""
    t = translator("pt_BR")
    header = (
        "Connector {connector} · {count} template",
        "Connector {connector} · {count} templates",
    )
    assert t.nformat(*header, 0, connector="1234") == "Conector 1234 · 0 modelos"
    assert t.nformat(*header, 1, connector="1234") == "Conector 1234 · 1 modelo"
    assert t.nformat(*FILTERS, 0, terms="`lang:es`") == "*Filtros:* `lang:es` · 0 resultados"


# --- the messages issue 19 named, exactly ---

COMPARED = (
    ":white_check_mark: The only template compared is the same in *{left}* and *{right}*: "
    "same name, language, body and category.",
    ":white_check_mark: The {count} templates compared are the same in *{left}* and "
    "*{right}*: same names, languages, bodies and categories.",
)
NO_MATCH = (
    "The only template of connector *{connector}* does not match these filters.",
    "No template matches these filters among the {count} templates of connector *{connector}*.",
)
HEADER = (
    "Connector {connector} · {matches} of {count} template matches",
    "Connector {connector} · {matches} of {count} templates match",
)
FILTERS = ("*Filters:* {terms} · {count} match", "*Filters:* {terms} · {count} matches")
WITHOUT = (
    "Without {dropped}, {count} matches: {command}",
    "Without {dropped}, {count} match: {command}",
)
NOT_FOUND = (
    "Connector *{connector}* has no template named {name} (it has just one).",
    "Connector *{connector}* has no template named {name} (among {count} templates).",
)
EXACT = [
    (COMPARED, "es", 1, {}, ":white_check_mark: La única plantilla comparada es igual en *A* y *B*: mismo nombre, idioma, cuerpo y categoría."),
    (COMPARED, "es", 2, {}, ":white_check_mark: Las 2 plantillas comparadas son iguales en *A* y *B*: mismos nombres, idiomas, cuerpos y categorías."),
    (COMPARED, "pt_BR", 1, {}, ":white_check_mark: O único modelo comparado é igual em *A* e *B*: mesmo nome, idioma, corpo e categoria."),
    (COMPARED, "pt_BR", 5000, {}, ":white_check_mark: Os 5.000 modelos comparados são iguais em *A* e *B*: mesmos nomes, idiomas, corpos e categorias."),
    (COMPARED, "en", 1, {}, ":white_check_mark: The only template compared is the same in *A* and *B*: same name, language, body and category."),
    (NO_MATCH, "es", 1, {}, "La única plantilla del conector *1234* no coincide con estos filtros."),
    (NO_MATCH, "es", 2, {}, "Ninguna de las 2 plantillas del conector *1234* coincide con estos filtros."),
    (NO_MATCH, "pt_BR", 1, {}, "O único modelo do conector *1234* não corresponde a estes filtros."),
    (NO_MATCH, "pt_BR", 5000, {}, "Nenhum dos 5.000 modelos do conector *1234* corresponde a estes filtros."),
    (HEADER, "es", 1, {"matches": "1"}, "Conector 1234 · coincidencias: 1 de 1 plantilla"),
    (HEADER, "es", 1, {"matches": "0"}, "Conector 1234 · coincidencias: 0 de 1 plantilla"),
    (HEADER, "es", 5000, {"matches": "1"}, "Conector 1234 · coincidencias: 1 de 5.000 plantillas"),
    (HEADER, "pt_BR", 1, {"matches": "1"}, "Conector 1234 · resultados: 1 de 1 modelo"),
    (HEADER, "pt_BR", 2, {"matches": "2"}, "Conector 1234 · resultados: 2 de 2 modelos"),
    (HEADER, "en", 1, {"matches": "1"}, "Connector 1234 · 1 of 1 template matches"),
    (FILTERS, "es", 0, {}, "*Filtros:* `lang:es` · 0 resultados"),
    (FILTERS, "es", 1, {}, "*Filtros:* `lang:es` · 1 resultado"),
    (FILTERS, "es", 5000, {}, "*Filtros:* `lang:es` · 5.000 resultados"),
    (FILTERS, "pt_BR", 0, {}, "*Filtros:* `lang:es` · 0 resultados"),
    (FILTERS, "pt_BR", 1, {}, "*Filtros:* `lang:es` · 1 resultado"),
    (FILTERS, "pt_BR", 2, {}, "*Filtros:* `lang:es` · 2 resultados"),
    (FILTERS, "en", 0, {}, "*Filters:* `lang:es` · 0 matches"),
    (FILTERS, "en", 1, {}, "*Filters:* `lang:es` · 1 match"),
    (WITHOUT, "es", 1, {}, "Sin `lang:es`, hay 1 resultado: `/wolkvox-sync 1234`"),
    (WITHOUT, "es", 2, {}, "Sin `lang:es`, hay 2 resultados: `/wolkvox-sync 1234`"),
    (WITHOUT, "pt_BR", 1, {}, "Sem `lang:es`, há 1 resultado: `/wolkvox-sync 1234`"),
    (WITHOUT, "pt_BR", 5000, {}, "Sem `lang:es`, há 5.000 resultados: `/wolkvox-sync 1234`"),
    (NOT_FOUND, "es", 1, {}, "El conector *1234* no tiene ninguna plantilla llamada `x` (solo tiene una)."),
    (NOT_FOUND, "es", 0, {}, "El conector *1234* no tiene ninguna plantilla llamada `x` (entre 0 plantillas)."),
    (NOT_FOUND, "pt_BR", 1, {}, "O conector *1234* não tem nenhum modelo chamado `x` (ele só tem um)."),
    (NOT_FOUND, "pt_BR", 0, {}, "O conector *1234* não tem nenhum modelo chamado `x` (entre 0 modelos)."),
]  # fmt: skip
VALUES = {
    "left": "A",
    "right": "B",
    "connector": "1234",
    "terms": "`lang:es`",
    "dropped": "`lang:es`",
    "command": "`/wolkvox-sync 1234`",
    "name": "`x`",
}


@pytest.mark.parametrize(("msgid", "language", "n", "given", "expected"), EXACT)
def test_the_messages_issue_19_named(
    msgid: tuple[str, str], language: str, n: int, given: dict[str, str], expected: str
) -> None:
    assert msgid in PLURALS  # the code still says it this way
    values = {k: v for k, v in VALUES.items() if k in placeholders(msgid[1])} | given
    assert translator(language).nformat(*msgid, n, **values) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "es",
            ":hourglass: Este conector se sincronizó hace menos de 60 s, así que le muestro esa "
            "sincronización: Wolkvox no se consulta de nuevo hasta 60 s después de cada "
            "sincronización. Podrá actualizar de nuevo en 13 s.",
        ),
        (
            "pt_BR",
            ":hourglass: Este conector foi sincronizado há menos de 60 s, então mostro essa "
            "sincronização: o Wolkvox só é consultado de novo 60 s depois de cada "
            "sincronização. Você pode atualizar de novo em 13 s.",
        ),
    ],
)
def test_the_cooldown_note(language: str, expected: str) -> None:
    assert cooldown_note(12.5, 60, translator(language)) == expected


NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MIDNIGHT = int(datetime(2026, 11, 25, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "The quota resets at midnight UTC (for you, <!date^{at}^{{date_short_pretty}} at"),
        ("es", "La cuota se reinicia a la medianoche UTC (para usted, <!date^{at}^"),
        ("pt_BR", "A cota reinicia à meia-noite UTC (para você, <!date^{at}^"),
    ],
)
def test_the_quota_s_reset_is_shown_in_the_reader_s_own_time(language: str, says: str) -> None:
    """Midnight UTC, as a Slack date each reader sees in their own time zone (the UTC time for
    clients that can't show it)."""
    t, expected = translator(language), says.format(at=MIDNIGHT)
    for text in (quota_spent_note(t, NOON), cause(QuotaSpent("1234", 1000), t, NOON)):
        assert expected in text and "|2026-11-25 00:00 UTC>)" in text, text
    warned = quota_warning(900, 1000, t, NOON)
    assert f"<!date^{MIDNIGHT}^" in warned and "(90%)" in warned.replace(" %", "%")


@pytest.mark.parametrize("language", ["es", "pt_BR"])
def test_wolkvox_s_words_are_quoted_not_left_as_an_english_label(language: str) -> None:
    error = QuotaExceeded("1234", 403, "403", "FORBIDDEN", "TOKEN LIMIT EXCEEDED")
    said = describe(error, translator(language))
    assert "TOKEN LIMIT EXCEEDED:" not in said
    assert "“FORBIDDEN / TOKEN LIMIT EXCEEDED”" in said  # what Wolkvox said, quoted


@pytest.mark.parametrize(
    ("language", "schedule", "builder"),
    [
        ("es", "la tarea programada", "en el Generador de flujos de trabajo"),
        ("pt_BR", "agendamento automático", "no Criador de fluxo de trabalho"),
    ],
)
def test_slack_s_and_the_bot_s_own_names(language: str, schedule: str, builder: str) -> None:
    t = translator(language)
    assert who(t, "", "", "scheduler") == schedule
    assert builder in runner_needed(t)
