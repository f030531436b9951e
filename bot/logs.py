"""Logging set-up, with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
from collections.abc import Iterable

# Secrets learnt after start-up (the Wolkvox tokens of stored operations, opened when the
# operations are loaded): every RedactSecrets filter hides them too.
_LEARNT: set[str] = set()


def keep_out_of_logs(secret: str) -> None:
    """Hide `secret` from every log line from now on (shorter than 6 characters: ignored)."""
    if len(secret) >= 6:
        _LEARNT.add(secret)


class RedactSecrets(logging.Filter):
    """Replace any configured secret that reaches a log record with [redacted]."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._given = [s for s in secrets if len(s) >= 6]

    @property
    def _secrets(self) -> list[str]:
        return [*self._given, *_LEARNT]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self._secrets):
                for secret in self._secrets:
                    text = text.replace(secret, "[redacted]")
                record.exc_info, record.exc_text = None, text
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
