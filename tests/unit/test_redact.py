"""Secrets never reach a log line, whoever logs them: the token, database passwords."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from aiogram import Dispatcher
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import BackoffConfig

from bot import redact
from bot.config import Settings
from tests.mocked_bot import MockedBot

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
DB_PASSWORD = "s3cr3t-pa55"
REDIS_PASSWORD = "r3d1s-pw"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the root logger's handler writes, the filter installed as `python -m bot` does."""
    root, out = logging.getLogger(), io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=f"postgresql+asyncpg://sales:{DB_PASSWORD}@db:5432/sales",
        redis_url=f"redis://:{REDIS_PASSWORD}@cache:6379/0",
    )
    redact.install(redact.secrets_of(settings))
    try:
        yield out
    finally:
        root.removeHandler(handler)
        for each in root.handlers:
            for f in [f for f in each.filters if isinstance(f, redact.RedactingFilter)]:
                each.removeFilter(f)


def assert_no_secrets(text: str) -> None:
    for secret in (TOKEN, TOKEN.partition(":")[2], DB_PASSWORD, REDIS_PASSWORD):
        assert secret not in text
        assert quote(secret, safe="") not in text


async def test_a_broken_long_poll_logs_its_error_without_the_token(
    log_output: io.StringIO,
) -> None:
    bot = MockedBot(TOKEN)
    url = f"https://api.telegram.org/bot{quote(TOKEN, safe='')}/getUpdates"
    broken = TelegramNetworkError(
        method=GetUpdates(), message=f"ClientResponseError: 502, message='Bad Gateway', url={url}"
    )
    bot.session.queue_response(GetUpdates, broken)
    bot.session.queue_response(GetUpdates, [Update(update_id=1)])
    backoff = BackoffConfig(min_delay=0.01, max_delay=0.02, factor=1.5, jitter=0.0)
    updates = Dispatcher._listen_updates(bot, polling_timeout=0, backoff_config=backoff)
    assert (await anext(updates)).update_id == 1
    await updates.aclose()
    written = log_output.getvalue()
    assert "ERROR aiogram.dispatcher: Failed to fetch updates" in written
    assert "/bot***/getUpdates" in written
    assert_no_secrets(written)


def test_an_exception_quoting_the_token_and_the_database_url_is_masked(
    log_output: io.StringIO,
) -> None:
    try:
        raise ConnectionError(
            f"cannot reach postgresql://sales:{DB_PASSWORD}@db/sales for bot{TOKEN}"
        )
    except ConnectionError:
        logging.getLogger("salesbot.anyone").exception("Start failed with %s", TOKEN)
    logging.getLogger("sqlalchemy").warning("redis at redis://:%s@cache", REDIS_PASSWORD)
    written = log_output.getvalue()
    assert "Start failed with ***" in written
    assert "postgresql://sales:***@db/sales for bot***" in written
    assert "redis://:***@cache" in written
    assert_no_secrets(written)


def test_without_secrets_the_filter_changes_nothing() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "100%% %s", ("sure",), None)
    assert redact.RedactingFilter([]).filter(record)
    assert record.getMessage() == "100% sure"


def test_the_webhook_secret_is_one_of_the_secrets_masked() -> None:
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        webhook_url="https://bot.example.com/hook",
        webhook_secret="hook_Secret-123",
    )
    masking = redact.RedactingFilter(redact.secrets_of(settings))
    assert masking.mask("X-Telegram-Bot-Api-Secret-Token: hook_Secret-123") == (
        "X-Telegram-Bot-Api-Secret-Token: ***"
    )
