"""Log lines on stderr: text, or one JSON object a line (LOG_FORMAT=json) for a collector.

Either way the secrets filter (`bot.redact`, installed on the root handlers after this) masks
the message and the exception text before the formatter sees them: both formats read the
record's masked `exc_text`, never format the exception afresh.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that say at INFO what only matters when looking for a fault (APScheduler: "Running
# job…", "…executed successfully" every 20 seconds): shown only at LOG_LEVEL=DEBUG.
CHATTY = ("apscheduler",)


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message"[, "exception"][, "stack"]} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT)


def setup(level: str, log_format: str) -> None:
    """The root logger's one handler (stderr) at `level`; chatty libraries quieter."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level, handlers=[handler])
    quiet_libraries(level)


def quiet_libraries(level: str) -> None:
    """APScheduler's INFO only at DEBUG; alembic's INFO never (it is the migrations' chatter)."""
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if level == "DEBUG" else logging.WARNING)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(level)))
