"""What the analytics queries are asked and what they answer, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.ids import ClientId, PipelineId, StageId, UserId
from bot.domain.metrics import OpenDeal


@dataclass(frozen=True, slots=True)
class Cut:
    """Which deals a report looks at; None everywhere means all of them."""

    owner_id: UserId | None = None
    managed_by: UserId | None = None  # a head: only the deals of the people they manage
    pipeline_id: PipelineId | None = None
    channel: str | None = None
    product: str | None = None
    region: str | None = None
    is_new_client: bool | None = None


EVERY_DEAL = Cut()


@dataclass(frozen=True, slots=True)
class Cohort:
    """Deals created in a period and, of those, how many are won so far."""

    created: int
    won: int


@dataclass(frozen=True, slots=True)
class OpenPipeline:
    """Open deals now: how many, and their amounts summed per stage probability."""

    deals: int
    by_probability: tuple[OpenDeal, ...]


@dataclass(frozen=True, slots=True)
class FunnelCount:
    """`deals` whose furthest stage in the pipeline is `stage_id`, won or not."""

    stage_id: StageId
    won: bool
    deals: int


@dataclass(frozen=True, slots=True)
class ReasonTotal:
    """Deals lost for one reason (None: no reason recorded) and what they were worth."""

    reason: str | None
    deals: int
    amount: int


@dataclass(frozen=True, slots=True)
class ClientMonth:
    """A client's won revenue and number of won deals in the `month`-th month of a period."""

    client_id: ClientId
    month: int
    revenue: int
    purchases: int
