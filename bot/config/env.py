"""Reading environment variables while collecting every problem, so that one ConfigError
names all of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from bot.errors import ConfigError

_N = TypeVar("_N", int, float)


class EnvReader:
    """Reads variables from `env`; records each problem and goes on with the default."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        """Record a problem; `raise_problems` reports them all together."""
        self.problems.append(message)

    def raise_problems(self) -> None:
        """Raise one ConfigError naming every recorded problem, if there is any."""
        if self.problems:
            raise ConfigError(self.problems)

    def text(self, name: str) -> str:
        """The variable without surrounding whitespace; "" when unset."""
        return self._env.get(name, "").strip()

    def checked(
        self,
        name: str,
        valid: Callable[[str], object] = bool,
        problem: str = "",
        *,
        missing: str = "",
    ) -> str:
        """The variable (as `text`). When unset, records `missing` (if given: the variable is
        required); when set and not `valid`, records `problem`, where {got} stands for the
        value as written."""
        value = self.text(name)
        if not value:
            if missing:
                self.problem(missing)
        elif not valid(value):
            self.problem(problem.format(got=repr(value)))
        return value

    def number(self, name: str, default: _N, low: _N, high: _N, unit: str) -> _N:
        """A number between `low` and `high` of the type of `default`, in `unit` (for messages)."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = type(default)(raw)
        except ValueError:
            self.problem(f"{name} must be {unit}, got {raw!r}")
            return default
        if not low <= value <= high:  # also refuses nan
            self.problem(f"{name} must be {unit} between {low:g} and {high:g}, got {raw!r}")
            return default
        return value

    def flag(self, name: str) -> bool:
        """true/false, yes/no, on/off or 1/0; unset is false."""
        raw = self.text(name).lower()
        if raw in ("", "0", "false", "no", "off"):
            return False
        if raw in ("1", "true", "yes", "on"):
            return True
        self.problem(f"{name} must be true or false, got {raw!r}")
        return False

    def ids(self, name: str, pattern: re.Pattern[str], what: str) -> frozenset[str]:
        """Comma-separated Slack ids, each matching `pattern` (`what` names them for messages)."""
        ids = [word.strip() for word in self.text(name).split(",") if word.strip()]
        bad = [i for i in ids if not pattern.fullmatch(i)]
        if bad:
            self.problem(f"{name} must be comma-separated {what}; not: {', '.join(bad[:5])}")
        return frozenset(ids)
