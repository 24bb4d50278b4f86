"""`python -m bot`: read the settings, then run the bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

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
    return parser.parse_args(argv)


def main(argv: Sequence[str] = ()) -> int:
    args = parse_args(argv)
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redact.install(redact.secrets_of(settings))
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    if args.command is not None:
        from bot import cli

        if args.command == "migrate":
            return cli.run_migrate(settings)
        command = cli.run_backup if args.command == "backup" else cli.run_restore
        return command(settings, args.file)
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
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
    sys.exit(main(sys.argv[1:]))
