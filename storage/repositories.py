"""Repositories: rows in, domain dataclasses out. They never commit."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.ids import (
    ClientId,
    DealId,
    DepartmentId,
    LostReasonId,
    PipelineId,
    StageId,
    TelegramId,
    UserId,
)
from bot.domain.models import (
    Channel,
    Client,
    Deal,
    DealEvent,
    DealStatus,
    EventKind,
    Invite,
    LostReason,
    Pipeline,
    Role,
    Stage,
    User,
)
from bot.domain.templates import PipelineTemplate
from bot.services.ports import DealChange, DealQuery
from storage.models import (
    ClientRow,
    DealEventRow,
    DealRow,
    InviteRow,
    LostReasonRow,
    PipelineRow,
    SettingRow,
    StageRow,
    TaskRow,
    UserRow,
)
from storage.scope import managed_by


def fold(text: str) -> str:
    """The search form of a name: Python's casefold knows Cyrillic, SQLite's lower() does not."""
    return text.casefold().replace("ё", "е")


def _user(row: UserRow) -> User:
    return User(
        id=UserId(row.id),
        tg_id=TelegramId(row.tg_id),
        name=row.name,
        role=Role(row.role),
        language=row.language,
        is_active=row.is_active,
        username=row.username,
        default_pipeline_id=PipelineId(row.default_pipeline_id)
        if row.default_pipeline_id
        else None,
        is_reachable=row.is_reachable,
        department_id=DepartmentId(row.department_id) if row.department_id else None,
    )


class SqlUserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, user_id: UserId) -> User | None:
        row = await self._s.get(UserRow, user_id)
        return _user(row) if row else None

    async def by_tg(self, tg_id: TelegramId) -> User | None:
        row = await self._s.scalar(select(UserRow).where(UserRow.tg_id == tg_id))
        return _user(row) if row else None

    async def add(
        self,
        tg_id: TelegramId,
        name: str,
        username: str | None,
        role: Role,
        language: str,
        now: datetime,
    ) -> User:
        row = UserRow(
            tg_id=tg_id,
            name=name,
            username=username,
            role=role.value,
            language=language,
            is_active=True,
            is_reachable=True,
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return _user(row)

    async def set_role(self, user_id: UserId, role: Role) -> None:
        await self._s.execute(update(UserRow).where(UserRow.id == user_id).values(role=role.value))

    async def set_active(self, user_id: UserId, active: bool) -> None:
        stmt = update(UserRow).where(UserRow.id == user_id).values(is_active=active)
        await self._s.execute(stmt)

    async def set_language(self, user_id: UserId, language: str) -> None:
        stmt = update(UserRow).where(UserRow.id == user_id).values(language=language)
        await self._s.execute(stmt)

    async def set_default_pipeline(self, user_id: UserId, pipeline_id: PipelineId) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(default_pipeline_id=pipeline_id)
        )

    async def list_staff(self) -> list[User]:
        rows = await self._s.scalars(
            select(UserRow).where(UserRow.role != Role.CLIENT.value).order_by(UserRow.id)
        )
        return [_user(r) for r in rows]

    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]:
        if not ids:
            return {}
        rows = await self._s.execute(
            select(UserRow.id, UserRow.name).where(UserRow.id.in_(set(ids)))
        )
        return {UserId(i): n for i, n in rows}

    async def set_reachable(self, user_id: UserId, reachable: bool) -> bool:
        result = await self._s.execute(
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.is_reachable.is_not(reachable))
            .values(is_reachable=reachable)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def many(self, ids: Sequence[UserId]) -> dict[UserId, User]:
        if not ids:
            return {}
        rows = await self._s.scalars(select(UserRow).where(UserRow.id.in_(set(ids))))
        return {UserId(r.id): _user(r) for r in rows}

    async def managers(self) -> list[User]:
        rows = await self._s.scalars(
            select(UserRow)
            .where(
                UserRow.role.in_([Role.ADMIN.value, Role.HEAD.value]), UserRow.is_active.is_(True)
            )
            .order_by(UserRow.id)
        )
        return [_user(r) for r in rows]


def _invite(row: InviteRow) -> Invite:
    return Invite(
        token=row.token,
        role=Role(row.role),
        created_by=UserId(row.created_by),
        expires_at=row.expires_at,
        used_by=UserId(row.used_by) if row.used_by else None,
    )


class SqlInviteRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, token: str, role: Role, created_by: UserId, now: datetime, expires_at: datetime
    ) -> Invite:
        row = InviteRow(
            token=token,
            role=role.value,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _invite(row)

    async def get(self, token: str) -> Invite | None:
        row = await self._s.scalar(select(InviteRow).where(InviteRow.token == token))
        return _invite(row) if row else None

    async def use(self, token: str, user_id: UserId, now: datetime) -> bool:
        result = await self._s.execute(
            update(InviteRow)
            .where(
                InviteRow.token == token, InviteRow.used_by.is_(None), InviteRow.expires_at > now
            )
            .values(used_by=user_id, used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlSettingRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, key: str) -> str | None:
        row = await self._s.get(SettingRow, key)
        return row.value if row else None

    async def put(self, key: str, value: str) -> None:
        row = await self._s.get(SettingRow, key)
        if row is None:
            self._s.add(SettingRow(key=key, value=value))
        else:
            row.value = value
        await self._s.flush()

    async def delete(self, key: str) -> None:
        await self._s.execute(delete(SettingRow).where(SettingRow.key == key))

    async def lock(self, name: str) -> None:
        """Until this transaction ends, no other process passes `lock(name)`: PostgreSQL's
        advisory lock; SQLite's writer already holds its one write lock from its first
        statement (`bot.services.writes`)."""
        if self._s.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(name.encode())
            await self._s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def with_prefix(self, prefix: str) -> dict[str, str]:
        rows = await self._s.execute(
            select(SettingRow.key, SettingRow.value).where(SettingRow.key.startswith(prefix))
        )
        return {key[len(prefix) :]: value for key, value in rows}


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
    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        # Within one unit of work a pipeline is read once: a stage change needs it twice.
        self._seen: dict[PipelineId, Pipeline] = {}

    async def assemble(self, rows: Sequence[PipelineRow]) -> list[Pipeline]:
        ids = [r.id for r in rows]
        stages = await self._s.scalars(
            select(StageRow)
            .where(StageRow.pipeline_id.in_(ids), StageRow.is_archived.is_(False))
            .order_by(StageRow.position)
        )
        reasons = await self._s.scalars(
            select(LostReasonRow)
            .where(LostReasonRow.pipeline_id.in_(ids), LostReasonRow.is_archived.is_(False))
            .order_by(LostReasonRow.position)
        )
        by_stage: dict[int, list[Stage]] = {i: [] for i in ids}
        by_reason: dict[int, list[LostReason]] = {i: [] for i in ids}
        for s in stages:
            by_stage[s.pipeline_id].append(stage_of(s))
        for r in reasons:
            by_reason[r.pipeline_id].append(
                LostReason(LostReasonId(r.id), PipelineId(r.pipeline_id), r.name)
            )
        pipelines = [
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
        self._seen.update((p.id, p) for p in pipelines)
        return pipelines

    async def list_active(self) -> list[Pipeline]:
        rows = await self._s.scalars(
            select(PipelineRow)
            .where(PipelineRow.is_archived.is_(False))
            .order_by(PipelineRow.position)
        )
        return await self.assemble(list(rows))

    async def get(self, pipeline_id: PipelineId) -> Pipeline | None:
        if pipeline_id in self._seen:
            return self._seen[pipeline_id]
        row = await self._s.get(PipelineRow, pipeline_id)
        if row is None:
            return None
        return (await self.assemble([row]))[0]

    async def hand_over_stages(self, from_owner: UserId, to_owner: UserId) -> int:
        """Stages owned by one member pass to another; how many did."""
        result = await self._s.execute(
            update(StageRow).where(StageRow.owner_id == from_owner).values(owner_id=to_owner)
        )
        self._seen.clear()
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
        return PipelineId(pipeline.id)

    async def count(self) -> int:
        return int(await self._s.scalar(select(func.count()).select_from(PipelineRow)) or 0)


def _client(row: ClientRow) -> Client:
    return Client(
        id=ClientId(row.id),
        company=row.company,
        contact_name=row.contact_name,
        phone=row.phone,
        telegram=row.telegram,
        tg_id=TelegramId(row.tg_id) if row.tg_id else None,
        do_not_survey=row.do_not_survey,
    )


class SqlClientRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, client_id: ClientId) -> Client | None:
        row = await self._s.get(ClientRow, client_id)
        return _client(row) if row else None

    async def find(self, text: str, limit: int) -> list[Client]:
        needle = fold(text)
        rows = await self._s.scalars(
            select(ClientRow)
            .where(ClientRow.company_search.contains(needle, autoescape=True))
            .order_by(func.length(ClientRow.company_search), ClientRow.id)
            .limit(limit)
        )
        return [_client(r) for r in rows]

    async def add(self, company: str, created_by: UserId, now: datetime) -> Client:
        row = ClientRow(
            company=company,
            company_search=fold(company),
            created_by=created_by,
            created_at=now,
            do_not_survey=False,
        )
        self._s.add(row)
        await self._s.flush()
        return _client(row)

    async def link_chat(self, client_id: ClientId, tg_id: TelegramId) -> None:
        await self._s.execute(
            update(ClientRow).where(ClientRow.id == client_id).values(tg_id=tg_id)
        )

    async def opt_out(self, client_id: ClientId) -> None:
        await self._s.execute(
            update(ClientRow).where(ClientRow.id == client_id).values(do_not_survey=True)
        )

    async def by_chat(self, tg_id: TelegramId) -> Client | None:
        row = await self._s.scalar(
            select(ClientRow).where(ClientRow.tg_id == tg_id).order_by(ClientRow.id.desc())
        )
        return _client(row) if row else None


def _deal(row: DealRow, client: ClientRow | None, reason: str | None, owner: str) -> Deal:
    return Deal(
        id=DealId(row.id),
        title=row.title,
        client=_client(client) if client else None,
        amount=row.amount,
        currency=row.currency,
        pipeline_id=PipelineId(row.pipeline_id),
        stage_id=StageId(row.stage_id),
        owner_id=UserId(row.owner_id),
        status=DealStatus(row.status),
        created_at=row.created_at,
        stage_entered_at=row.stage_entered_at,
        version=row.version,
        channel=Channel(row.channel) if row.channel else None,
        product=row.product,
        region=row.region,
        is_new_client=row.is_new_client,
        expected_close_at=row.expected_close_at,
        closed_at=row.closed_at,
        lost_reason=row.lost_reason_text or reason,
        handoff_to_id=UserId(row.handoff_to_id) if row.handoff_to_id else None,
        owner_name=owner,
    )


class SqlDealRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _select(self) -> Select[DealRow, ClientRow, str, str]:
        return (
            select(DealRow, ClientRow, LostReasonRow.name, UserRow.name)
            .join(UserRow, UserRow.id == DealRow.owner_id)
            .outerjoin(ClientRow, ClientRow.id == DealRow.client_id)
            .outerjoin(LostReasonRow, LostReasonRow.id == DealRow.lost_reason_id)
        )

    async def add(
        self,
        *,
        title: str,
        client_id: ClientId | None,
        amount: int | None,
        pipeline_id: PipelineId,
        stage_id: StageId,
        owner_id: UserId,
        channel: str | None,
        product: str | None,
        is_new_client: bool,
        now: datetime,
    ) -> Deal:
        row = DealRow(
            title=title,
            title_search=fold(title),
            client_id=client_id,
            amount=amount,
            currency="RUB",
            pipeline_id=pipeline_id,
            stage_id=stage_id,
            owner_id=owner_id,
            status=DealStatus.OPEN.value,
            channel=channel,
            product=product,
            is_new_client=is_new_client,
            created_at=now,
            stage_entered_at=now,
            version=1,
        )
        self._s.add(row)
        await self._s.flush()
        deal = await self.get(DealId(row.id))
        assert deal is not None
        return deal

    async def get(self, deal_id: DealId) -> Deal | None:
        found = (await self._s.execute(self._select().where(DealRow.id == deal_id))).first()
        return _deal(*found) if found else None

    async def apply(self, change: DealChange) -> bool:
        result = await self._s.execute(
            update(DealRow)
            .where(DealRow.id == change.deal_id, DealRow.version == change.expected_version)
            .values(
                stage_id=change.stage_id,
                status=change.status.value,
                stage_entered_at=change.stage_entered_at,
                closed_at=change.closed_at,
                lost_reason_id=change.lost_reason_id,
                lost_reason_text=change.lost_reason_text,
                owner_id=change.owner_id,
                handoff_to_id=change.handoff_to_id,
                version=DealRow.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reassign_open(self, from_owner: UserId, to_owner: UserId) -> list[DealId]:
        result = await self._s.execute(
            update(DealRow)
            .where(DealRow.owner_id == from_owner, DealRow.status == DealStatus.OPEN.value)
            .values(
                owner_id=to_owner,
                # An offer to the new owner is moot; an offer to a third person stands.
                handoff_to_id=case(
                    (DealRow.handoff_to_id == to_owner, None), else_=DealRow.handoff_to_id
                ),
                version=DealRow.version + 1,
            )
            .returning(DealRow.id)
            .execution_options(synchronize_session=False)
        )
        moved = [DealId(i) for i in result.scalars()]
        # Deals offered to the member who leaves are offered to the successor instead.
        await self._s.execute(
            update(DealRow)
            .where(DealRow.handoff_to_id == from_owner, DealRow.status == DealStatus.OPEN.value)
            .values(handoff_to_id=to_owner, version=DealRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        return moved

    async def page(self, query: DealQuery) -> tuple[list[Deal], int]:
        conditions = []
        if query.status is not None:
            conditions.append(DealRow.status == query.status.value)
        if query.owner_id is not None:
            conditions.append(DealRow.owner_id == query.owner_id)
        if query.managed_by is not None:
            conditions.append(managed_by(DealRow.owner_id, query.managed_by))
        if query.pipeline_id is not None:
            conditions.append(DealRow.pipeline_id == query.pipeline_id)
        if query.stalled_before is not None:
            conditions.append(
                or_(
                    False,
                    *(
                        and_(DealRow.stage_id == sid, DealRow.stage_entered_at < cutoff)
                        for sid, cutoff in query.stalled_before
                    ),
                )
            )
        if query.without_task:
            conditions.append(
                ~exists().where(TaskRow.deal_id == DealRow.id, TaskRow.status == "open")
            )
        if query.text:
            needle = fold(query.text)
            conditions.append(
                or_(
                    DealRow.title_search.contains(needle, autoescape=True),
                    ClientRow.company_search.contains(needle, autoescape=True),
                )
            )
        stmt = self._select().where(*conditions)
        total = await self._s.scalar(
            select(func.count()).select_from(
                stmt.with_only_columns(DealRow.id).order_by(None).subquery()
            )
        )
        order: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]
        if query.newest_first:
            order = (DealRow.stage_entered_at.desc(), DealRow.id.desc())
        elif query.status in (DealStatus.WON, DealStatus.LOST):
            order = (DealRow.closed_at.desc(), DealRow.id.desc())  # the latest closes first
        else:
            order = (DealRow.pipeline_id, StageRow.position, DealRow.stage_entered_at, DealRow.id)
        rows = await self._s.execute(
            stmt.join(StageRow, StageRow.id == DealRow.stage_id)
            .order_by(*order)
            .offset(query.offset)
            .limit(query.limit)
        )
        return [_deal(*r) for r in rows], int(total or 0)


def _event(row: DealEventRow) -> DealEvent:
    return DealEvent(
        deal_id=DealId(row.deal_id),
        kind=EventKind(row.kind),
        actor_id=UserId(row.actor_id) if row.actor_id else None,
        at=row.at,
        from_stage_id=StageId(row.from_stage_id) if row.from_stage_id else None,
        to_stage_id=StageId(row.to_stage_id) if row.to_stage_id else None,
        text=row.text,
    )


class SqlEventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event: DealEvent) -> None:
        self._s.add(
            DealEventRow(
                deal_id=event.deal_id,
                kind=event.kind.value,
                actor_id=event.actor_id,
                at=event.at,
                from_stage_id=event.from_stage_id,
                to_stage_id=event.to_stage_id,
                text=event.text,
            )
        )

    async def add_many(self, events: Sequence[DealEvent]) -> None:
        for event in events:
            await self.add(event)

    async def for_deal(self, deal_id: DealId) -> list[DealEvent]:
        rows = await self._s.scalars(
            select(DealEventRow)
            .where(DealEventRow.deal_id == deal_id)
            .order_by(DealEventRow.at, DealEventRow.id)
        )
        return [_event(r) for r in rows]
