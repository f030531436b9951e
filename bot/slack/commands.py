"""The slash-command grammar: text in, a Command out (pure). The help text lives here too.

    /wolkvox-sync                                   help (ayuda, ajuda)
    /wolkvox-sync <connector> [filters] [words] [--refresh]
    /wolkvox-sync <connector> show <template_name> [--refresh]
    /wolkvox-sync <connector> coverage [filters] [--refresh]   which names exist in which languages
    /wolkvox-sync <connector> check <template_name> [--refresh]   readiness across its languages
    /wolkvox-sync compare <connector> <connector> [filters] [--refresh]
    /wolkvox-sync idioma [es|pt|en|auto]             the language the bot speaks to you

<connector> is 1 to 20 digits or an alias from WOLKVOX_CONNECTORS. Every command word is read
in English, Spanish and Portuguese, whatever the person's language (`Words` lists them); help
shows the words of the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.errors import InputError
from bot.i18n import Language, Translator, read_language, translator
from bot.slack.mrkdwn import code
from bot.templates.connectors import MAX_CONNECTOR_DIGITS, canonical_connector, is_connector_id
from bot.templates.query import Query, fold, language_key

COMMAND = "/wolkvox-sync"
MAX_COMMAND_CHARS = 1000
MAX_TERMS = 12
MAX_WORD = 60
MAX_ECHO = 40  # how much of a bad word is quoted back

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)“([^”]*)”|(\S+)')
_KEY = re.compile(r"(-?)([^\W\d_]+):(.*)")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:_[a-z0-9]{2,4})?")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DASHES = ("--", "—", "–")  # phones and macOS turn -- into a dash
_REFRESH = tuple(d + w for d in _DASHES for w in ("refresh", "actualizar", "atualizar"))
_HELP = ("help", "-h", "--help", "?", "ayuda", "ajuda")
_SHOW = ("show", "mostrar", "ver")
_COVERAGE = ("coverage", "cobertura")
_CHECK = ("check", "revisar", "verificar")
_COMPARE = ("compare", "comparar")
_HISTORY = ("history", "historial", "historico")  # folded: histórico
_SUBSCRIBE = ("subscribe", "suscribir", "suscribirse", "assinar")
_UNSUBSCRIBE = ("unsubscribe", "desuscribir", "desuscribirse", "desassinar", "cancelar-assinatura")
_SUBSCRIPTIONS = ("subscriptions", "suscripciones", "assinaturas")
_LANGUAGE_COMMAND = ("language", "idioma")
_STATUS = ("status", "estado")
_LANGUAGE_KEYS = ("lang", "language", "idiom", "idioma")
_CATEGORY_KEYS = ("category", "cat", "categoria")  # folded: categoría
_BACK_TO_SLACK = ("auto", "slack")
_NAME = re.compile(r"[^\s]{1,512}")


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


@dataclass(frozen=True, slots=True)
class Help:
    """Show usage."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """Sync (or use the cache) and list the templates that match `query` (all when empty)."""

    connector: str
    query: Query = field(default_factory=Query)
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class Show:
    """One template in full, every language that shares the name."""

    connector: str
    name: str
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which template names (those `query` matches) exist in which languages."""

    connector: str
    query: Query = field(default_factory=Query)
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class Check:
    """Whether one template is ready for a campaign in every language it has."""

    connector: str
    name: str
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class Compare:
    """What differs between two connectors among the templates `query` matches."""

    left: str
    right: str
    query: Query = field(default_factory=Query)
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class History:
    """The last syncs of a connector, with what each changed."""

    connector: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Post this connector's changes to the channel the command was typed in."""

    connector: str


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    connector: str


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """What this channel is subscribed to."""


@dataclass(frozen=True, slots=True)
class Status:
    """How the bot is doing: calls today against the quota, syncs, cache, database, Redis."""


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """`idioma es`: speak this language to me (stored); `idioma auto`: follow my Slack
    language again; `idioma` alone: say which language is used and how to change it."""

    language: Language | Literal["auto"] | None = None


Command = (
    Help
    | Lookup
    | Show
    | Coverage
    | Check
    | Compare
    | History
    | Subscribe
    | Unsubscribe
    | Subscriptions
    | ChooseLanguage
    | Status
)


