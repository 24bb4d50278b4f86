"""Deals and their history (events): rows in, domain dataclasses out. Never commits."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Label,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.deals import DealChange, DealEvent, DealQuery, EventKind
from bot.domain.ids import ClientId, DealId, PipelineId, StageId, UserId
from bot.domain.inbox import Attachment, FileKind
from bot.domain.models import Channel, Deal, DealStatus
from bot.domain.tasks import Task, TaskStatus
from storage.clients import client_of
from storage.contacts import contact_of
from storage.models import (
    ClientRow,
    ContactRow,
    DealEventRow,
    DealRow,
    LostReasonRow,
    StageRow,
    TaskRow,
    UserRow,
    fold,
)
from storage.scope import managed_by
from storage.tasks import task_of


def _deal(
    row: DealRow,
    client: ClientRow | None,
    reason: str | None,
    owner: str,
    contact: ContactRow | None = None,
) -> Deal:
    return Deal(
        id=DealId(row.id),
        title=row.title,
        client=client_of(client) if client else None,
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
        contact=contact_of(contact) if contact else None,
    )


def _column(value: object) -> object:
    """A domain value as its column holds it: an enum by its value."""
    return value.value if isinstance(value, enum.Enum) else value


class SqlDealRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _select(self) -> Select[DealRow, ClientRow, str, str, ContactRow]:
        return _deal_select()

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

    async def with_next_task(self, deal_id: DealId) -> tuple[Deal, Task | None] | None:
        """The deal and its next open task (the earliest due), in one query: the card."""
        found = (await self._s.execute(_card(), {"deal_id": deal_id})).mappings().first()
        if found is None:
            return None
        row, client = _columns(found, "d_"), _columns(found, "c_")
        deal = _deal(row, client, found["r_name"], found["o_name"], _columns(found, "k_"))
        task = _columns(found, "t_")
        company = client.company if client is not None else None
        return deal, task_of(task, row.title, row.version, company) if task is not None else None

    async def apply(self, change: DealChange) -> bool:
        values = {
            "stage_id": change.stage_id,
            "status": change.status.value,
            "stage_entered_at": change.stage_entered_at,
            "closed_at": change.closed_at,
            "lost_reason_id": change.lost_reason_id,
            "lost_reason_text": change.lost_reason_text,
            "owner_id": change.owner_id,
            "handoff_to_id": change.handoff_to_id,
            "title_search": fold(change.edited["title"]),
            **{k: _column(v) for k, v in change.edited.items()},
        }
        params = {"_id": change.deal_id, "_version": change.expected_version, **values}
        result = await self._s.execute(_apply(tuple(values)), params)
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
        field=row.field,
        before=row.old_value,
        after=row.new_value,
        origin_name=row.origin_name,
        origin_at=row.origin_at,
        attachment=_attachment(row),
        id=row.id,
    )


def _attachment(row: DealEventRow) -> Attachment | None:
    if row.file_id is None or row.file_kind is None:
        return None
    return Attachment(
        kind=FileKind(row.file_kind),
        file_id=row.file_id,
        size=row.file_size,
        duration=row.file_duration,
        name=row.file_name,
    )


def _file_columns(attachment: Attachment | None) -> dict[str, object]:
    if attachment is None:
        return dict.fromkeys(("file_id", "file_kind", "file_size", "file_duration", "file_name"))
    return {
        "file_id": attachment.file_id,
        "file_kind": attachment.kind.value,
        "file_size": attachment.size,
        "file_duration": attachment.duration,
        "file_name": attachment.name,
    }


def _event_values(event: DealEvent) -> dict[str, object]:
    return {
        "deal_id": event.deal_id,
        "kind": event.kind.value,
        "actor_id": event.actor_id,
        "at": event.at,
        "from_stage_id": event.from_stage_id,
        "to_stage_id": event.to_stage_id,
        "text": event.text,
        "field": event.field,
        "old_value": event.before,
        "new_value": event.after,
        "origin_name": event.origin_name,
        "origin_at": event.origin_at,
        **_file_columns(event.attachment),
    }


def _deal_select() -> Select[DealRow, ClientRow, str, str, ContactRow]:
    return (
        select(DealRow, ClientRow, LostReasonRow.name, UserRow.name, ContactRow)
        .join(UserRow, UserRow.id == DealRow.owner_id)
        .outerjoin(ClientRow, ClientRow.id == DealRow.client_id)
        .outerjoin(LostReasonRow, LostReasonRow.id == DealRow.lost_reason_id)
        .outerjoin(ContactRow, ContactRow.id == DealRow.contact_id)
    )


# Built once: SQLAlchemy then also reuses each one's cache key (costly to make afresh).
# On the Core tables, not the mapped classes: the session then runs them as plain statements,
# without the ORM's bulk-update bookkeeping (half of an UPDATE's Python cost here).
_DEAL_TABLE = cast(Table, DealRow.__table__)
_EVENT_INSERT = insert(cast(Table, DealEventRow.__table__))


def _labelled(table: Table, prefix: str) -> list[Label[Any]]:
    return [column.label(f"{prefix}{column.key}") for column in table.c]


@functools.cache
def _card() -> Select[Any]:
    """A deal with its next open task (the earliest due), by `deal_id`: on the Core tables,
    each table's columns under a prefix of its own (`_columns` reads them back), because
    loading four ORM objects cost more than the query itself."""
    deal, client, contact, task = (
        cast(Table, row.__table__) for row in (DealRow, ClientRow, ContactRow, TaskRow)
    )
    reason, owner = cast(Table, LostReasonRow.__table__), cast(Table, UserRow.__table__)
    first = (
        select(task.c.id)
        .where(task.c.deal_id == deal.c.id, task.c.status == TaskStatus.OPEN.value)
        .order_by(task.c.due_at, task.c.id)
        .limit(1)
        .correlate(deal)
        .scalar_subquery()
    )
    tables = (
        deal.join(owner, owner.c.id == deal.c.owner_id)
        .outerjoin(client, client.c.id == deal.c.client_id)
        .outerjoin(reason, reason.c.id == deal.c.lost_reason_id)
        .outerjoin(contact, contact.c.id == deal.c.contact_id)
        .outerjoin(task, task.c.id == first)
    )
    return (
        select(
            *_labelled(deal, "d_"),
            *_labelled(client, "c_"),
            reason.c.name.label("r_name"),
            owner.c.name.label("o_name"),
            *_labelled(contact, "k_"),
            *_labelled(task, "t_"),
        )
        .select_from(tables)
        .where(deal.c.id == bindparam("deal_id"))
    )


def _columns(row: Mapping[str, Any], prefix: str) -> Any:
    """One table's columns of a `_card` row, read as its ORM row's attributes; None when an
    outer join found no row."""
    if row[f"{prefix}id"] is None:
        return None
    return SimpleNamespace(**{k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)})


@functools.cache
def _apply(columns: tuple[str, ...]) -> Update:
    """The versioned UPDATE of a deal, for one set of columns (one set in practice)."""
    deal = _DEAL_TABLE.c
    return (
        update(_DEAL_TABLE)
        .where(deal.id == bindparam("_id"), deal.version == bindparam("_version"))
        .values(version=deal.version + 1, **{c: bindparam(c) for c in columns})
    )


class SqlEventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event: DealEvent) -> None:
        """Written at once (a plain INSERT, not the ORM's flush at commit): same statement,
        a third of the Python it costs."""
        await self._s.execute(_EVENT_INSERT, _event_values(event))

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
