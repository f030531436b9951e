"""The slash-command grammar: the text typed after `/wolkvox-sync` in, a Command out (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.commands import kinds
from bot.commands.filters import parse_query
from bot.commands.kinds import Command
from bot.commands.reading import echo, read_connector, refuse_over
from bot.commands.tokens import (
    CONTROL,
    MAX_COMMAND_CHARS,
    Token,
    tokens,
    unescape_command_text,
)
from bot.errors import InputError
from bot.i18n import Translator, read_language, translator
from bot.i18n.command_words import (
    BACK_TO_SLACK,
    CHECK,
    COMMAND,
    COMPARE,
    COVERAGE,
    DAILY,
    DASHES,
    HELP,
    HISTORY,
    LANGUAGE_CODES,
    LANGUAGE_COMMAND,
    NO_OPERATION,
    REFRESH,
    SHOW,
    STATUS,
    SUBSCRIBE,
    SUBSCRIPTIONS,
    UNSUBSCRIBE,
    USE,
    WEEKLY,
    words,
)
from bot.templates.connectors import is_operation_name
from bot.templates.query import fold

_NAME = re.compile(r"[^\s]{1,512}")


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
    _refuse_unreadable(text, t)
    words_typed = text.split()
    if not words_typed or (len(words_typed) == 1 and fold(words_typed[0]) in HELP):
        return kinds.Help()
    first, *remainder = text.strip().split(maxsplit=1)
    rest = remainder[0] if remainder else ""
    keyword = fold(first)
    if keyword in SUBSCRIBE:
        return _subscribe(first, tokens(rest), aliases, t)
    if keyword in UNSUBSCRIBE + SUBSCRIPTIONS:
        return _subscription(first, keyword, rest.split(), aliases, t)
    if keyword in LANGUAGE_COMMAND:
        return _choose_language(first, rest.split(), t)
    if keyword in STATUS and not rest.strip():
        return kinds.Status()
    if keyword in USE:
        return _use(first, rest.split(), t)
    if keyword in COMPARE:
        return _compare(first, tokens(rest), aliases, t)
    return _on_connector(read_connector(first, aliases, t), tokens(rest), t)


def _refuse_unreadable(text: str, t: Translator) -> None:
    """InputError when the text is too long or holds control or invisible characters."""
    refuse_over(
        len(text),
        MAX_COMMAND_CHARS,
        t,
        t._("That command is {length} characters long; the most I read is {most}. Try {example}."),
        example=f"`{COMMAND} 1234`",
    )
    if CONTROL.search(text):
        raise InputError(
            t._(
                "That command contains control or invisible characters. Type it again as plain "
                "text, like {example}."
            ).format(example=f"`{COMMAND} 1234`")
        )


def _on_connector(connector: str, found: list[Token], t: Translator) -> Command:
    """`<connector> history`, `show`, `coverage`, `check`, or a lookup (`--refresh` anywhere)."""
    if len(found) == 1 and fold(found[0]) in HISTORY:
        return kinds.History(connector=connector)
    refresh, found = _without_refresh(found)
    first = fold(found[0]) if found else ""
    if first in SHOW:
        return kinds.Show(connector, _one_name(connector, found, t), refresh=refresh)
    if first in COVERAGE:
        return kinds.Coverage(connector, parse_query(found[1:], connector, t), refresh=refresh)
    if first in CHECK:
        return kinds.Check(connector, _one_name(connector, found, t), refresh=refresh)
    return kinds.Lookup(connector, parse_query(found, connector, t), refresh=refresh)


def _without_refresh(found: list[Token]) -> tuple[bool, list[Token]]:
    """Whether `--refresh` (in any language, any dash) was typed, and the other words."""
    kept = [x for x in found if fold(x) not in REFRESH]
    return len(kept) != len(found), kept


def _one_name(connector: str, found: list[Token], t: Translator) -> str:
    """The template name after `show` or `check` (`found[0]`): exactly one, or InputError."""
    typed, names = found[0], found[1:]
    if len(names) != 1 or not _NAME.fullmatch(names[0]):
        raise InputError(
            t._("{word} takes one template name, as in {example}.").format(
                word=echo(typed.lower()),
                example=f"`{COMMAND} {connector} {typed.lower()} {words(t).example_name}`",
            )
        )
    return names[0]


def _subscription(
    typed: str, keyword: str, rest: list[str], aliases: Mapping[str, str], t: Translator
) -> Command:
    shown = echo(typed.lower())
    if keyword in SUBSCRIPTIONS:
        if rest:
            raise InputError(
                t._("{word} takes nothing after it: {example}.").format(
                    word=shown, example=f"`{COMMAND} {typed.lower()}`"
                )
            )
        return kinds.Subscriptions()
    if len(rest) != 1:
        raise InputError(
            t._("{word} takes one connector, as in {example}.").format(
                word=shown, example=f"`{COMMAND} {typed.lower()} 1234`"
            )
        )
    return kinds.Unsubscribe(read_connector(rest[0], aliases, t))


def _subscribe(
    typed: str, found: list[Token], aliases: Mapping[str, str], t: Translator
) -> kinds.Subscribe:
    """`subscribe <connector> [filters] [--daily|--weekly]`: the options anywhere after it."""
    w = words(t)
    word = typed.lower()
    example = f"`{COMMAND} {word} 1234 {w.lang}pt_BR {w.daily}`"
    cadences: dict[kinds.Cadence, Token] = {}
    rest = []
    for token in found:
        folded = fold(token) if token.phrase is None else ""
        if folded in DAILY or folded in WEEKLY:
            cadences.setdefault("daily" if folded in DAILY else "weekly", token)
        elif token.phrase is None and token.startswith(DASHES):
            raise InputError(
                t._(
                    "{option} is not an option of {word}: {daily} posts once a day, {weekly} "
                    "once a week, as in {example}."
                ).format(
                    option=echo(token),
                    word=echo(word),
                    daily=f"`{w.daily}`",
                    weekly=f"`{w.weekly}`",
                    example=example,
                )
            )
        else:
            rest.append(token)
    if len(cadences) > 1:
        raise InputError(
            t._("{daily} and {weekly} don't go together: choose one, as in {example}.").format(
                daily=echo(cadences["daily"]), weekly=echo(cadences["weekly"]), example=example
            )
        )
    if not rest or rest[0].phrase is not None:
        raise InputError(
            t._("{word} takes one connector, then any filters, as in {example}.").format(
                word=echo(word), example=example
            )
        )
    connector = read_connector(rest[0], aliases, t)
    query = parse_query(rest[1:], connector, t)
    return kinds.Subscribe(connector, query, next(iter(cadences), "each"))


def _choose_language(typed: str, rest: list[str], t: Translator) -> kinds.ChooseLanguage:
    if not rest:
        return kinds.ChooseLanguage()
    if len(rest) == 1 and fold(rest[0]) in BACK_TO_SLACK:
        return kinds.ChooseLanguage("auto")
    language = read_language(rest[0]) if len(rest) == 1 else None
    if language is None:
        raise InputError(
            t._(
                "{word} is not a language I speak. Choose {choices}, or {auto} to follow your "
                "Slack language: {example}."
            ).format(
                word=echo(" ".join(rest)),
                choices=", ".join(f"`{x}`" for x in LANGUAGE_CODES.values()),
                auto="`auto`",
                example=f"`{COMMAND} {typed.lower()} {LANGUAGE_CODES[t.language]}`",
            )
        )
    return kinds.ChooseLanguage(language)


def _compare(
    typed: str, found: list[Token], aliases: Mapping[str, str], t: Translator
) -> kinds.Compare:
    """`compare <a> <b> [filters] [--refresh]`: two different connectors, then filters."""
    refresh, found = _without_refresh(found)
    example = f"`{COMMAND} {typed.lower()} 1234 5678 {words(t).lang}es`"
    if len(found) < 2 or any(x.phrase is not None for x in found[:2]):
        raise InputError(
            t._("{word} takes two connectors, then any filters, as in {example}.").format(
                word=echo(typed.lower()), example=example
            )
        )
    left, right = (read_connector(x, aliases, t) for x in found[:2])
    if left == right:
        raise same_sides(left, t, typed)
    query = parse_query(found[2:], left, t)
    return kinds.Compare(left=left, right=right, query=query, refresh=refresh)


def same_sides(connector: str, t: Translator, typed: str = "") -> InputError:
    """Both sides of `compare` (typed as `typed`) are the same connector, as typed or once
    resolved."""
    word = typed.lower() or words(t).compare
    example = f"`{COMMAND} {word} 1234 5678 {words(t).lang}es`"
    return InputError(
        t._(
            "Both sides are connector {connector}: compare two different connectors, as "
            "in {example}."
        ).format(connector=echo(connector), example=example)
    )


def _use(typed: str, rest: list[str], t: Translator) -> kinds.Use:
    """`use` alone, `use none`, or `use <operation>`."""
    if not rest:
        return kinds.Use()
    if len(rest) == 1 and fold(rest[0]) in NO_OPERATION:
        return kinds.Use(clear=True)
    name = rest[0].lower()
    if len(rest) == 1 and is_operation_name(name):
        return kinds.Use(name)
    raise InputError(
        t._(
            "{word} takes one operation's name (lowercase letters, digits, _ and -), as in "
            "{example}, or {none} to clear this channel's default."
        ).format(
            word=echo(typed.lower()),
            example=f"`{COMMAND} {typed.lower()} cliente_a`",
            none=f"`{COMMAND} {typed.lower()} {words(t).none}`",
        )
    )
