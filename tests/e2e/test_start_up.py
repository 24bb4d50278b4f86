"""`python -m bot` started wrong, as an operator meets it: one line on stderr naming the setting,
exit code 2, and nothing written (the SQLite file it would create is not there)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import forks
from tests.e2e.chat import child_env

TOKEN = "123456:AAE-start-up-token"
HOOK = "https://bot.example.test/tg/hook"


def start(tmp_path: Path, **env: str) -> tuple[int, str]:
    """Run the bot with these settings (its database in tmp_path); the exit code and stderr."""
    settings = {"BOT_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'bot.db'}"}
    code, _, stderr = forks.run(["-m", "bot"], tmp_path, child_env(**(settings | env)), 120)
    return code, stderr


def assert_refused(tmp_path: Path, code: int, stderr: str, *words: str) -> None:
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    for word in words:
        assert word in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "data").exists()  # no database, not even its folder


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


@pytest.mark.e2e
def test_a_webhook_url_that_is_not_https(tmp_path: Path) -> None:
    code, err = start(tmp_path, WEBHOOK_URL="http://bot.example.test/hook", WEBHOOK_SECRET="s")
    assert_refused(tmp_path, code, err, "Invalid setting WEBHOOK_URL", "https://")


@pytest.mark.e2e
def test_a_webhook_without_its_secret(tmp_path: Path) -> None:
    code, err = start(tmp_path, WEBHOOK_URL=HOOK)
    assert_refused(tmp_path, code, err, "Invalid setting WEBHOOK_SECRET", "required")


@pytest.mark.e2e
@pytest.mark.parametrize("secret", ["with space", "dots.are.out", "кириллица", "x" * 257])
def test_a_webhook_secret_telegram_would_refuse(tmp_path: Path, secret: str) -> None:
    code, err = start(tmp_path, WEBHOOK_URL=HOOK, WEBHOOK_SECRET=secret)
    assert_refused(tmp_path, code, err, "Invalid setting WEBHOOK_SECRET", "A-Z a-z 0-9 _ -")
    assert secret not in err  # a secret is not echoed, even a wrong one


@pytest.mark.e2e
def test_redis_that_does_not_answer(tmp_path: Path) -> None:
    code, err = start(tmp_path, REDIS_URL="redis://:hunter22@127.0.0.1:9/0")
    assert_refused(tmp_path, code, err, "Cannot reach Redis at REDIS_URL", "127.0.0.1:9")
    assert "hunter22" not in err


@pytest.mark.e2e
def test_a_webhook_port_already_taken(tmp_path: Path, taken_port: int) -> None:
    code, err = start(tmp_path, WEBHOOK_URL=HOOK, WEBHOOK_SECRET="abc_DEF-1",
                      WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(taken_port))  # fmt: skip
    assert_refused(tmp_path, code, err, f"Cannot listen on WEBHOOK_PORT={taken_port}", "in use")


@pytest.mark.e2e
def test_a_health_port_already_taken_when_polling(tmp_path: Path, taken_port: int) -> None:
    code, err = start(tmp_path, WEBHOOK_HOST="127.0.0.1", HEALTH_PORT=str(taken_port))
    assert_refused(tmp_path, code, err, f"Cannot listen on HEALTH_PORT={taken_port}")


@pytest.mark.e2e
def test_an_unknown_command_shows_the_usage(tmp_path: Path) -> None:
    code, _, stderr = forks.run(["-m", "bot", "set-hook"], tmp_path, child_env(), 60)
    assert code == 2
    assert stderr.startswith("usage: python -m bot")
    assert "invalid choice: 'set-hook'" in stderr
