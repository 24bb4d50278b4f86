"""The funnel stage by stage: conversion to the next stage, time in each, and the leak."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.ids import DealId, StageId
from bot.domain.metrics import ClosedDeal, DaysSummary, final_closings, summarize_days

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FunnelDeal:
    """One deal's way through a pipeline: every stage it ever entered, and whether it won."""

    stages_entered: frozenset[StageId]
    won: bool = False


@dataclass(frozen=True, slots=True)
class StageConversion:
    """Of `reached` deals that got to the stage, `passed` got beyond it.

    For the last stage, beyond it means won.
    """

    stage_id: StageId
    reached: int
    passed: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.reached if self.reached else None


@dataclass(frozen=True, slots=True)
class StageStay:
    """A deal's visit to a stage; left_at None means it is still there."""

    deal_id: DealId
    stage_id: StageId
    entered_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StageLoss:
    """Deals lost at a stage and what they were worth, in kopecks."""

    stage_id: StageId
    lost_deals: int
    lost_amount: int


def stage_conversions(
    stage_ids: Sequence[StageId], deals: Iterable[FunnelDeal]
) -> list[StageConversion]:
    """Per stage in pipeline order, the deals that reached it and those that got beyond.

    A deal has reached every stage up to the furthest one it ever entered, and all of
    them if it was won. So a deal that jumped from the first stage to the third passed
    the second; one moved back, or lost and reopened, keeps the furthest point it got to
    and counts once. This is what keeps the funnel monotone: no stage converts more than
    100 % and reached counts never grow down the funnel, so the rates multiply to the
    first stage's share of deals that got to the last one. Stages from elsewhere (another
    pipeline, deleted) are ignored; a deal that entered none of these stages and did not
    win is not counted.
    """
    depth = _depths(stage_ids)
    furthest = [0] * (len(stage_ids) + 1)  # deals whose furthest point is i; the end is won
    for deal in deals:
        point = _furthest(deal, depth, len(stage_ids))
        if point is not None:
            furthest[point] += 1
    reached = [sum(furthest[i:]) for i in range(len(furthest))]
    return [
        StageConversion(stage_id, reached[i], reached[i + 1])
        for i, stage_id in enumerate(stage_ids)
    ]


def stage_durations(stays: Iterable[StageStay], now: datetime) -> dict[StageId, DaysSummary]:
    """Per stage, the days deals spent in it: mean and median over deals.

    A deal that came back to a stage spent the sum of its visits there, so the median is
    over deals, not visits. A visit still open is measured to now; a negative span (a
    clock error) counts as nothing. Stages nobody entered are absent.
    """
    per_deal: dict[tuple[StageId, DealId], timedelta] = defaultdict(timedelta)
    for stay in stays:
        left = now if stay.left_at is None else stay.left_at
        per_deal[stay.stage_id, stay.deal_id] += max(left - stay.entered_at, timedelta(0))
    per_stage: dict[StageId, list[float]] = defaultdict(list)
    for (stage_id, _), spent in per_deal.items():
        per_stage[stage_id].append(spent / _DAY)
    return {
        stage_id: summary
        for stage_id, days in per_stage.items()
        if (summary := summarize_days(days)) is not None
    }


def stage_losses(stage_ids: Sequence[StageId], closings: Iterable[ClosedDeal]) -> list[StageLoss]:
    """Per stage in pipeline order, the deals that ended lost there.

    Each deal counts by how it last ended, so one lost, reopened and won is no loss.
    Losses at an unknown stage or at a stage of another pipeline are left out.
    """
    depth = _depths(stage_ids)
    counts = [0] * len(stage_ids)
    amounts = [0] * len(stage_ids)
    for closing in final_closings(closings):
        if closing.won or closing.lost_stage_id not in depth:
            continue
        counts[depth[closing.lost_stage_id]] += 1
        amounts[depth[closing.lost_stage_id]] += closing.amount
    return [StageLoss(s, counts[i], amounts[i]) for i, s in enumerate(stage_ids)]


def biggest_leak(stage_ids: Sequence[StageId], closings: Iterable[ClosedDeal]) -> StageLoss | None:
    """The stage that loses the most deals: work starts there. None when nothing was lost.

    A tie goes to the stage that lost more money, then to the earlier stage, because
    fixing a leak upstream also feeds the stages below it.
    """
    losses = [loss for loss in stage_losses(stage_ids, closings) if loss.lost_deals]
    # max() keeps the first of equals, and losses are in pipeline order.
    return max(losses, key=lambda loss: (loss.lost_deals, loss.lost_amount), default=None)


def _depths(stage_ids: Sequence[StageId]) -> dict[StageId, int]:
    depth = {stage_id: i for i, stage_id in enumerate(stage_ids)}
    if len(depth) != len(stage_ids):
        raise ValueError(f"a pipeline lists each stage once, got {list(stage_ids)}")
    return depth


def _furthest(deal: FunnelDeal, depth: dict[StageId, int], end: int) -> int | None:
    if deal.won:
        return end
    known = [depth[s] for s in deal.stages_entered if s in depth]
    return max(known, default=None)


def stage_at(position: int, stages: Sequence[tuple[int, StageId]]) -> StageId | None:
    """The current stage that a deal's furthest position counts for.

    `stages` are the pipeline's current stages as (position, id), ascending. A position of
    a stage deleted since (archived: it keeps its slot) counts for the last current stage
    before it, or the first stage when none is before it, so a deal that got that far is
    never dropped from the funnel. None only when the pipeline has no stages.
    """
    found = stages[0][1] if stages else None
    for at, stage_id in stages:
        if at > position:
            break
        found = stage_id
    return found
