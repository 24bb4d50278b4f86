"""Alembic environment: the application hands over its connection (`storage.db.migrate`);
the `alembic` command line (alembic.ini) opens the bot's own database instead."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from storage.models import Base


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    """`-x database_url=...`, else DATABASE_URL as the bot reads it (environment or .env)."""
    given = context.get_x_argument(as_dictionary=True).get("database_url")
    from bot.config import Settings

    return Settings(database_url=given).database_url if given else Settings().database_url


async def run_from_command_line() -> None:
    from storage.db import make_engine, run_migrations

    engine = make_engine(database_url())
    try:
        await run_migrations(engine, run_on)
    finally:
        await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    if context.config.config_file_name is not None:
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():  # `alembic upgrade head --sql`: the SQL, not run
        context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_from_command_line())
