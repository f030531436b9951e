"""The terminal door: the `wolkvox-sync` commands, on the core Slack uses too (the settings,
the command grammar, the computations and the words, in WOLKVOX_LANGUAGE):

    wolkvox-sync sync <connector>...                      sync now (terminals, schedulers)
    wolkvox-sync templates <connector> [filters]          the templates that match
    wolkvox-sync coverage <connector> [filters]           which names exist in which languages
    wolkvox-sync compare <connector> <connector> [filters]   what differs between two
    wolkvox-sync digest --channel C0123 [--since 24h]     a channel's digest, or --post it

The lookups read the last stored sync (`source`), print text, `--json` or `--csv`.

    sync.py         `sync`: syncs through the bot, prints a summary or JSON
    digest.py       `digest`: the bot's digest of a channel; the Slack side is handed in
    digest_words.py `digest`'s channel id and `--since` read
    lookups.py      `templates`, `coverage`, `compare`: read the request, get the data, answer
    arguments.py    command-line words -> connector ids and a Query (`bot.commands` grammar)
    source.py       the snapshots a lookup reads: the database, or a sync (`build_app`)
    templates.py    a lookup's answer: the matching templates
    coverage.py     a lookup's answer: the coverage grid
    compare.py      a lookup's answer: two connectors side by side
    output.py       what the answers share: output modes, heading, nothing found, JSON
    text.py         terminal text: untrusted values made harmless, failures, tables
"""

from __future__ import annotations

from bot.console.lookups import LookupRequest, read_request, run_lookup
from bot.console.sync import InputError, connectors_from, run_sync

__all__ = [
    "InputError",
    "LookupRequest",
    "connectors_from",
    "read_request",
    "run_lookup",
    "run_sync",
]
