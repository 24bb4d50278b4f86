"""Secrets never reach a log line: a filter on the root handlers masks them in every record.

aiogram logs the request URL (``…/bot<TOKEN>/getUpdates``) at ERROR when a long poll breaks,
drivers put connection URLs in their errors, and tracebacks quote both. The filter sits on the
root logger's handlers, so it sees every record that propagates, whoever logged it, and masks
the message, its arguments and the exception text before any formatter writes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from bot.config import Settings

MASK = "***"


def _forms(secret: str) -> set[str]:
    """The secret as written, and as a URL or a repr() may spell it."""
    return {secret, quote(secret), quote(secret, safe=""), repr(secret)[1:-1]}


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def secrets_of(settings: Settings) -> list[str]:
    """The bot token (and its secret half alone), the passwords in the database URLs and the
    webhook's secret."""
    found: list[str] = []
    if settings.bot_token is not None:
        token = settings.bot_token.get_secret_value()
        found.append(token)
        # "123:ABC…": the half after the colon is the secret; URL-encoding may split the two.
        found.append(token.partition(":")[2])
    found += [p for p in (_password(settings.database_url), _password(settings.redis_url)) if p]
    if settings.webhook_secret is not None:
        found.append(settings.webhook_secret.get_secret_value())
    return found


class RedactingFilter(logging.Filter):
    """Replaces every form of the given secrets with ``***`` in a record, in place."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # A password of a character or two would mask half the log: such a one is no secret.
        forms = {form for s in secrets if len(s) >= 4 for form in _forms(s)}
        self._forms = sorted(forms, key=len, reverse=True)  # the longest first

    def mask(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._forms:
            return True
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # What the formatter would print, cached on the record as logging itself does.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install(secrets: Iterable[str], logger: logging.Logger | None = None) -> RedactingFilter:
    """Put the filter on every handler of `logger` (the root one by default), once."""
    target = logger or logging.getLogger()
    redacting = RedactingFilter(secrets)
    for handler in target.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redacting)
    return redacting
