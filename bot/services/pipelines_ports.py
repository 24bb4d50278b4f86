"""What the pipelines room (`pipelines.py`, `stages.py`) needs of storage: pipelines with their
stages and lost reasons, and of the other rooms only the few calls it makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.deals import DealEvent
from bot.domain.ids import (
    DealId,
    LostReasonId,
    PipelineId,
    StageId,
    UserId,
)
from bot.domain.models import (
    LostReason,
    Pipeline,
    Stage,
    User,
)
from bot.domain.pipelines import PipelineField, ReasonField, StageField
from bot.domain.templates import PipelineTemplate
from bot.services.ports import AuditRepo


class PipelineRepo(Protocol):
    """Pipelines read and shaped; a read sees this unit of work's own edits."""

    async def list_active(self) -> list[Pipeline]: ...
    async def get(self, pipeline_id: PipelineId) -> Pipeline | None: ...
    async def hand_over_stages(self, from_owner: UserId, to_owner: UserId) -> int:
        """Stages owned by one member pass to another; how many did."""
        ...

    async def add_from_template(
        self, template: PipelineTemplate, lang: str, position: int
    ) -> PipelineId: ...
    async def count(self) -> int: ...
    async def stages(self, ids: Sequence[StageId]) -> dict[StageId, Stage]: ...
    async def reason(self, reason_id: LostReasonId) -> LostReason | None: ...
    async def add_pipeline(self, name: str, kind: str) -> PipelineId: ...
    async def add_stage(
        self, pipeline_id: PipelineId, name: str, probability: int, stall_days: int
    ) -> StageId: ...
    async def add_reason(self, pipeline_id: PipelineId, name: str) -> LostReasonId: ...
    async def set_pipeline(
        self, pipeline_id: PipelineId, field: PipelineField, value: object
    ) -> None: ...
    async def set_stage(self, stage_id: StageId, field: StageField, value: object) -> None: ...
    async def set_reason(
        self, reason_id: LostReasonId, field: ReasonField, value: object
    ) -> None: ...
    async def open_deals(
        self, pipeline_id: PipelineId | None = None, stage_id: StageId | None = None
    ) -> list[tuple[DealId, StageId]]: ...
    async def move_deals(self, deal_ids: Sequence[DealId], stage: Stage, now: datetime) -> int:
        """Open deals into the stage (and its pipeline); how many moved."""
        ...


class PipelineHistory(Protocol):
    async def add_many(self, events: Sequence[DealEvent]) -> None: ...


class PipelinePeople(Protocol):
    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]: ...
    async def list_staff(self) -> list[User]: ...


class PipelineStore(Protocol):
    """The pipelines room's unit of work: one transaction, committed by the service."""

    @property
    def pipelines(self) -> PipelineRepo: ...
    @property
    def events(self) -> PipelineHistory: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def users(self) -> PipelinePeople: ...

    async def commit(self) -> None: ...
