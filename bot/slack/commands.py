"""The slash-command grammar: text in, a Command out (pure). The help text lives here too.

    /wolkvox-sync                                   help
    /wolkvox-sync <connector> [filters] [words] [--refresh]
    /wolkvox-sync <connector> show <template_name> [--refresh]

<connector> is 1 to 20 digits or an alias from WOLKVOX_CONNECTORS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.errors import InputError
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
_KEY = re.compile(r"(-?)([A-Za-z]+):(.*)")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:_[a-z0-9]{2,4})?")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_REFRESH = ("--refresh", "—refresh", "–refresh")  # phones and macOS turn -- into a dash
_LANGUAGE_KEYS = ("lang", "language", "idiom")
_CATEGORY_KEYS = ("category", "cat")
_NAME = re.compile(r"[^\s]{1,512}")


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


Command = Help | Lookup | Show | History | Subscribe | Unsubscribe | Subscriptions


def help_text(aliases: Mapping[str, str] | None = None) -> str:
    """Usage, with examples and the configured aliases."""
    text = f"""*{COMMAND}* syncs the WhatsApp templates of a Wolkvox connector and looks them up.

*Sync and list*
• `{COMMAND} 1234` all templates of connector 1234 (from the cache if synced recently)
• `{COMMAND} 1234 --refresh` ask Wolkvox again, even if a recent copy is cached

*Look up* (filters and words combine; every one must hold)
• `{COMMAND} 1234 lang:pt_BR` templates in Brazilian Portuguese (`lang:es` is every Spanish)
• `{COMMAND} 1234 category:marketing navidad` marketing templates that mention "navidad"
• `{COMMAND} 1234 lang:es lang:pt -category:marketing` Spanish or Portuguese, not marketing
• `{COMMAND} 1234 "feliz navidad"` a phrase; words match names and bodies, any case or accent
• `{COMMAND} 1234 show recordatorio_pago` one template in full: body, variables, preview

*Changes*
• `{COMMAND} 1234 history` the last 10 syncs: when, who, how many templates, what changed
• `{COMMAND} subscribe 1234` post what changes in connector 1234 to this channel
• `{COMMAND} unsubscribe 1234` stop that · `{COMMAND} subscriptions` what this channel gets

The connector is the WhatsApp connector's id in Wolkvox Manager (digits only)."""
    if aliases:
        listed = ", ".join(f"`{name}` ({number})" for name, number in sorted(aliases.items()))
        text += f"\n*Aliases:* {listed}, as in `{COMMAND} {min(aliases)} lang:es`."
    return text


def parse(text: str, aliases: Mapping[str, str] | None = None) -> Command:
    """Read the text typed after the slash command. Raises InputError with a clear message.

    Slack sends `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`: they are read as typed.
    """
    aliases = aliases or {}
    text = unescape_command_text(text)
    if len(text) > MAX_COMMAND_CHARS:
        raise InputError(
            f"That command is {len(text):,} characters long; the most I read is "
            f"{MAX_COMMAND_CHARS:,}. Try `{COMMAND} 1234`."
        )
    if _CONTROL.search(text):
        raise InputError(
            "That command contains control or invisible characters. "
            f"Type it again as plain text, like `{COMMAND} 1234`."
        )
    words = text.split()
    if not words or (len(words) == 1 and words[0].lower() in ("help", "-h", "--help", "?")):
        return Help()
    first, *remainder = text.strip().split(maxsplit=1)
    rest = remainder[0] if remainder else ""
    keyword = first.lower()
    if keyword in ("subscribe", "unsubscribe", "subscriptions"):
        return _subscription(keyword, rest.split(), aliases)
    connector = read_connector(first, aliases)
    tokens = _tokens(rest)
    if [t.lower() for t in tokens] == ["history"]:
        return History(connector=connector)
    refresh = any(t.lower() in _REFRESH for t in tokens)
    tokens = [t for t in tokens if t.lower() not in _REFRESH]
    if tokens and tokens[0].lower() == "show":
        return _show(connector, tokens[1:], refresh)
    return Lookup(connector=connector, query=parse_query(tokens, connector), refresh=refresh)


