"""The help text: usage in the reader's language, with that language's command words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.i18n import Translator, translator
from bot.i18n.command_words import COMMAND, LANGUAGE_CODES, Words, words
from bot.i18n.mrkdwn import escape


def help_text(
    aliases: Mapping[str, str] | None = None,
    t: Translator | None = None,
    operations: Sequence[str] = (),
) -> str:
    """Usage in `t`'s language, with that language's command words, examples and the
    configured aliases (alias -> connector id or key). With several `operations`, how to name
    one (`cliente_a:1234`) and `use`; with one, nothing about operations (as before)."""
    t = t or translator("en")
    w = words(t)
    lines = [
        t._("*{command}* syncs the WhatsApp templates of a Wolkvox connector and looks them up.")
        .format(command=COMMAND),
    ]  # fmt: skip
    for section in (_sync, _look_up, _plan, _changes, _service, _language):
        lines += ["", *section(t, w)]
    if len(operations) > 1:
        lines += ["", *_operations(t, w, operations)]
    lines += [
        "",
        t._("The connector is the WhatsApp connector's id in Wolkvox Manager (digits only)."),
    ]
    if aliases:
        listed = ", ".join(
            f"`{name}` ({escape(t.connector(target))})" for name, target in sorted(aliases.items())
        )
        lines.append(
            t._("*Aliases:* {aliases}, as in {example}.").format(
                aliases=listed, example=_run(min(aliases), w.lang + "es")
            )
        )
    return "\n".join(lines)


def _run(*rest: str) -> str:
    """The command with `rest` after it, as code."""
    return "`" + " ".join([COMMAND, *rest]) + "`"


def _sync(t: Translator, w: Words) -> list[str]:
    return [
        t._("*Sync and list*"),
        "• " + t._("{command} all templates of connector 1234 (from the cache if synced "
                   "recently)").format(command=_run("1234")),
        "• " + t._("{command} ask Wolkvox again, even if a recent copy is cached")
        .format(command=_run("1234", w.refresh)),
    ]  # fmt: skip


def _look_up(t: Translator, w: Words) -> list[str]:
    return [
        t._("*Look up* (filters and words combine; every one must hold)"),
        "• " + t._("{command} templates in Brazilian Portuguese ({example} is every Spanish)")
        .format(command=_run("1234", w.lang + "pt_BR"), example=f"`{w.lang}es`"),
        "• " + t._("{command} marketing templates that mention “{word}”")
        .format(command=_run("1234", w.category + "marketing", w.example_word),
                word=w.example_word),
        "• " + t._("{command} Spanish or Portuguese, not marketing")
        .format(command=_run("1234", w.lang + "es", w.lang + "pt", "-" + w.category + "marketing")),
        "• " + t._("{command} a phrase; words match names and bodies, any case or accent")
        .format(command=_run("1234", f'"{w.example_phrase}"')),
        "• " + t._("{command} one template in full: body, variables, preview")
        .format(command=_run("1234", w.show, w.example_name)),
    ]  # fmt: skip


def _plan(t: Translator, w: Words) -> list[str]:
    return [
        t._("*Plan a campaign*"),
        "• " + t._("{command} which templates exist in which languages, incomplete ones first")
        .format(command=_run("1234", w.coverage, w.category + "marketing")),
        "• " + t._("{command} is it ready in every language: variables, category, length, "
                   "missing languages").format(command=_run("1234", w.check, w.example_name)),
        "• " + t._("{command} what one connector has that the other lacks, or has differently")
        .format(command=_run(w.compare, "1234", "5678", w.lang + "es")),
    ]  # fmt: skip


def _changes(t: Translator, w: Words) -> list[str]:
    return [
        t._("*Changes*"),
        "• " + t._("{command} the last 10 syncs: when, who, how many templates, what changed")
        .format(command=_run("1234", w.history)),
        "• " + t._("{command} post what changes in connector 1234 to this channel")
        .format(command=_run(w.subscribe, "1234")),
        "• " + t._("{command} only what the filters match, in one digest a day at 09:00 "
                   "({weekly}: Mondays); subscribing again replaces both")
        .format(command=_run(w.subscribe, "1234", w.lang + "pt_BR", w.daily),
                weekly=f"`{w.weekly}`"),
        "• " + t._("{command} stop that · {list} what this channel gets")
        .format(command=_run(w.unsubscribe, "1234"), list=_run(w.subscriptions)),
    ]  # fmt: skip


def _service(t: Translator, w: Words) -> list[str]:
    return [
        t._("*Service status*"),
        "• " + t._("{command} Wolkvox calls today against the daily quota, syncs running, "
                   "cached connectors, the last sync of each, database and Redis")
        .format(command=_run(w.status)),
    ]  # fmt: skip


def _operations(t: Translator, w: Words, operations: Sequence[str]) -> list[str]:
    """How to say which operation a connector is in, when there are several."""
    first = operations[0]
    return [
        t._("*Operations* ({names})").format(names=", ".join(f"`{x}`" for x in operations)),
        "• " + t._("{command} connector 1234 of operation {operation}")
        .format(command=_run(f"{first}:1234"), operation=f"`{first}`"),
        "• " + t._("{command} in this channel, a connector id alone means {operation}'s · "
                   "{show} says which operation that is · {clear} forgets it")
        .format(
            command=_run(w.use, first),
            operation=f"`{first}`",
            show=_run(w.use),
            clear=_run(w.use, w.none),
        ),
    ]  # fmt: skip


def _language(t: Translator, w: Words) -> list[str]:
    """The reader's own language as the example (`idioma pt` in Portuguese), the others after."""
    own = LANGUAGE_CODES[t.language]
    return [
        t._("*Language*"),
        "• " + t._("{command} answer me in {language} ({others}); {auto} follows your Slack "
                   "language again").format(
            command=_run(w.language, own),
            language=t.name,
            others=", ".join(f"`{x}`" for x in LANGUAGE_CODES.values() if x != own),
            auto=f"`{w.language} auto`",
        ),
    ]  # fmt: skip
