"""What a slash command asks for: one small frozen value per kind of command."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from bot.i18n import Language
from bot.templates.query import Query

__all__ = [
    "CADENCES",
    "Cadence",
    "Check",
    "ChooseLanguage",
    "Command",
    "Compare",
    "Coverage",
    "Help",
    "History",
    "Lookup",
    "Show",
    "Status",
    "Subscribe",
    "Subscriptions",
    "Unsubscribe",
    "Use",
]


# how often a subscribed channel hears: after every sync that changes something, or one
# digest a day (09:00) or a week (Mondays 09:00) in WOLKVOX_TIMEZONE
Cadence = Literal["each", "daily", "weekly"]
CADENCES: tuple[Cadence, ...] = get_args(Cadence)


@dataclass(frozen=True, slots=True)
class Help:
    """Show usage."""


@dataclass(frozen=True, slots=True)
class _OnTemplates:
    """A command on one connector's templates: from the cache, or synced again when `refresh`
    (`--refresh`) asks for it."""

    connector: str
    refresh: bool = field(default=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Lookup(_OnTemplates):
    """Sync (or use the cache) and list the templates that match `query` (all when empty)."""

    query: Query = field(default_factory=Query)


@dataclass(frozen=True, slots=True)
class Coverage(_OnTemplates):
    """Which template names (those `query` matches) exist in which languages."""

    query: Query = field(default_factory=Query)


@dataclass(frozen=True, slots=True)
class Show(_OnTemplates):
    """One template in full, every language that shares the name."""

    name: str


@dataclass(frozen=True, slots=True)
class Check(_OnTemplates):
    """Whether one template is ready for a campaign in every language it has."""

    name: str


@dataclass(frozen=True, slots=True)
class Compare:
    """What differs between two connectors among the templates `query` matches."""

    left: str
    right: str
    query: Query = field(default_factory=Query)
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class History:
    """The last syncs of a connector, with what each changed."""

    connector: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Post this connector's changes to the channel the command was typed in: only those of
    templates `query` matches (all when empty), after every sync or as a digest (`cadence`).
    Subscribing again replaces the filters and the cadence."""

    connector: str
    query: Query = field(default_factory=Query)
    cadence: Cadence = "each"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """Stop posting this connector's changes to the channel."""

    connector: str


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """What this channel is subscribed to."""


@dataclass(frozen=True, slots=True)
class Status:
    """How the bot is doing: calls today against the quota, syncs, cache, database, Redis."""


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """`idioma es`: speak this language to me (stored); `idioma auto`: follow my Slack
    language again; `idioma` alone: say which language is used and how to change it."""

    language: Language | Literal["auto"] | None = None


@dataclass(frozen=True, slots=True)
class Use:
    """`use cliente_a`: a bare connector id typed in this channel means that operation's
    (kept); `use none` (`clear`): it no longer does; `use` alone: say which one does, and list
    the operations."""

    operation: str | None = None
    clear: bool = False


Command = (
    Help
    | Lookup
    | Show
    | Coverage
    | Check
    | Compare
    | History
    | Subscribe
    | Unsubscribe
    | Subscriptions
    | ChooseLanguage
    | Status
    | Use
)
