"""Operating the bot: start-up checks and banner, health, metrics, the daily Wolkvox quota."""
