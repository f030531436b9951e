"""The command grammar (bot.commands; pure): valid commands read into their Command values, bad
input refused with a clear message, quoted text escaped and bounded, lookups and their query
text read back the same, connector aliases (WOLKVOX_CONNECTORS) read or refused, and help's
examples."""

from __future__ import annotations

import pytest

from bot import commands
from bot.commands import ChooseLanguage, Help, Lookup, Show, Subscribe, Unsubscribe
from bot.errors import InputError
from bot.i18n import translator
from bot.templates.connectors import ALIAS, COMMAND_WORDS, read_aliases
from bot.templates.query import Query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   ", Help()),
        ("help", Help()),
        ("  HELP ", Help()),
        ("--help", Help()),
        ("1234", Lookup("1234")),
        ("  1234   ", Lookup("1234")),
        ("0032", Lookup("32")),  # one connector however written: 0032 is 32
        ("1" * 20, Lookup("1" * 20)),
        ("1234 --refresh", Lookup("1234", refresh=True)),
        ("1234 --REFRESH", Lookup("1234", refresh=True)),
        ("1234\t—refresh", Lookup("1234", refresh=True)),
    ],
)
def test_reads_valid_commands(text: str, expected: commands.Command) -> None:
    assert commands.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("abc", "`abc` is not a connector id: connector ids are digits only"),
        ("12a4", "`12a4` is not a connector id"),
        ("../../etc/passwd", "`../../etc/passwd` is not a connector id"),
        ("1234;rm", "`1234;rm` is not a connector id"),
        ("$(reboot)", "`$(reboot)` is not a connector id"),
        ("-5", "`-5` is not a connector id"),
        ("\uff11\uff12\uff13\uff14", "is not a connector id"),  # full-width digits
        ("1" * 21, "A connector id has 1 to 20 digits; that one has 21"),
        ("1" * 999, "that one has 999"),
        ("1" * 3000, "That command is 3,000 characters long"),
        ("12\x0034", "control or invisible characters"),
        ("12\u202e34", "control or invisible characters"),
        ("1234 --force", "`--force` is not an option I know"),
        ("1234 foo:bar", "`foo:` is not a filter I know"),
        ("1234 lang:", "An empty value is not a language code"),
        ("1234 lang:español", "`español` is not a language code"),
        ("1234 lang:pt_BR_XX", "is not a language code"),
        ("1234 category:", "An empty value is not a category"),
        ("1234 category:<!here>", "`&lt;!here&gt;` is not a category"),
        ("1234 show", "`show` takes one template name"),
        ("1234 show a b", "`show` takes one template name"),
        ("1234 " + "x" * 61, "is 61 characters long"),
        ("1234 " + " ".join("abcdefghijklm"), "That is 13 filters and words"),
        ("ventas", "`ventas` is not a connector id"),
    ],
)
def test_rejects_bad_input_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        commands.parse(text)
    assert says in str(caught.value)
    assert "/wolkvox-sync" in str(caught.value)  # says how to write it


def test_quoted_input_is_escaped_and_bounded() -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("<!channel>" + "x" * 200)
    message = str(caught.value)
    assert "<!channel>" not in message
    assert "&lt;!channel&gt;" in message
    assert len(message) < 400


def test_backticks_cannot_break_out_of_the_quote() -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("`*bold*`")
    assert "`'*bold*'`" in str(caught.value)


