"""The slash-command grammar: text in, a Command out (pure). The help text lives here too."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import InputError
from bot.text import code

COMMAND = "/wolkvox-sync"
MAX_CONNECTOR_DIGITS = 20
MAX_COMMAND_CHARS = 1000
MAX_ECHO = 40  # how much of a bad word is quoted back

_CONNECTOR = re.compile(rf"[0-9]{{1,{MAX_CONNECTOR_DIGITS}}}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Help:
    """Show usage."""


@dataclass(frozen=True, slots=True)
class Sync:
    """Sync one connector and list its templates."""

    connector: str
    refresh: bool = False


Command = Help | Sync

HELP_TEXT = f"""*{COMMAND}* syncs the WhatsApp templates of a Wolkvox connector and lists them.

*Usage*
• `{COMMAND} 1234` sync connector 1234 (answered from the cache if synced recently)
• `{COMMAND} 1234 --refresh` ask Wolkvox again, even if a recent copy is cached
• `{COMMAND} help` this help

The connector id is the WhatsApp connector's number in Wolkvox Manager (digits only)."""


def parse(text: str) -> Command:
    """Read the text typed after the slash command. Raises InputError with a clear message."""
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

    connector = read_connector(words[0])
    refresh = False
    for word in words[1:]:
        if word.lower() in ("--refresh", "-r", "refresh"):
            refresh = True
        elif word.startswith("-"):
            raise InputError(
                f"{echo(word)} is not an option I know. The only option is `--refresh`, "
                f"as in `{COMMAND} {connector} --refresh`."
            )
        else:
            raise InputError(
                f"I did not expect {echo(word)} after the connector id. "
                f"Write `{COMMAND} {connector}` or `{COMMAND} {connector} --refresh`."
            )
    return Sync(connector=connector, refresh=refresh)


def read_connector(word: str) -> str:
    """A connector id (1 to 20 ASCII digits), or InputError saying what is wrong with `word`."""
    if _CONNECTOR.fullmatch(word):
        return word
    if word.isascii() and word.isdigit():
        raise InputError(
            f"A connector id has 1 to {MAX_CONNECTOR_DIGITS} digits; that one has {len(word):,}. "
            f"Check the id in Wolkvox Manager and try `{COMMAND} 1234`."
        )
    raise InputError(
        f"{echo(word)} is not a connector id: connector ids are digits only "
        f"(the WhatsApp connector's number in Wolkvox Manager), like `{COMMAND} 1234`."
    )


def echo(word: str) -> str:
    """User input quoted back as a bounded, escaped code span."""
    return code(word, MAX_ECHO)
