"""Rules for shaping pipelines: names, win probabilities, stall limits, client-state names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from bot.domain.errors import NameTakenError, ProbabilityInvalidError, StallDaysInvalidError
from bot.domain.text import clean_text

STALL_DAYS_MAX = 365  # a stage nobody should leave for a year is not a step of a sale

# A stage is a step the seller takes and can verify, not the client's mood (DOMAIN.md).
# Matched as whole words after folding case and ё, so "Ожидание оплаты" stays a fine stage.
CLIENT_STATES = (
    "думает",
    "подумает",
    "размышляет",
    "изучает",
    "сомневается",
    "ждёт",
    "ждет",
    "ждём",
    "ждем",
    "ожидает",
    "ожидаем ответа",
    "клиент думает",
    "thinking",
    "considering",
    "studying",
    "doubting",
    "waiting for client",
    "waiting for the client",
    "client is waiting",
    "waits",
    "waiting for reply",
    "waiting for an answer",
)
_WORDS = re.compile(r"\w+")


def _fold(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold().replace("ё", "е")))


_STATES = tuple(_fold(s) for s in CLIENT_STATES)


def looks_like_client_state(name: str) -> bool:
    """True when a stage name describes how the client feels, not what the seller does."""
    folded = f" {_fold(name)} "
    return any(f" {state} " in folded for state in _STATES)


def clean_name(text: str | None, limit: int, taken: Iterable[str]) -> str:
    """A name cleaned of extra spaces, refused when empty, too long or already used."""
    name = clean_text(text, limit)
    if name.casefold() in {other.casefold() for other in taken}:
        raise NameTakenError(name=name)
    return name


def parse_probability(text: str | None) -> int:
    """A win probability in whole percent, 0 to 100; "40 %" is fine too."""
    value = _whole_number((text or "").strip().removesuffix("%").strip())
    if value is None or not 0 <= value <= 100:
        raise ProbabilityInvalidError()
    return value


def parse_stall_days(text: str | None) -> int:
    """A stall limit in whole days, 1 to STALL_DAYS_MAX."""
    value = _whole_number((text or "").strip())
    if value is None or not 1 <= value <= STALL_DAYS_MAX:
        raise StallDaysInvalidError(limit=STALL_DAYS_MAX)
    return value


def _whole_number(text: str) -> int | None:
    sign = -1 if text.startswith(("-", "−")) else 1
    digits = text.lstrip("-−")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 6:
        return None
    return sign * int(digits)


# The columns an edit of /pipelines may set.
PipelineField = Literal["name", "is_archived"]
StageField = Literal["name", "position", "probability", "stall_days", "owner_id", "is_archived"]
ReasonField = Literal["name", "is_archived"]
