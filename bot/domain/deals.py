"""Rules of a deal's life: stages, stalls, closing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.domain.ids import StageId
from bot.domain.models import Deal, Stage


def days_in_stage(deal: Deal, now: datetime) -> int:
    return max(0, (now - deal.stage_entered_at).days)


def is_stalled(deal: Deal, stage: Stage, now: datetime) -> bool:
    """Longer in the stage than its limit: the seller forgot to move it or to work it."""
    return (
        deal.is_open
        and stage.stall_days > 0
        and now - deal.stage_entered_at > timedelta(days=stage.stall_days)
    )


def stall_cutoffs(stages: Iterable[Stage], now: datetime) -> list[tuple[StageId, datetime]]:
    """Per stage, the entry time before which a deal in it is stalled."""
    return [(s.id, now - timedelta(days=s.stall_days)) for s in stages if s.stall_days > 0]
