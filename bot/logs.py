"""Logging set-up, with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Secrets learnt after start-up (the Wolkvox tokens of stored operations, opened when the
# operations are loaded): every RedactSecrets filter hides them too. Slack's tokens (bot, user,
# refresh: xoxb-…, xoxp-…, xoxe.xoxb-…, xoxe-…) are hidden by their shape instead, so rotating
# them in distribution mode doesn't grow this; it holds at most MAX_LEARNT, the newest kept.
MAX_LEARNT = 10_000
SLACK_TOKEN = re.compile(r"xox(?:e\.xox)?[a-z]-[A-Za-z0-9-]+|xoxe-\d-[A-Za-z0-9-]+")
_LEARNT: dict[str, None] = {}


def keep_out_of_logs(secret: str) -> None:
    """Hide `secret` from every log line from now on (shorter than 6 characters: ignored)."""
    if len(secret) < 6 or SLACK_TOKEN.fullmatch(secret) or secret in _LEARNT:
        return
    _LEARNT[secret] = None
    while len(_LEARNT) > MAX_LEARNT:
        del _LEARNT[next(iter(_LEARNT))]


def _hide(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return SLACK_TOKEN.sub("[redacted]", text)


class RedactSecrets(logging.Filter):
    """Replace any configured secret, or anything shaped like a Slack token, that reaches a
    log record with [redacted]."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._given = [s for s in secrets if len(s) >= 6]

    @property
    def _secrets(self) -> list[str]:
        return [*self._given, *_LEARNT]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = _hide(message, self._secrets)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            hidden = _hide(text, self._secrets)
            if hidden != text:
                record.exc_info, record.exc_text = None, hidden
        return True


class OneLine(logging.Filter):
    """Keep every log record on one line: untrusted text (Wolkvox's `msg`, Slack's errors,
    template names) with line breaks could otherwise forge log lines. Tracebacks are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(c in message for c in _BREAKS):
            record.msg, record.args = message.translate(_ESCAPES), None
        return True


_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ESCAPES = {ord(c): f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in _BREAKS}
_ESCAPES |= {ord("\n"): "\\n", ord("\r"): "\\r"}


class _ClientGivenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when it is given a client built from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def setup_logging(*, secrets: Iterable[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(OneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # bot.database.migrate says what ran
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_ClientGivenNotice())