def help_text(aliases: Mapping[str, str] | None = None, t: Translator | None = None) -> str:
    """Usage in `t`'s language, with that language's command words, examples and the
    configured aliases."""
    t = t or translator("en")
    w = words(t)

    def run(*rest: str) -> str:
        return "`" + " ".join([COMMAND, *rest]) + "`"

    lines = [
        t._("*{command}* syncs the WhatsApp templates of a Wolkvox connector and looks them up.")
        .format(command=COMMAND),
        "",
        t._("*Sync and list*"),
        "• " + t._("{command} all templates of connector 1234 (from the cache if synced "
                   "recently)").format(command=run("1234")),
        "• " + t._("{command} ask Wolkvox again, even if a recent copy is cached")
        .format(command=run("1234", w.refresh)),
        "",
        t._("*Look up* (filters and words combine; every one must hold)"),
        "• " + t._("{command} templates in Brazilian Portuguese ({example} is every Spanish)")
        .format(command=run("1234", w.lang + "pt_BR"), example=f"`{w.lang}es`"),
        "• " + t._("{command} marketing templates that mention “{word}”")
        .format(command=run("1234", w.category + "marketing", w.example_word),
                word=w.example_word),
        "• " + t._("{command} Spanish or Portuguese, not marketing")
        .format(command=run("1234", w.lang + "es", w.lang + "pt", "-" + w.category + "marketing")),
        "• " + t._("{command} a phrase; words match names and bodies, any case or accent")
        .format(command=run("1234", f'"{w.example_phrase}"')),
        "• " + t._("{command} one template in full: body, variables, preview")
        .format(command=run("1234", w.show, w.example_name)),
        "",
        t._("*Plan a campaign*"),
        "• " + t._("{command} which templates exist in which languages, incomplete ones first")
        .format(command=run("1234", w.coverage, w.category + "marketing")),
        "• " + t._("{command} is it ready in every language: variables, category, length, "
                   "missing languages").format(command=run("1234", w.check, w.example_name)),
        "• " + t._("{command} what one connector has that the other lacks, or has differently")
        .format(command=run(w.compare, "1234", "5678", w.lang + "es")),
        "",
        t._("*Changes*"),
        "• " + t._("{command} the last 10 syncs: when, who, how many templates, what changed")
        .format(command=run("1234", w.history)),
        "• " + t._("{command} post what changes in connector 1234 to this channel")
        .format(command=run(w.subscribe, "1234")),
        "• " + t._("{command} stop that · {list} what this channel gets")
        .format(command=run(w.unsubscribe, "1234"), list=run(w.subscriptions)),
        "",
        t._("*Operations*"),
        "• " + t._("{command} Wolkvox calls today against the daily quota, syncs running, "
                   "cached connectors, the last sync of each, database and Redis")
        .format(command=run(w.status)),
        "",
        t._("*Language*"),
        "• " + t._("{command} answer me in Spanish ({others}); {auto} follows your Slack "
                   "language again").format(
            command=run(w.language, "es"),
            others=", ".join(f"`{x}`" for x in ("pt", "en")),
            auto=f"`{w.language} auto`",
        ),
        "",
        t._("The connector is the WhatsApp connector's id in Wolkvox Manager (digits only)."),
    ]  # fmt: skip
    if aliases:
        listed = ", ".join(f"`{name}` ({number})" for name, number in sorted(aliases.items()))
        lines.append(
            t._("*Aliases:* {aliases}, as in {example}.").format(
                aliases=listed, example=run(min(aliases), w.lang + "es")
            )
        )
    return "\n".join(lines)


