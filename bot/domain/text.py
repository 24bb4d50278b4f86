"""Limits and clean-up of what people type, so nothing overlong reaches a card or a button."""

from __future__ import annotations

from bot.domain.errors import EmptyTextError, TextTooLongError

CLIENT_NAME_MAX = 100
TITLE_MAX = 100
PRODUCT_MAX = 64
REGION_MAX = 100
NOTE_MAX = 1000
REASON_MAX = 200
SEARCH_MAX = 64
TASK_MAX = 300
DEPARTMENT_NAME_MAX = 64
# A deal card is one Telegram message: 4096 characters in all, notes are shown trimmed.


def clean_text(text: str | None, limit: int) -> str:
    """Fold white space and check the length; raise a DomainError the user can fix."""
    folded = " ".join((text or "").split())
    if not folded:
        raise EmptyTextError()
    if len(folded) > limit:
        raise TextTooLongError(limit=limit, length=len(folded))
    return folded


PIPELINE_NAME_MAX = 64  # a pipeline's and a stage's name is a button label too
STAGE_NAME_MAX = 64
LOST_REASON_MAX = 100
