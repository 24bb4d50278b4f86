"""A local stand-in for Telegram: Bot API server, web chat, demo data; the bot never imports it."""
