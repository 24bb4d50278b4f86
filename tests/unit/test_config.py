"""Settings from the environment, and what `python -m bot` says when they are wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot import __main__ as entry
from bot import app
from bot.config import DEFAULT_DATABASE_URL, TELEGRAM_API_URL, Settings

SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting leaks in from the shell (LANGUAGE, for one, is a common locale variable)."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def settings() -> Settings:
    return Settings(_env_file=None)


def failing_fields(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> set[str]:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        settings()
    return {str(problem["loc"][0]) for problem in caught.value.errors()}


# Defaults


def test_by_default_the_database_is_a_sqlite_file_under_data():
    s = settings()
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.database_url.startswith("sqlite+aiosqlite:///data/")
    assert s.sqlite_path() == Path("data/salesbot.db")


def test_by_default_the_bot_speaks_russian_in_moscow_time_and_logs_info():
    s = settings()
    assert s.language == "ru"
    assert s.timezone == "Europe/Moscow"
    assert s.tz.key == "Europe/Moscow"
    assert s.log_level == "INFO"


def test_by_default_there_is_no_token_no_admins_no_redis_and_the_public_api():
    s = settings()
    assert s.bot_token is None
    assert s.bot_admins == []
    assert s.redis_url is None
    assert s.telegram_api_url == TELEGRAM_API_URL


def test_send_rate_is_no_longer_read_and_start_up_says_so(monkeypatch, caplog):
    # Processes share one budget now (through Redis): an old .env's share of 30/s is
    # neither refused nor obeyed, and the operator is told to drop it.
    monkeypatch.setenv("SEND_RATE", "7.5")
    app.warn_obsolete(settings())
    assert "SEND_RATE is no longer read" in caplog.text
    caplog.clear()
    monkeypatch.delenv("SEND_RATE")
    app.warn_obsolete(settings())
    assert caplog.text == ""


def test_by_default_the_bot_polls_logs_text_and_serves_no_health_port():
    s = settings()
    assert s.webhook_url is None and s.webhook_secret is None
    assert (s.webhook_host, s.webhook_port) == ("0.0.0.0", 8080)
    assert s.health_port is None
    assert s.log_format == "text"


def test_webhook_mode_serves_the_path_of_its_public_url(monkeypatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/telegram/a1b2")
    monkeypatch.setenv("WEBHOOK_SECRET", "Only_these-chars09")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    s = settings()
    assert s.webhook_path == "/telegram/a1b2"
    assert s.webhook_secret is not None and "Only_these" not in repr(s)
    assert s.log_format == "json"


def test_a_webhook_url_without_a_path_is_served_at_the_root(monkeypatch):
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com")
    monkeypatch.setenv("WEBHOOK_SECRET", "x")
    assert settings().webhook_path == "/"


# Parsing


def test_bot_admins_is_a_comma_separated_list_of_ids(monkeypatch):
    monkeypatch.setenv("BOT_ADMINS", "1, 2,3")
    assert settings().bot_admins == [1, 2, 3]


@pytest.mark.parametrize("raw", ["", " ", ",", " , ,"])
def test_blank_bot_admins_is_an_empty_list(monkeypatch, raw):
    monkeypatch.setenv("BOT_ADMINS", raw)
    assert settings().bot_admins == []


@given(ids=st.lists(st.integers(min_value=1, max_value=10**12), max_size=6))
def test_any_list_of_ids_survives_the_round_trip_through_bot_admins(ids):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BOT_ADMINS", " , ".join(str(i) for i in ids))
        assert settings().bot_admins == ids


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("BOT_ADMINS", "abc", "bot_admins"),
        ("BOT_ADMINS", "1, two", "bot_admins"),
        ("TIMEZONE", "Mars/Base", "timezone"),
        ("LANGUAGE", "de", "language"),
        ("LOG_LEVEL", "LOUD", "log_level"),
        ("DATABASE_URL", "mysql://x", "database_url"),
        ("TELEGRAM_API_URL", "ftp://x", "telegram_api_url"),
        ("BOT_TOKEN", "notatoken", "bot_token"),
        ("BOT_TOKEN", "12345:has spaces", "bot_token"),
        ("WEBHOOK_URL", "http://bot.example.com/hook", "webhook_url"),
        ("WEBHOOK_URL", "https:///no-host", "webhook_url"),
        ("WEBHOOK_URL", "https://bot.example.com/hook", "webhook_secret"),  # it needs a secret
        ("WEBHOOK_SECRET", "no spaces please", "webhook_secret"),
        ("WEBHOOK_SECRET", "x" * 257, "webhook_secret"),
        ("WEBHOOK_PORT", "0", "webhook_port"),
        ("HEALTH_PORT", "70000", "health_port"),
        ("LOG_FORMAT", "xml", "log_format"),
    ],
)
def test_an_invalid_setting_is_a_validation_error_naming_its_field(monkeypatch, name, value, field):
    assert failing_fields(monkeypatch, name, value) == {field}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://u:p@db:5432/sales", "postgresql+asyncpg://u:p@db:5432/sales"),
        ("postgresql://u:p@db:5432/sales", "postgresql+asyncpg://u:p@db:5432/sales"),
        ("postgresql+asyncpg://u@db/sales", "postgresql+asyncpg://u@db/sales"),
        ("sqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
    ],
)
def test_database_urls_get_their_async_driver(monkeypatch, raw, expected):
    monkeypatch.setenv("DATABASE_URL", raw)
    assert settings().database_url == expected


def test_a_postgres_url_names_no_sqlite_file(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/sales")
    assert settings().sqlite_path() is None


def test_an_in_memory_sqlite_names_no_file(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    assert settings().sqlite_path() is None


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_a_blank_bot_token_is_no_token(monkeypatch, raw):
    monkeypatch.setenv("BOT_TOKEN", raw)
    assert settings().bot_token is None


def test_a_bot_token_is_kept_secret(monkeypatch):
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    token = settings().bot_token
    assert token is not None
    assert token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://localhost:8081/", "http://localhost:8081"),
        ("https://api.example.org//", "https://api.example.org"),
        ("https://api.example.org", "https://api.example.org"),
    ],
)
def test_the_telegram_api_url_loses_its_trailing_slash(monkeypatch, raw, expected):
    monkeypatch.setenv("TELEGRAM_API_URL", raw)
    assert settings().telegram_api_url == expected


def test_setting_names_are_read_case_insensitively_from_the_environment(monkeypatch):
    monkeypatch.setenv("language", "en")
    assert settings().language == "en"


# python -m bot


def test_main_without_a_token_explains_how_to_get_one_and_fails(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # so no .env is read
    assert entry.main() != 0
    err = capsys.readouterr().err
    assert "BOT_TOKEN" in err
    assert "@BotFather" in err
    assert "/newbot" in err


def test_main_with_a_blank_token_in_the_env_file_also_explains(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BOT_TOKEN=\n", encoding="utf-8")
    assert entry.main() != 0
    assert "@BotFather" in capsys.readouterr().err


def test_main_with_an_unknown_time_zone_exits_with_2_naming_the_setting(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIMEZONE", "Mars/Base")
    with pytest.raises(SystemExit) as caught:
        entry.main()
    assert caught.value.code == 2
    assert "Invalid setting TIMEZONE" in capsys.readouterr().err


def test_main_reports_every_invalid_setting_at_once(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIMEZONE", "Mars/Base")
    monkeypatch.setenv("LANGUAGE", "de")
    with pytest.raises(SystemExit):
        entry.main()
    err = capsys.readouterr().err
    assert "Invalid setting TIMEZONE" in err
    assert "Invalid setting LANGUAGE" in err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en_US:en", "en"),
        ("ru_RU.UTF-8", "ru"),
        ("de_DE:de", "ru"),
        ("de_DE:en_GB", "en"),
        ("EN", "en"),
    ],
)
def test_a_gettext_locale_list_in_language_does_not_stop_the_bot(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("LANGUAGE", value)
    assert Settings(_env_file=None).language == expected


def test_main_with_a_token_of_the_wrong_shape_says_so_before_touching_the_database(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "notatoken")
    with pytest.raises(SystemExit) as caught:
        entry.main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Invalid setting BOT_TOKEN" in err and "@BotFather" in err
    assert "notatoken" not in err  # a secret is never echoed, even a wrong one
    assert not (tmp_path / "data").exists()


def test_main_with_an_unreachable_database_says_where_in_one_line_without_the_password(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456:abc")
    monkeypatch.setenv("DATABASE_URL", "postgresql://sales:s3cret@127.0.0.1:9/none")
    assert entry.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot open the database at DATABASE_URL (")
    assert "127.0.0.1:9" in err and "s3cret" not in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
