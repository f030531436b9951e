"""The filters and words of a lookup (`lang:es -category:marketing "feliz navidad"`) read
into a Query; every mistake is an InputError that shows how to write it."""

from __future__ import annotations

import re
from dataclasses import fields

from bot.commands.reading import echo, refuse_over
from bot.commands.tokens import CONTROL, KEY, MAX_COMMAND_CHARS, Token, tokens
from bot.errors import InputError
from bot.i18n import Translator, translator
from bot.i18n.command_words import CATEGORY_KEYS, CATEGORY_WORDS, COMMAND, LANGUAGE_KEYS, words
from bot.templates.query import Query, fold, language_key

MAX_TERMS = 12
MAX_WORD = 60

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:_[a-z0-9]{2,4})?")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def parse_query_text(text: str, t: Translator | None = None) -> Query:
    """A query written back by Query.text() (button values): read with the same rules."""
    t = t or translator("en")
    if len(text) > MAX_COMMAND_CHARS or CONTROL.search(text):
        raise InputError(t._("That button's data could not be read. Run the command again."))
    return parse_query(tokens(text), "1234", t)


def filter_text(query: Query) -> str:
    """A subscription's filters as stored and shown: the query written back canonically
    (`lang:pt_BR category:marketing promo -lang:es`), so the same filters always read the
    same; "" when there are none."""
    return query.text()


def read_filter_text(text: str) -> Query:
    """A stored subscription's filters (`filter_text`) read back into a Query."""
    return parse_query(tokens(text), "1234") if text else Query()


def parse_query(found: list[Token], connector: str, t: Translator | None = None) -> Query:
    """The filters and words of `found` as a Query (each value once, in the order typed)."""
    t = t or translator("en")
    refuse_over(
        len(found),
        MAX_TERMS,
        t,
        t._(
            "That is {count} filters and words; the most I take is {most}. Drop a few, as "
            "in {example}."
        ),
        example=f"`{COMMAND} {connector} {words(t).lang}es {words(t).example_word}`",
    )
    terms: dict[str, list[str]] = {term.name: [] for term in fields(Query)}
    for token in found:
        field, value = _term(token, connector, t)
        terms[field].append(value)
    return Query(**{k: tuple(v for v in dict.fromkeys(v) if v) for k, v in terms.items()})


def _term(token: Token, connector: str, t: Translator) -> tuple[str, str]:
    """Which field of the Query `token` adds to, and the value it adds."""
    if token.phrase is not None:
        negative = token.startswith("-")
        return ("not_words" if negative else "words"), _word(token.phrase, connector, t)
    if token.startswith("--"):
        w = words(t)
        raise InputError(
            t._(
                "{option} is not an option I know. The only option is {refresh}, as in {example}."
            ).format(
                option=echo(token),
                refresh=f"`{w.refresh}`",
                example=f"`{COMMAND} {connector} {w.refresh}`",
            )
        )
    keyed = KEY.fullmatch(token)
    if keyed:
        return _filter(keyed, connector, t)
    negative = token.startswith("-") and len(token) > 1
    return ("not_words" if negative else "words"), _word(
        token[1:] if negative else token, connector, t
    )


def _filter(keyed: re.Match[str], connector: str, t: Translator) -> tuple[str, str]:
    """A `key:value` filter (`-key:value` excludes): a language or a category."""
    minus, key, value = keyed.group(1), keyed.group(2), keyed.group(3).strip('"“”')
    prefix = "not_" if minus else ""
    if fold(key) in LANGUAGE_KEYS:
        return prefix + "languages", _language(value, connector, t)
    if fold(key) in CATEGORY_KEYS:
        return prefix + "categories", _category(value, connector, t)
    w = words(t)
    raise InputError(
        t._(
            "{key} is not a filter I know. Filters are {lang} and {category}, as in {example}."
        ).format(
            key=echo(key.lower() + ":"),
            lang=f"`{w.lang}`",
            category=f"`{w.category}`",
            example=f"`{COMMAND} {connector} {w.lang}es {w.category}marketing`",
        )
    )


def _word(text: str, connector: str, t: Translator) -> str:
    """A search word or phrase, folded (any case, any accent); too long is an InputError."""
    word = fold(text)
    refuse_over(
        len(word),
        MAX_WORD,
        t,
        t._(
            "The word {word} is {length} characters long; the most I search for is {most}. "
            "Search for a shorter part, as in {example}."
        ),
        word=echo(word),
        example=f"`{COMMAND} {connector} {words(t).example_word}`",
    )
    return word


def _language(value: str, connector: str, t: Translator) -> str:
    key = language_key(value)
    if _LANGUAGE.fullmatch(key):
        language, _, region = key.partition("_")
        return f"{language}_{region.upper()}" if region else language
    lang = words(t).lang
    raise _not_valid(
        value,
        t._("{value} is not a language code. Write Meta's code, like {examples}: {example}."),
        t._(
            "An empty value is not a language code. Write Meta's code, like {examples}: {example}."
        ),
        examples=[lang + x for x in ("es", "pt_BR", "en_US")],
        example=f"`{COMMAND} {connector} {lang}pt_BR`",
    )


def _category(value: str, connector: str, t: Translator) -> str:
    """Meta's category, lower case: `utility`, or as a reader writes it (`utilidad`,
    `autenticação`)."""
    key = CATEGORY_WORDS.get(fold(value), value.casefold())
    if _CATEGORY.fullmatch(key):
        return key
    raise _not_valid(
        value,
        t._("{value} is not a category. Categories are words like {examples}: {example}."),
        t._("An empty value is not a category. Categories are words like {examples}: {example}."),
        examples=list(words(t).categories),
        example=f"`{COMMAND} {connector} {words(t).category}marketing`",
    )


def _not_valid(
    value: str, message: str, empty: str, examples: list[str], example: str
) -> InputError:
    """The InputError for a filter value that is not valid: `message` quoting it, or `empty`
    when nothing was written after the key."""
    return InputError(
        (message if value else empty).format(
            value=echo(value),
            examples=", ".join(f"`{x}`" for x in examples),
            example=example,
        )
    )
