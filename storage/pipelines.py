"""Pipelines: their stages and lost reasons, and the open deals an edit moves. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import DealId, LostReasonId, PipelineId, StageId, UserId
from bot.domain.models import DealStatus, LostReason, Pipeline, Stage
from bot.domain.pipelines import PipelineField, ReasonField, StageField
from bot.domain.templates import PipelineTemplate
from storage.models import DealRow, LostReasonRow, PipelineRow, StageRow
from storage.rules import Rules

FRESH = {"populate_existing": True}


def stage_of(row: StageRow) -> Stage:
    return Stage(
        id=StageId(row.id),
        pipeline_id=PipelineId(row.pipeline_id),
        name=row.name,
        position=row.position,
        probability=row.probability,
        stall_days=row.stall_days,
        owner_id=UserId(row.owner_id) if row.owner_id else None,
        is_archived=row.is_archived,
    )


class SqlPipelineRepo:
    """Pipelines follow the rules' one caching rule (`storage.rules`): `get` and `list_active`
    answer from the process's cache of every pipeline, until this unit of work changes one;
    then, like the other reads here (stages by id, a reason), they read the database afresh,
    after flushing this unit of work's edits, overwriting rows it loaded before."""

    def __init__(self, session: AsyncSession, rules: Rules) -> None:
        self._s = session
        self._rules = rules

    def _forget(self) -> None:
        """After a write: this unit of work reads pipelines from the database from now on."""
        self._rules.touch()

    async def _cached(self) -> dict[PipelineId, Pipeline] | None:
        """Every pipeline, archived too, from the process's cache (read once, in position
        order); None when this unit of work must read the database instead."""
        cache = await self._rules.cache()
        if cache is None:
            return None
        if cache.pipelines is not None:
            return cache.pipelines
        rows = await self._s.scalars(
            select(PipelineRow)
            .order_by(PipelineRow.position, PipelineRow.id)
            .execution_options(**FRESH)
        )
        everything = {p.id: p for p in await self._assemble(list(rows))}
        if (kept := self._rules.keep()) is not None:
            kept.pipelines = everything
        return everything

    async def _assemble(self, rows: Sequence[PipelineRow]) -> list[Pipeline]:
        ids = [r.id for r in rows]
        stages = await self._s.scalars(
            select(StageRow)
            .where(StageRow.pipeline_id.in_(ids), StageRow.is_archived.is_(False))
            .order_by(StageRow.position)
            .execution_options(**FRESH)
        )
        reasons = await self._s.scalars(
            select(LostReasonRow)
            .where(LostReasonRow.pipeline_id.in_(ids), LostReasonRow.is_archived.is_(False))
            .order_by(LostReasonRow.position)
            .execution_options(**FRESH)
        )
        by_stage: dict[int, list[Stage]] = {i: [] for i in ids}
        by_reason: dict[int, list[LostReason]] = {i: [] for i in ids}
        for s in stages:
            by_stage[s.pipeline_id].append(stage_of(s))
        for r in reasons:
            by_reason[r.pipeline_id].append(
                LostReason(LostReasonId(r.id), PipelineId(r.pipeline_id), r.name)
            )
        return [
            Pipeline(
                id=PipelineId(r.id),
                name=r.name,
                kind=r.kind,
                position=r.position,
                stages=tuple(by_stage[r.id]),
                lost_reasons=tuple(by_reason[r.id]),
                is_archived=r.is_archived,
            )
            for r in rows
        ]

    async def list_active(self) -> list[Pipeline]:
        cached = await self._cached()
        if cached is not None:
            return [p for p in cached.values() if not p.is_archived]
        await self._s.flush()
        rows = await self._s.scalars(
            select(PipelineRow)
            .where(PipelineRow.is_archived.is_(False))
            .order_by(PipelineRow.position, PipelineRow.id)
            .execution_options(**FRESH)
        )
        return await self._assemble(list(rows))

    async def get(self, pipeline_id: PipelineId) -> Pipeline | None:
        """The pipeline, archived or not, with its active stages and reasons."""
        cached = await self._cached()
        if cached is not None:
            return cached.get(pipeline_id)
        await self._s.flush()
        row = await self._s.get(PipelineRow, pipeline_id, populate_existing=True)
        if row is None:
            return None
        return (await self._assemble([row]))[0]

    async def hand_over_stages(self, from_owner: UserId, to_owner: UserId) -> int:
        """Stages owned by one member pass to another; how many did."""
        result = await self._s.execute(
            update(StageRow).where(StageRow.owner_id == from_owner).values(owner_id=to_owner)
        )
        self._forget()
        return int(getattr(result, "rowcount", 0) or 0)

    async def add_from_template(
        self, template: PipelineTemplate, lang: str, position: int
    ) -> PipelineId:
        pipeline = PipelineRow(name=template.name[lang], kind=template.kind, position=position)
        self._s.add(pipeline)
        await self._s.flush()
        for i, st in enumerate(template.stages):
            self._s.add(
                StageRow(
                    pipeline_id=pipeline.id,
                    name=st.name[lang],
                    position=i,
                    probability=st.probability,
                    stall_days=st.stall_days,
                )
            )
        for i, reason in enumerate(template.lost_reasons):
            self._s.add(LostReasonRow(pipeline_id=pipeline.id, name=reason[lang], position=i))
        await self._s.flush()
        self._forget()
        return PipelineId(pipeline.id)

    async def count(self) -> int:
        return int(await self._s.scalar(select(func.count()).select_from(PipelineRow)) or 0)

    async def stages(self, ids: Sequence[StageId]) -> dict[StageId, Stage]:
        """Stages by id, archived ones and other pipelines' too: history names them all."""
        await self._s.flush()
        rows = await self._s.scalars(
            select(StageRow).where(StageRow.id.in_(set(ids))).execution_options(**FRESH)
        )
        return {StageId(r.id): stage_of(r) for r in rows}

    async def reason(self, reason_id: LostReasonId) -> LostReason | None:
        await self._s.flush()
        row = await self._s.get(LostReasonRow, reason_id, populate_existing=True)
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
        self._forget()
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
        self._forget()
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
        self._forget()
        return LostReasonId(row.id)

    async def set_pipeline(
        self, pipeline_id: PipelineId, field: PipelineField, value: object
    ) -> None:
        row = await self._s.get(PipelineRow, pipeline_id)
        assert row is not None
        setattr(row, field, value)
        await self._s.flush()
        self._forget()

    async def set_stage(self, stage_id: StageId, field: StageField, value: object) -> None:
        row = await self._s.get(StageRow, stage_id)
        assert row is not None
        setattr(row, field, value)
        await self._s.flush()
        self._forget()

    async def set_reason(self, reason_id: LostReasonId, field: ReasonField, value: object) -> None:
        row = await self._s.get(LostReasonRow, reason_id)
        assert row is not None
        setattr(row, field, value)
        await self._s.flush()
        self._forget()

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
