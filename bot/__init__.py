"""salesbot: a Telegram assistant for a sales department."""
