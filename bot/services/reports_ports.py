"""What the reports need of storage: aggregates that never grow with the deals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.analytics import (
    ClientMonth,
    Cohort,
    Cut,
    FunnelCount,
    OpenPipeline,
    ReasonTotal,
)
from bot.domain.ids import (
    ClientId,
    PipelineId,
)
from bot.domain.ltv import ClientHistory
from bot.domain.metrics import ClosedDeal
from bot.domain.models import Pipeline
from bot.domain.stage_metrics import StageStay
from bot.services.ports import UserRepo
from bot.services.scope import ScopeStore


class AnalyticsRepo(Protocol):
    """Aggregates for reports; the number of statements never grows with the deals."""

    async def closings(
        self, start: datetime, end: datetime, cut: Cut = ...
    ) -> list[ClosedDeal]: ...
    async def cohort(self, start: datetime, end: datetime, cut: Cut = ...) -> Cohort: ...
    async def open_pipeline(self, cut: Cut = ...) -> OpenPipeline: ...
    async def funnel(
        self, pipeline_id: PipelineId, start: datetime, end: datetime, cut: Cut = ...
    ) -> list[FunnelCount]: ...
    async def stage_stays(
        self, pipeline_id: PipelineId, start: datetime, end: datetime, cut: Cut = ...
    ) -> list[StageStay]: ...
    async def lost_reasons(
        self, start: datetime, end: datetime, cut: Cut = ..., limit: int = ...
    ) -> list[ReasonTotal]: ...
    async def client_months(
        self, bounds: Sequence[datetime], cut: Cut = ...
    ) -> list[ClientMonth]: ...
    async def client_histories(self, until: datetime, cut: Cut = ...) -> list[ClientHistory]: ...
    async def client_names(self, ids: Sequence[ClientId]) -> dict[ClientId, str]: ...
    async def cut_values(self, field: str, limit: int = ...) -> list[str]: ...


class ReportPipelines(Protocol):
    async def get(self, pipeline_id: PipelineId) -> Pipeline | None: ...
    async def list_active(self) -> list[Pipeline]: ...


class ReportStore(ScopeStore, Protocol):
    """What the reports read: aggregates, the pipelines they are cut by, the people."""

    @property
    def analytics(self) -> AnalyticsRepo: ...
    @property
    def pipelines(self) -> ReportPipelines: ...
    @property
    def users(self) -> UserRepo: ...
