"""Wolkvox: the `sync_templates` client (`client`) and the pure reader of its answer (`answer`)."""

from bot.wolkvox.answer import SyncAnswer, parse_sync_answer
from bot.wolkvox.client import MAX_IN_FLIGHT, WolkvoxClient

__all__ = ["MAX_IN_FLIGHT", "SyncAnswer", "WolkvoxClient", "parse_sync_answer"]
