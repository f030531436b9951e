"""Short replies: help, progress, a line of text, the "data expired" notice and the language
choice (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands import COMMAND, help_text, words
from bot.i18n import Translator
from bot.i18n.mrkdwn import escape
from bot.slack.action_ids import ACTION_REFRESH
from bot.slack.values import ViewRef, encode_view
from bot.slack.views.kit import Message, button, message, section
from bot.slack.views.listing import expired_offer


def help_message(t: Translator, aliases: Mapping[str, str] | None = None) -> Message:
    return message(
        t._("How to use {command}").format(command=COMMAND), [section(help_text(aliases, t))]
    )


def progress_message(connector: str, t: Translator) -> Message:
    text = syncing_text(connector, t)
    return message(text, [section(text)])


def syncing_text(connector: str, t: Translator) -> str:
    """ ":hourglass_flowing_sand: Syncing connector *1234* with Wolkvox…" (a reply, the modal)."""
    return t._(":hourglass_flowing_sand: Syncing connector *{connector}* with Wolkvox…").format(
        connector=escape(connector)
    )


def text_message(text: str) -> Message:
    """One section of text: a failure, a refusal or a confirmation. `text` is mrkdwn already
    made safe by its author (the fallback is made plain)."""
    return message(text, [section(text)])


def expired_message(connector: str, text: str, t: Translator, query: str = "") -> Message:
    """Data behind a button is gone: say so and offer a refresh."""
    value = encode_view(ViewRef(connector, query=query))
    return expired_offer(text, button(t._("Refresh"), ACTION_REFRESH, value, "primary"))


def language_message(t: Translator, *, chosen: bool, changed: bool = False) -> Message:
    """`idioma`: which language the bot speaks to this person, why, and how to change it.
    `chosen`: the person chose it (else it is their Slack language or the default)."""
    w = words(t)
    if changed:
        head = t._(":speech_balloon: From now on I answer you in {language}.")
    elif chosen:
        head = t._(":speech_balloon: I answer you in {language}, as you chose.")
    else:
        head = t._(":speech_balloon: I answer you in {language}, the language of your Slack.")
    how = t._(
        "To change it: {spanish} · {portuguese} · {english}; {auto} follows your Slack "
        "language again."
    ).format(
        spanish=f"`{COMMAND} {w.language} es`",
        portuguese=f"`{COMMAND} {w.language} pt`",
        english=f"`{COMMAND} {w.language} en`",
        auto=f"`{COMMAND} {w.language} auto`",
    )
    text = head.format(language=t.name) + "\n" + how
    return message(text, [section(text)])
