"""Limits: Telegram's on what the bot sends (one budget for every process), ours on floods."""