def parse(
    text: str, aliases: Mapping[str, str] | None = None, t: Translator | None = None
) -> Command:
    """Read the text typed after the slash command. Raises InputError with a clear message in
    `t`'s language (English by default).

    Slack sends `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`: they are read as typed.
    """
    aliases = aliases or {}
    t = t or translator("en")
    text = unescape_command_text(text)
    if len(text) > MAX_COMMAND_CHARS:
        raise InputError(
            t._(
                "That command is {length} characters long; the most I read is {most}. "
                "Try {example}."
            ).format(
                length=t.number(len(text)),
                most=t.number(MAX_COMMAND_CHARS),
                example=f"`{COMMAND} 1234`",
            )
        )
    if _CONTROL.search(text):
        raise InputError(
            t._(
                "That command contains control or invisible characters. Type it again as plain "
                "text, like {example}."
            ).format(example=f"`{COMMAND} 1234`")
        )
    words_typed = text.split()
    if not words_typed or (len(words_typed) == 1 and fold(words_typed[0]) in _HELP):
        return Help()
    first, *remainder = text.strip().split(maxsplit=1)
    rest = remainder[0] if remainder else ""
    keyword = fold(first)
    if keyword in _SUBSCRIBE + _UNSUBSCRIBE + _SUBSCRIPTIONS:
        return _subscription(first, keyword, rest.split(), aliases, t)
    if keyword in _LANGUAGE_COMMAND:
        return _choose_language(first, rest.split(), t)
    if keyword in _STATUS and not rest.strip():
        return Status()
    if keyword in _COMPARE:
        return _compare(first, _tokens(rest), aliases, t)
    connector = read_connector(first, aliases, t)
    tokens = _tokens(rest)
    if len(tokens) == 1 and fold(tokens[0]) in _HISTORY:
        return History(connector=connector)
    refresh = any(fold(x) in _REFRESH for x in tokens)
    tokens = [x for x in tokens if fold(x) not in _REFRESH]
    if tokens and fold(tokens[0]) in _SHOW:
        return _show(connector, tokens[0], tokens[1:], refresh, t)
    if tokens and fold(tokens[0]) in _COVERAGE:
        query = parse_query(tokens[1:], connector, t)
        return Coverage(connector=connector, query=query, refresh=refresh)
    if tokens and fold(tokens[0]) in _CHECK:
        return _check(connector, tokens[0], tokens[1:], refresh, t)
    return Lookup(connector=connector, query=parse_query(tokens, connector, t), refresh=refresh)


