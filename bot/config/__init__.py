"""The bot's settings: `Settings.from_env` reads them once at start-up.

    settings.py   Settings, and from_env composing the readers
    readers.py    one small reader per concern
    env.py        EnvReader (collects every problem)
    names.py      the names read, misspelt names
    database.py   DATABASE_URL -> SQLAlchemy URL and asyncpg options
    defaults.py   every default

Imports nothing of the bot but the error tree and the connector-id pattern.
"""

from __future__ import annotations

from bot.config.database import SSL_MODES, database_options, engine_url
from bot.config.defaults import DEFAULT_DATABASE_URL
from bot.config.env import EnvReader
from bot.config.names import misspelt_settings, setting_names
from bot.config.settings import Settings

__all__ = [
    "DEFAULT_DATABASE_URL",
    "SSL_MODES",
    "EnvReader",
    "Settings",
    "database_options",
    "engine_url",
    "misspelt_settings",
    "setting_names",
]
