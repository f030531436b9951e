"""The names of the variables the bot reads, for spotting misspelt ones."""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator, Mapping

from bot.config.settings import Settings
from bot.errors import ConfigError


def setting_names() -> frozenset[str]:
    """Every variable `Settings.from_env` reads."""
    names: set[str] = set()

    class Recorder(Mapping[str, str]):
        def __getitem__(self, name: str) -> str:
            names.add(name)
            raise KeyError(name)

        def __iter__(self) -> Iterator[str]:
            return iter(())

        def __len__(self) -> int:
            return 0

    with contextlib.suppress(ConfigError):
        # the readers are the list of names; socket: SLACK_APP_TOKEN is read too
        Settings.from_env(Recorder(), mode="socket")
    return frozenset(names)


def misspelt_settings(env: Mapping[str, str]) -> list[str]:
    """A warning for each variable in `env` whose name looks like a misspelt WOLKVOX_* or
    SLACK_* setting: `WOLKVOX_CACHE_TTLL: did you mean WOLKVOX_CACHE_TTL?`."""
    known = sorted(setting_names())
    warnings = []
    for name in sorted(env):
        prefix = name.upper().partition("_")[0]
        if name in known or not any(_similar(prefix, ours) for ours in _OUR_PREFIXES):
            continue
        likely = difflib.get_close_matches(name.upper(), known, n=1, cutoff=_LIKELY_NAME)
        if likely:
            warnings.append(f"{name}: did you mean {likely[0]}?")
    return warnings


_OUR_PREFIXES = ("WOLKVOX", "SLACK")
_LIKELY_NAME = 0.8  # difflib's similarity: TTLL for TTL, SLACK_TOKEN for SLACK_BOT_TOKEN


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.7
