"""`python -m bot [command]`: read the settings, then run the bot, or do one operator's task
(migrate, back up or restore the database, register or remove the webhook)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import logs, redact
from bot.config import Settings
from bot.memory import limit_malloc_arenas

NO_TOKEN = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you into a file named .env in this folder:
         cp .env.example .env      # then edit BOT_TOKEN=...
  3. Run `make run` again.

Every setting is described in README.md and .env.example.
"""
WEBHOOK_COMMANDS = ("set-webhook", "delete-webhook")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "?"
            print(f"Invalid setting {name}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Without a command: run the bot. Settings: README.md."
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    commands.add_parser("migrate", help="bring the database to the newest schema, then exit")
    backup = commands.add_parser("backup", help="copy the SQLite database, even while it runs")
    backup.add_argument("file", type=Path, help="the new backup file")
    restore = commands.add_parser("restore", help="put a backup back (the bot stopped)")
    restore.add_argument("file", type=Path, help="a file `backup` made")
    commands.add_parser("set-webhook", help="register WEBHOOK_URL with Telegram (once a deploy)")
    commands.add_parser("delete-webhook", help="remove the webhook: back to long polling")
    return parser.parse_args(argv)


def main(argv: Sequence[str] = ()) -> int:
    limit_malloc_arenas()  # before any thread
    args = parse_args(argv)
    settings = load_settings()
    logs.setup(settings.log_level, settings.log_format)
    redact.install(redact.secrets_of(settings))
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    if args.command in ("migrate", "backup", "restore"):
        from bot import cli

        if args.command == "migrate":
            return cli.run_migrate(settings)
        command = cli.run_backup if args.command == "backup" else cli.run_restore
        return command(settings, args.file)
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
            return _run(args.command or "run", settings)
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