def q(**kw: tuple[str, ...]) -> Query:
    return Query(**kw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234 lang:pt_BR", Lookup("1234", q(languages=("pt_BR",)))),
        ("1234 LANG:ES-mx", Lookup("1234", q(languages=("es_MX",)))),
        ("1234 language:es idiom:pt", Lookup("1234", q(languages=("es", "pt")))),
        ("1234 lang:es lang:es", Lookup("1234", q(languages=("es",)))),
        ("1234 category:Marketing", Lookup("1234", q(categories=("marketing",)))),
        (
            "1234 cat:utility -category:marketing",
            Lookup("1234", q(categories=("utility",), not_categories=("marketing",))),
        ),
        ("1234 -lang:en", Lookup("1234", q(not_languages=("en",)))),
        ("1234 Navidad", Lookup("1234", q(words=("navidad",)))),
        ("1234 PROMOCIÓN", Lookup("1234", q(words=("promocion",)))),
        ("1234 navidad -regalo", Lookup("1234", q(words=("navidad",), not_words=("regalo",)))),
        ('1234 "feliz  navidad"', Lookup("1234", q(words=("feliz navidad",)))),
        ("1234 “feliz navidad”", Lookup("1234", q(words=("feliz navidad",)))),
        ('1234 -"no gracias"', Lookup("1234", q(not_words=("no gracias",)))),
        ('1234 "unbalanced', Lookup("1234", q(words=("unbalanced",)))),
        ("1234 12:30", Lookup("1234", q(words=("12:30",)))),
        (
            "1234 category:marketing navidad --refresh",
            Lookup("1234", q(categories=("marketing",), words=("navidad",)), refresh=True),
        ),
        ("1234 show recordatorio_pago", Show("1234", "recordatorio_pago")),
        ("1234 SHOW recordatorio_pago --refresh", Show("1234", "recordatorio_pago", refresh=True)),
        ("ventas lang:es", Lookup("1234", q(languages=("es",)))),
        ("SOPORTE", Lookup("5678")),
    ],
)
def test_reads_lookups(text: str, expected: commands.Command) -> None:
    assert commands.parse(text, {"ventas": "1234", "soporte": "5678"}) == expected


def test_unknown_alias_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("ventaz lang:es", {"ventas": "1234", "soporte": "5678"})
    assert "`ventaz` is not a connector id or a known alias" in str(caught.value)
    assert "Known aliases: `soporte`, `ventas`." in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lang:es",
        "lang:es lang:pt -category:marketing",
        'navidad "feliz navidad" -regalo',
        "-lang:en_US cat:utility",
    ],
)
def test_query_text_reads_back_to_the_same_query(text: str) -> None:
    query = commands.parse_query_text(text)
    assert commands.parse_query_text(query.text()) == query


@pytest.mark.parametrize(
    ("value", "aliases"),
    [
        ("", {}),
        ("ventas=1234", {"ventas": "1234"}),
        (" Ventas = 1234 , soporte=5678,", {"ventas": "1234", "soporte": "5678"}),
    ],
)
def test_reads_aliases(value: str, aliases: dict[str, str]) -> None:
    assert read_aliases(value) == aliases


@pytest.mark.parametrize(
    "value",
    ["ventas", "ventas=abc", "1234=1234", "help=1", "show=2", "a b=1", "seguir=3", "cancelar=4"],
)
def test_rejects_bad_aliases(value: str) -> None:
    with pytest.raises(ValueError):
        read_aliases(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Portuguese: "assinar", "inscrever" and "seguir" subscribe; "cancelar" (a
        # subscription) unsubscribes, as do "desassinar" and "cancelar-assinatura"
        ("assinar 1234", Subscribe("1234")),
        ("inscrever 1234", Subscribe("1234")),
        ("Inscrever-se 1234", Subscribe("1234")),
        ("seguir 1234", Subscribe("1234")),
        ("suscribirse 1234", Subscribe("1234")),
        ("cancelar 1234", Unsubscribe("1234")),
        ("CANCELAR ventas", Unsubscribe("1234")),
        ("desassinar 1234", Unsubscribe("1234")),
        ("cancelar-assinatura 1234", Unsubscribe("1234")),
        ("cancelar-inscrição 1234", Unsubscribe("1234")),
        ("desuscribirse 1234", Unsubscribe("1234")),
        # the word after `idioma` as a Brazilian or a Spaniard writes it
        ("idioma espanhol", ChooseLanguage("es")),
        ("idioma Castelhano", ChooseLanguage("es")),
        ("idioma español", ChooseLanguage("es")),
        ("idioma inglês", ChooseLanguage("en")),
        ("idioma português", ChooseLanguage("pt_BR")),
    ],
)
def test_reads_each_language_s_words(text: str, expected: commands.Command) -> None:
    assert commands.parse(text, {"ventas": "1234"}) == expected


