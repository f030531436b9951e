"""wolkvox-sync: a Slack app that syncs and looks up Wolkvox WhatsApp message templates."""

__version__ = "0.1.0"