def unescape_command_text(text: str) -> str:
    """Undo Slack's escaping of a slash command's text (only these three entities)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_query_text(text: str, t: Translator | None = None) -> Query:
    """A query written back by Query.text() (button values): read with the same rules."""
    t = t or translator("en")
    if len(text) > MAX_COMMAND_CHARS or _CONTROL.search(text):
        raise InputError(t._("That button's data could not be read. Run the command again."))
    return parse_query(_tokens(text), "1234", t)


def parse_query(tokens: list[_Token], connector: str, t: Translator | None = None) -> Query:
    t = t or translator("en")
    w = words(t)
    if len(tokens) > MAX_TERMS:
        raise InputError(
            t._(
                "That is {count} filters and words; the most I take is {most}. Drop a few, as "
                "in {example}."
            ).format(
                count=t.number(len(tokens)),
                most=t.number(MAX_TERMS),
                example=f"`{COMMAND} {connector} {w.lang}es {w.example_word}`",
            )
        )
    found: dict[str, list[str]] = {
        "languages": [],
        "not_languages": [],
        "categories": [],
        "not_categories": [],
        "words": [],
        "not_words": [],
    }
    for token in tokens:
        if token.phrase is not None:
            negative = token.startswith("-")
            found["not_words" if negative else "words"].append(_word(token.phrase, connector, t))
            continue
        keyed = _KEY.fullmatch(token)
        if token.startswith("--"):
            raise InputError(
                t._(
                    "{option} is not an option I know. The only option is {refresh}, as in "
                    "{example}."
                ).format(
                    option=echo(token),
                    refresh=f"`{w.refresh}`",
                    example=f"`{COMMAND} {connector} {w.refresh}`",
                )
            )
        if keyed:
            minus, key, value = keyed.group(1), keyed.group(2), keyed.group(3).strip('"“”')
            prefix = "not_" if minus else ""
            if fold(key) in _LANGUAGE_KEYS:
                found[prefix + "languages"].append(_language(value, connector, t))
            elif fold(key) in _CATEGORY_KEYS:
                found[prefix + "categories"].append(_category(value, connector, t))
            else:
                raise InputError(
                    t._(
                        "{key} is not a filter I know. Filters are {lang} and {category}, as in "
                        "{example}."
                    ).format(
                        key=echo(key.lower() + ":"),
                        lang=f"`{w.lang}`",
                        category=f"`{w.category}`",
                        example=f"`{COMMAND} {connector} {w.lang}es {w.category}marketing`",
                    )
                )
            continue
        negative = token.startswith("-") and len(token) > 1
        found["not_words" if negative else "words"].append(
            _word(token[1:] if negative else token, connector, t)
        )
    return Query(**{k: tuple(v for v in dict.fromkeys(v) if v) for k, v in found.items()})


def _word(text: str, connector: str, t: Translator) -> str:
    """A search word or phrase, folded (any case, any accent); too long is an InputError."""
    word = fold(text)
    if len(word) > MAX_WORD:
        raise InputError(
            t._(
                "The word {word} is {length} characters long; the most I search for is {most}. "
                "Search for a shorter part, as in {example}."
            ).format(
                word=echo(word),
                length=t.number(len(word)),
                most=t.number(MAX_WORD),
                example=f"`{COMMAND} {connector} {words(t).example_word}`",
            )
        )
    return word


def _subscription(
    typed: str, keyword: str, rest: list[str], aliases: Mapping[str, str], t: Translator
) -> Command:
    shown = echo(typed.lower())
    if keyword in _SUBSCRIPTIONS:
        if rest:
            raise InputError(
                t._("{word} takes nothing after it: {example}.").format(
                    word=shown, example=f"`{COMMAND} {typed.lower()}`"
                )
            )
        return Subscriptions()
    if len(rest) != 1:
        raise InputError(
            t._("{word} takes one connector, as in {example}.").format(
                word=shown, example=f"`{COMMAND} {typed.lower()} 1234`"
            )
        )
    connector = read_connector(rest[0], aliases, t)
    return Subscribe(connector) if keyword in _SUBSCRIBE else Unsubscribe(connector)


def _choose_language(typed: str, rest: list[str], t: Translator) -> ChooseLanguage:
    if not rest:
        return ChooseLanguage()
    if len(rest) == 1 and fold(rest[0]) in _BACK_TO_SLACK:
        return ChooseLanguage("auto")
    language = read_language(rest[0]) if len(rest) == 1 else None
    if language is None:
        raise InputError(
            t._(
                "{word} is not a language I speak. Choose {choices}, or {auto} to follow your "
                "Slack language: {example}."
            ).format(
                word=echo(" ".join(rest)),
                choices=", ".join(f"`{x}`" for x in ("es", "pt", "en")),
                auto="`auto`",
                example=f"`{COMMAND} {typed.lower()} es`",
            )
        )
    return ChooseLanguage(language)


def _show(connector: str, typed: str, tokens: list[_Token], refresh: bool, t: Translator) -> Show:
    if len(tokens) != 1 or not _NAME.fullmatch(tokens[0]):
        raise InputError(
            t._("{word} takes one template name, as in {example}.").format(
                word=echo(typed.lower()),
                example=f"`{COMMAND} {connector} {typed.lower()} {words(t).example_name}`",
            )
        )
    return Show(connector=connector, name=tokens[0], refresh=refresh)


def _check(connector: str, typed: str, tokens: list[_Token], refresh: bool, t: Translator) -> Check:
    if len(tokens) != 1 or not _NAME.fullmatch(tokens[0]):
        raise InputError(
            t._("{word} takes one template name, as in {example}.").format(
                word=echo(typed.lower()),
                example=f"`{COMMAND} {connector} {typed.lower()} {words(t).example_name}`",
            )
        )
    return Check(connector=connector, name=tokens[0], refresh=refresh)


def _compare(
    typed: str, tokens: list[_Token], aliases: Mapping[str, str], t: Translator
) -> Compare:
    """`compare <a> <b> [filters] [--refresh]`: two different connectors, then filters."""
    refresh = any(fold(x) in _REFRESH for x in tokens)
    tokens = [x for x in tokens if fold(x) not in _REFRESH]
    example = f"`{COMMAND} {typed.lower()} 1234 5678 {words(t).lang}es`"
    if len(tokens) < 2 or any(x.phrase is not None for x in tokens[:2]):
        raise InputError(
            t._("{word} takes two connectors, then any filters, as in {example}.").format(
                word=echo(typed.lower()), example=example
            )
        )
    left, right = (read_connector(x, aliases, t) for x in tokens[:2])
    if left == right:
        raise InputError(
            t._(
                "Both sides are connector {connector}: compare two different connectors, as "
                "in {example}."
            ).format(connector=echo(left), example=example)
        )
    query = parse_query(tokens[2:], left, t)
    return Compare(left=left, right=right, query=query, refresh=refresh)


def _language(value: str, connector: str, t: Translator) -> str:
    key = language_key(value)
    if _LANGUAGE.fullmatch(key):
        language, _, region = key.partition("_")
        return f"{language}_{region.upper()}" if region else language
    lang = words(t).lang
    if value:
        text = t._("{value} is not a language code. Write Meta's code, like {examples}: {example}.")
    else:
        text = t._(
            "An empty value is not a language code. Write Meta's code, like {examples}: {example}."
        )
    raise InputError(
        text.format(
            value=echo(value),
            examples=", ".join(f"`{lang}{x}`" for x in ("es", "pt_BR", "en_US")),
            example=f"`{COMMAND} {connector} {lang}pt_BR`",
        )
    )


def _category(value: str, connector: str, t: Translator) -> str:
    key = value.casefold()
    if _CATEGORY.fullmatch(key):
        return key
    if value:
        text = t._("{value} is not a category. Categories are words like {examples}: {example}.")
    else:
        text = t._(
            "An empty value is not a category. Categories are words like {examples}: {example}."
        )
    raise InputError(
        text.format(
            value=echo(value),
            examples=", ".join(f"`{x}`" for x in ("marketing", "utility", "authentication")),
            example=f"`{COMMAND} {connector} {words(t).category}marketing`",
        )
    )


class _Token(str):
    """A word of the command. A quoted phrase is always a search phrase (`phrase`), never a
    filter, an option or a negation by its own leading minus; its text keeps the quotes so it
    never equals a command word."""

    phrase: str | None = None


def _phrase(minus: str, content: str) -> _Token:
    token = _Token(f'{minus}"{content}"')
    token.phrase = " ".join(content.split())
    return token


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            tokens.append(_phrase(match.group(1), match.group(2)))
        elif match.group(4) is not None:
            tokens.append(_phrase(match.group(3), match.group(4)))
        else:
            plain = match.group(5)
            tokens.append(_Token(plain if _KEY.fullmatch(plain) else plain.strip('"“”') or plain))
    return [t for t in tokens if (t.phrase if t.phrase is not None else t) and t != "-"]


def read_connector(
    word: str, aliases: Mapping[str, str] | None = None, t: Translator | None = None
) -> str:
    """A connector id (1 to 20 ASCII digits, leading zeros dropped: `01234` is `1234`) or a
    known alias's id; else InputError (in `t`'s language)."""
    if is_connector_id(word):
        return canonical_connector(word)
    t = t or translator("en")
    if word.isascii() and word.isdigit():
        raise InputError(
            t._(
                "A connector id has 1 to {most} digits; that one has {length}. Check the id in "
                "Wolkvox Manager and try {example}."
            ).format(
                most=MAX_CONNECTOR_DIGITS,
                length=t.number(len(word)),
                example=f"`{COMMAND} 1234`",
            )
        )
    aliases = aliases or {}
    if word.lower() in aliases:
        return canonical_connector(aliases[word.lower()])
    if aliases:
        text = t._(
            "{word} is not a connector id or a known alias: connector ids are digits only (the "
            "WhatsApp connector's number in Wolkvox Manager), like {example}. Known aliases: "
            "{aliases}."
        )
    else:
        text = t._(
            "{word} is not a connector id: connector ids are digits only (the WhatsApp "
            "connector's number in Wolkvox Manager), like {example}."
        )
    raise InputError(
        text.format(
            word=echo(word),
            example=f"`{COMMAND} 1234`",
            aliases=", ".join(f"`{a}`" for a in sorted(aliases)),
        )
    )


def echo(word: str) -> str:
    """User input quoted back as a bounded, escaped code span."""
    return code(word, MAX_ECHO)
