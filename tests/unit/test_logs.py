"""Log lines as a collector reads them: LOG_FORMAT=json is one JSON object a line, secrets
masked as in text; APScheduler's every-20-seconds chatter only at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the JSON formatter, the secrets filter on its handler."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.formatter("json"))
    logger = logging.getLogger("salesbot.test_logs")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.DEBUG
    redact.install([TOKEN], logger)
    yield logger, out
    logger.removeHandler(handler)


def records(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_record_is_one_json_object_on_its_own_line(json_log) -> None:
    logger, out = json_log
    logger.info("Started as @%s", "salesbot", extra={"ignored": True})
    logger.warning("two\nlines")
    [first, second] = records(out)
    assert first["level"] == "INFO" and first["logger"] == "salesbot.test_logs"
    assert first["message"] == "Started as @salesbot"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "two\nlines" and len(out.getvalue().splitlines()) == 2


def test_an_exception_comes_whole_in_its_field_with_the_token_masked(json_log) -> None:
    logger, out = json_log
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logger.exception("Sending failed for bot%s", TOKEN)
    [record] = records(out)
    assert record["level"] == "ERROR"
    assert record["message"] == "Sending failed for bot***"
    assert record["exception"].startswith("Traceback (most recent call last):")
    last = record["exception"].splitlines()[-1]
    assert last == "RuntimeError: POST https://api.telegram.org/bot***/sendMessage failed"
    assert TOKEN not in out.getvalue() and TOKEN.partition(":")[2] not in out.getvalue()


def test_text_stays_the_default_format() -> None:
    assert not isinstance(logs.formatter("text"), logs.JsonFormatter)
    assert isinstance(logs.formatter("json"), logs.JsonFormatter)


@pytest.fixture
def library_levels() -> Iterator[None]:
    names = ("apscheduler", "alembic")
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("library_levels")
@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("WARNING", False), ("DEBUG", True)])
def test_the_schedulers_running_job_lines_show_only_at_debug(level: str, shown: bool) -> None:
    root = logging.getLogger()
    saved = root.level
    root.setLevel(level)
    try:
        logs.quiet_libraries(level)
        executor = logging.getLogger("apscheduler.executors.default")  # "Running job ..."
        assert executor.isEnabledFor(logging.INFO) is shown
        assert executor.isEnabledFor(logging.WARNING)  # a missed run is still said
    finally:
        root.setLevel(saved)
