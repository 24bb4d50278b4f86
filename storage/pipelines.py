"""Shaping pipelines: stages, lost reasons and the open deals an edit moves. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import DealId, LostReasonId, PipelineId, StageId
from bot.domain.models import DealStatus, LostReason, Pipeline, Stage
from bot.services.ports import PipelineField, ReasonField, StageField
from storage.models import DealRow, LostReasonRow, PipelineRow, StageRow
from storage.repositories import SqlPipelineRepo, stage_of


class SqlPipelineAdminRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def load(self, pipeline_id: PipelineId) -> Pipeline | None:
        """Read afresh (edits in this unit of work included), archived or not."""
        await self._s.flush()
        row = await self._s.get(PipelineRow, pipeline_id, populate_existing=True)
        if row is None:
            return None
        return (await SqlPipelineRepo(self._s).assemble([row]))[0]

    async def list_active(self) -> list[Pipeline]:
        await self._s.flush()
        rows = await self._s.scalars(
            select(PipelineRow)
            .where(PipelineRow.is_archived.is_(False))
            .order_by(PipelineRow.position, PipelineRow.id)
            .execution_options(populate_existing=True)
        )
        return await SqlPipelineRepo(self._s).assemble(list(rows))

    async def stages(self, ids: Sequence[StageId]) -> dict[StageId, Stage]:
        """Stages by id, archived ones and other pipelines' too: history names them all."""
        rows = await self._s.scalars(select(StageRow).where(StageRow.id.in_(set(ids))))
        return {StageId(r.id): stage_of(r) for r in rows}

    async def reason(self, reason_id: LostReasonId) -> LostReason | None:
        row = await self._s.get(LostReasonRow, reason_id)
        if row is None:
            return None
        return LostReason(
            LostReasonId(row.id), PipelineId(row.pipeline_id), row.name, row.is_archived
        )

    async def add_pipeline(self, name: str, kind: str) -> PipelineId:
        last = await self._s.scalar(select(func.max(PipelineRow.position)))
        row = PipelineRow(name=name, kind=kind, position=(last or 0) + 1, is_archived=False)
        self._s.add(row)
        await self._s.flush()
        return PipelineId(row.id)

    async def add_stage(
        self, pipeline_id: PipelineId, name: str, probability: int, stall_days: int
    ) -> StageId:
        last = await self._s.scalar(
            select(func.max(StageRow.position)).where(StageRow.pipeline_id == pipeline_id)
        )
        row = StageRow(
            pipeline_id=pipeline_id,
            name=name,
            position=(last if last is not None else -1) + 1,
            probability=probability,
            stall_days=stall_days,
            is_archived=False,
        )
        self._s.add(row)
        await self._s.flush()
        return StageId(row.id)

    async def add_reason(self, pipeline_id: PipelineId, name: str) -> LostReasonId:
        last = await self._s.scalar(
            select(func.max(LostReasonRow.position)).where(LostReasonRow.pipeline_id == pipeline_id)
        )
        row = LostReasonRow(
            pipeline_id=pipeline_id,
            name=name,
            position=(last if last is not None else -1) + 1,
            is_archived=False,
        )
        self._s.add(row)
        await self._s.flush()
        return LostReasonId(row.id)

    async def set_pipeline(
        self, pipeline_id: PipelineId, field: PipelineField, value: object
    ) -> None:
        row = await self._s.get(PipelineRow, pipeline_id)
        assert row is not None
        setattr(row, field, value)
        await self._s.flush()

    async def set_stage(self, stage_id: StageId, field: StageField, value: object) -> None:
        row = await self._s.get(StageRow, stage_id)
        assert row is not None
        setattr(row, field, value)
        await self._s.flush()

    async def set_reason(self, reason_id: LostReasonId, field: ReasonField, value: object) -> None:
        row = await self._s.get(LostReasonRow, reason_id)
        assert row is not None
        setattr(row, field, value)
        await self._s.flush()

    async def open_deals(
        self, pipeline_id: PipelineId | None = None, stage_id: StageId | None = None
    ) -> list[tuple[DealId, StageId]]:
        """Open deals of a pipeline or a stage, with the stage each is in."""
        stmt = select(DealRow.id, DealRow.stage_id).where(DealRow.status == DealStatus.OPEN.value)
        if pipeline_id is not None:
            stmt = stmt.where(DealRow.pipeline_id == pipeline_id)
        if stage_id is not None:
            stmt = stmt.where(DealRow.stage_id == stage_id)
        rows = await self._s.execute(stmt.order_by(DealRow.id))
        return [(DealId(i), StageId(s)) for i, s in rows]

    async def move_deals(self, deal_ids: Sequence[DealId], stage: Stage, now: datetime) -> int:
        """Put open deals into a stage (of this or another pipeline); a pending handoff lapses."""
        if not deal_ids:
            return 0
        result = await self._s.execute(
            update(DealRow)
            .where(DealRow.id.in_(deal_ids), DealRow.status == DealStatus.OPEN.value)
            .values(
                pipeline_id=stage.pipeline_id,
                stage_id=stage.id,
                stage_entered_at=now,
                handoff_to_id=None,
                version=DealRow.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
