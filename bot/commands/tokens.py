"""How the command's text splits into words: quoted phrases stay whole, `key:value` filters
keep their quotes, and text that is too long or holds control characters is refused."""

from __future__ import annotations

import re

MAX_COMMAND_CHARS = 1000

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
KEY = re.compile(r"(-?)([^\W\d_]+):(.*)")
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)“([^”]*)”|(\S+)')


class Token(str):
    """A word of the command. A quoted phrase is always a search phrase (`phrase`), never a
    filter, an option or a negation by its own leading minus; its text keeps the quotes so it
    never equals a command word."""

    phrase: str | None = None


def _phrase(minus: str, content: str) -> Token:
    token = Token(f'{minus}"{content}"')
    token.phrase = " ".join(content.split())
    return token


def tokens(text: str) -> list[Token]:
    """The words of `text`, quoted phrases as one word; empty ones and a lone `-` dropped."""
    found: list[Token] = []
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            found.append(_phrase(match.group(1), match.group(2)))
        elif match.group(4) is not None:
            found.append(_phrase(match.group(3), match.group(4)))
        else:
            plain = match.group(5)
            found.append(Token(plain if KEY.fullmatch(plain) else plain.strip('"“”') or plain))
    return [t for t in found if (t.phrase if t.phrase is not None else t) and t != "-"]


def unescape_command_text(text: str) -> str:
    """Undo Slack's escaping of a slash command's text (only these three entities)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
