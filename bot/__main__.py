"""`python -m bot`: read the settings, then run the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from pydantic import ValidationError

from bot import redact
from bot.config import Settings

NO_TOKEN = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you into a file named .env in this folder:
         cp .env.example .env      # then edit BOT_TOKEN=...
  3. Run `make run` again.

Every setting is described in README.md and .env.example.
"""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "?"
            print(f"Invalid setting {name}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> int:
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redact.install(redact.secrets_of(settings))
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import DatabaseUnreachableError, run

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except DatabaseUnreachableError as error:
        print(f"Cannot open the database at DATABASE_URL ({error}).", file=sys.stderr)
        return 2
    except TelegramUnauthorizedError:
        print("Telegram refused BOT_TOKEN: check the token @BotFather gave you.", file=sys.stderr)
        return 2
    except TelegramNetworkError as error:
        print(f"Cannot reach the Bot API at TELEGRAM_API_URL: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
