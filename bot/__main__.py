"""`python -m bot [set-webhook | delete-webhook]`: read the settings, then run the bot (or
register or remove its webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot import logs, redact
from bot.config import Settings

NO_TOKEN = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you into a file named .env in this folder:
         cp .env.example .env      # then edit BOT_TOKEN=...
  3. Run `make run` again.

Every setting is described in README.md and .env.example.
"""
COMMANDS = ("run", "set-webhook", "delete-webhook")
USAGE = "usage: python -m bot [set-webhook | delete-webhook]"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "?"
            print(f"Invalid setting {name}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: Sequence[str] = ()) -> int:
    command = argv[0] if argv else "run"
    if command not in COMMANDS or len(argv) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    settings = load_settings()
    logs.setup(settings.log_level, settings.log_format)
    redact.install(redact.secrets_of(settings))
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from aiogram.exceptions import (
        TelegramBadRequest,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    from bot.app import DatabaseUnreachableError
    from bot.server import PortTakenError, RedisUnreachableError

    try:
        with contextlib.suppress(KeyboardInterrupt):
            return _run(command, settings)
        return 0  # Ctrl-C before the bot's own signal handling was in place
    except DatabaseUnreachableError as error:
        print(f"Cannot open the database at DATABASE_URL ({error}).", file=sys.stderr)
    except RedisUnreachableError as error:
        print(f"Cannot reach Redis at REDIS_URL ({error}).", file=sys.stderr)
    except PortTakenError as error:
        print(f"Cannot listen on {error}: the port is taken or not allowed.", file=sys.stderr)
    except TelegramUnauthorizedError:
        print("Telegram refused BOT_TOKEN: check the token @BotFather gave you.", file=sys.stderr)
    except TelegramNetworkError as error:
        print(f"Cannot reach the Bot API at TELEGRAM_API_URL: {error}", file=sys.stderr)
    except TelegramBadRequest as error:
        print(f"Telegram refused the request: {error.message}", file=sys.stderr)
    return 2


def _run(command: str, settings: Settings) -> int:
    from bot.app import run

    if command == "run":
        asyncio.run(run(settings))
        return 0
    from bot.commands import CommandError, delete_webhook, set_webhook

    try:
        said = asyncio.run(
            set_webhook(settings) if command == "set-webhook" else delete_webhook(settings)
        )
    except CommandError as error:
        print(error, file=sys.stderr)
        return 2
    print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