def unescape_command_text(text: str) -> str:
    """Undo Slack's escaping of a slash command's text (only these three entities)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_query_text(text: str) -> Query:
    """A query written back by Query.text() (button values): read with the same rules."""
    if len(text) > MAX_COMMAND_CHARS or _CONTROL.search(text):
        raise InputError("That button's data could not be read. Run the command again.")
    return parse_query(_tokens(text), "1234")


def parse_query(tokens: list[_Token], connector: str) -> Query:
    if len(tokens) > MAX_TERMS:
        raise InputError(
            f"That is {len(tokens)} filters and words; the most I take is {MAX_TERMS}. "
            f"Drop a few, as in `{COMMAND} {connector} lang:es navidad`."
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
            found["not_words" if negative else "words"].append(_word(token.phrase, connector))
            continue
        keyed = _KEY.fullmatch(token)
        if token.startswith("--"):
            raise InputError(
                f"{echo(token)} is not an option I know. The only option is `--refresh`, "
                f"as in `{COMMAND} {connector} --refresh`."
            )
        if keyed:
            minus, key, value = keyed.group(1), keyed.group(2).lower(), keyed.group(3).strip('"“”')
            prefix = "not_" if minus else ""
            if key in _LANGUAGE_KEYS:
                found[prefix + "languages"].append(_language(value, connector))
            elif key in _CATEGORY_KEYS:
                found[prefix + "categories"].append(_category(value, connector))
            else:
                raise InputError(
                    f"{echo(key + ':')} is not a filter I know. Filters are `lang:` and "
                    f"`category:`, as in `{COMMAND} {connector} lang:es category:marketing`."
                )
            continue
        negative = token.startswith("-") and len(token) > 1
        found["not_words" if negative else "words"].append(
            _word(token[1:] if negative else token, connector)
        )
    return Query(**{k: tuple(v for v in dict.fromkeys(v) if v) for k, v in found.items()})


def _word(text: str, connector: str) -> str:
    """A search word or phrase, folded (any case, any accent); too long is an InputError."""
    word = fold(text)
    if len(word) > MAX_WORD:
        raise InputError(
            f"The word {echo(word)} is {len(word)} characters long; the most I search for "
            f"is {MAX_WORD}. Search for a shorter part, as in `{COMMAND} {connector} navidad`."
        )
    return word


def _subscription(keyword: str, words: list[str], aliases: Mapping[str, str]) -> Command:
    if keyword == "subscriptions":
        if words:
            raise InputError(f"`subscriptions` takes nothing after it: `{COMMAND} subscriptions`.")
        return Subscriptions()
    if len(words) != 1:
        raise InputError(f"`{keyword}` takes one connector, as in `{COMMAND} {keyword} 1234`.")
    connector = read_connector(words[0], aliases)
    return Subscribe(connector) if keyword == "subscribe" else Unsubscribe(connector)


def _show(connector: str, tokens: list[_Token], refresh: bool) -> Show:
    if len(tokens) != 1 or not _NAME.fullmatch(tokens[0]):
        raise InputError(
            f"`show` takes one template name, as in `{COMMAND} {connector} show recordatorio_pago`."
        )
    return Show(connector=connector, name=tokens[0], refresh=refresh)


def _language(value: str, connector: str) -> str:
    key = language_key(value)
    if _LANGUAGE.fullmatch(key):
        language, _, region = key.partition("_")
        return f"{language}_{region.upper()}" if region else language
    raise InputError(
        f"{echo(value) if value else 'An empty value'} is not a language code. Write "
        f"Meta's code, like `lang:es`, `lang:pt_BR` or `lang:en_US`: "
        f"`{COMMAND} {connector} lang:pt_BR`."
    )


def _category(value: str, connector: str) -> str:
    key = value.casefold()
    if not _CATEGORY.fullmatch(key):
        raise InputError(
            f"{echo(value) if value else 'An empty value'} is not a category. Categories are "
            f"words like `marketing`, `utility` or `authentication`: "
            f"`{COMMAND} {connector} category:marketing`."
        )
    return key


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


def read_connector(word: str, aliases: Mapping[str, str] | None = None) -> str:
    """A connector id (1 to 20 ASCII digits, leading zeros dropped: `01234` is `1234`) or a
    known alias's id; else InputError."""
    if is_connector_id(word):
        return canonical_connector(word)
    if word.isascii() and word.isdigit():
        raise InputError(
            f"A connector id has 1 to {MAX_CONNECTOR_DIGITS} digits; that one has {len(word):,}. "
            f"Check the id in Wolkvox Manager and try `{COMMAND} 1234`."
        )
    aliases = aliases or {}
    if word.lower() in aliases:
        return canonical_connector(aliases[word.lower()])
    known = (
        " Known aliases: " + ", ".join(f"`{a}`" for a in sorted(aliases)) + "." if aliases else ""
    )
    raise InputError(
        f"{echo(word)} is not a connector id{' or a known alias' if aliases else ''}: "
        f"connector ids are digits only (the WhatsApp connector's number in Wolkvox Manager), "
        f"like `{COMMAND} 1234`.{known}"
    )


def echo(word: str) -> str:
    """User input quoted back as a bounded, escaped code span."""
    return code(word, MAX_ECHO)
