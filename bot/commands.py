"""`python -m bot set-webhook` and `delete-webhook`: the webhook registered once per deploy.

set-webhook gives Telegram WEBHOOK_URL, WEBHOOK_SECRET and the update types the routers
handle; delete-webhook goes back to long polling. Pending updates are kept either way.
"""

from __future__ import annotations

from aiogram import Dispatcher

from bot.app import build_bot
from bot.config import Settings
from bot.webhook import allowed_updates
from handlers import get_routers


class CommandError(Exception):
    """A command that cannot be done as the settings stand; its text says what to set."""


def used_update_types() -> list[str]:
    """The update types the bot's routers handle: all Telegram needs to post."""
    dp = Dispatcher()
    dp.include_routers(*get_routers())
    return allowed_updates(dp)


async def set_webhook(settings: Settings) -> str:
    """Register the webhook; one line saying what Telegram now does."""
    if not settings.webhook_url or settings.webhook_secret is None:
        raise CommandError(
            "WEBHOOK_URL is not set: set it to the public https:// URL Telegram should post "
            "to, and WEBHOOK_SECRET beside it."
        )
    types = used_update_types()
    bot = build_bot(settings)
    try:
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=types,
            drop_pending_updates=False,
        )
        info = await bot.get_webhook_info()
    finally:
        await bot.session.close()
    return (
        f"Webhook set: Telegram posts {', '.join(types)} to {info.url} "
        f"({info.pending_update_count} updates waiting)."
    )


async def delete_webhook(settings: Settings) -> str:
    bot = build_bot(settings)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        info = await bot.get_webhook_info()
    finally:
        await bot.session.close()
    return (
        "Webhook deleted: the bot takes updates by long polling again "
        f"({info.pending_update_count} updates waiting)."
    )
