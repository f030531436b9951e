"""Alembic's environment and revisions for the history database (run by `bot.database.migrate`)."""