@pytest.mark.parametrize(
    ("typed", "meta"),
    [
        ("utilidad", "utility"),
        ("Utilidad", "utility"),
        ("utilidade", "utility"),
        ("autenticación", "authentication"),
        ("AUTENTICACIÓN", "authentication"),
        ("autenticacion", "authentication"),
        ("autenticação", "authentication"),
        ("mercadeo", "marketing"),
        ("marketing", "marketing"),
        ("UTILITY", "utility"),
    ],
)
def test_categories_in_the_reader_s_words_are_meta_s(typed: str, meta: str) -> None:
    for key in ("category", "categoría", "categoria", "cat"):
        assert commands.parse(f"1234 {key}:{typed}") == Lookup("1234", q(categories=(meta,)))
        assert commands.parse(f"1234 -{key}:{typed}") == Lookup("1234", q(not_categories=(meta,)))
    # the query written back (button values) keeps Meta's word, which reads back the same
    query = commands.parse_query_text(f"categoría:{typed}")
    assert query.text() == f"category:{meta}"


@pytest.mark.parametrize(
    ("language", "examples"),
    [
        ("en", "`marketing`, `utility`, `authentication`"),
        ("es", "`marketing`, `utilidad`, `autenticación`"),
        ("pt_BR", "`marketing`, `utilidade`, `autenticação`"),
    ],
)
def test_a_bad_category_shows_the_reader_s_category_words(language: str, examples: str) -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("1234 category:1x", t=translator(language))
    assert examples in str(caught.value)


@pytest.mark.parametrize(
    ("language", "example", "others"),
    [
        ("en", "`/wolkvox-sync language en` answer me in English", "(`es`, `pt`)"),
        ("es", "`/wolkvox-sync idioma es` respóndame en español", "(`pt`, `en`)"),
        ("pt_BR", "`/wolkvox-sync idioma pt` responda em português", "(`es`, `en`)"),
    ],
)
def test_help_s_language_example_is_the_reader_s_own(
    language: str, example: str, others: str
) -> None:
    text = commands.help_text(t=translator(language))
    assert example + " " + others in text


@pytest.mark.parametrize(
    ("language", "example"),
    [("en", "`/wolkvox-sync idioma en`"), ("es", "`/wolkvox-sync idioma es`"),
     ("pt_BR", "`/wolkvox-sync idioma pt`")],
)  # fmt: skip
def test_an_unknown_language_is_refused_with_the_reader_s_own_as_example(
    language: str, example: str
) -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("idioma klingon", t=translator(language))
    assert example in str(caught.value) and "`es`, `pt`, `en`" in str(caught.value)


def test_no_command_word_means_two_things() -> None:
    """Every language's words are read whatever the reader's: one word, one command."""
    from bot.i18n import command_words as w

    groups = [w.HELP, w.SHOW, w.COVERAGE, w.CHECK, w.COMPARE, w.HISTORY, w.SUBSCRIBE,
              w.UNSUBSCRIBE, w.SUBSCRIPTIONS, w.LANGUAGE_COMMAND, w.STATUS]  # fmt: skip
    seen: dict[str, int] = {}
    for i, group in enumerate(groups):
        for word in group:
            assert seen.setdefault(word, i) == i, word
    # a command's first word can't be an alias (WOLKVOX_CONNECTORS), or the alias would hide
    first = (*w.HELP, *w.SUBSCRIBE, *w.UNSUBSCRIBE, *w.SUBSCRIPTIONS, *w.LANGUAGE_COMMAND,
             *w.STATUS, *w.COMPARE)  # fmt: skip
    assert [x for x in first if ALIAS.fullmatch(x) and x not in COMMAND_WORDS] == []
    for own in w.WORDS.values():  # what help shows is read as that command
        assert commands.parse(f"{own.subscribe} 1234") == Subscribe("1234")
        assert commands.parse(f"{own.unsubscribe} 1234") == Unsubscribe("1234")


def test_help_lists_examples_and_aliases() -> None:
    text = commands.help_text({"ventas": "1234"})
    for example in (
        "lang:pt_BR",
        "category:marketing navidad",
        "show recordatorio_pago",
        "`ventas` (1234)",
    ):
        assert example in text
