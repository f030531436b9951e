"""Who may use the bot: WOLKVOX_ALLOWED_USERS and WOLKVOX_ALLOWED_CHANNELS (pure)."""

from __future__ import annotations

from bot.config import Settings
from bot.i18n import Translator


def refusal(t: Translator) -> str:
    """What someone outside WOLKVOX_ALLOWED_USERS / _CHANNELS reads."""
    return t._(
        ":lock: Sorry, this bot is limited to certain people and channels in this workspace, "
        "and this request is not among them. Ask your Wolkvox administrator to add you."
    )


def allowed(settings: Settings, *, user_id: str, channel_id: str) -> bool:
    """Whether this user, in this channel, may sync, look up or subscribe. Each list that is
    set must contain the id; unset lists allow everyone."""
    if settings.allowed_users and user_id not in settings.allowed_users:
        return False
    return not (settings.allowed_channels and channel_id not in settings.allowed_channels)
