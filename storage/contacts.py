"""Contact persons of clients, and what links a deal to a client and a person. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.contacts import Contact, ContactInput, phone_digits
from bot.domain.ids import ClientId, DealId, TelegramId, UserId
from bot.domain.models import DealStatus
from storage.models import ClientRow, ContactRow, DealRow, fold


def contact_of(row: ContactRow) -> Contact:
    return Contact(
        id=row.id,
        client_id=ClientId(row.client_id),
        name=row.name,
        phone=row.phone,
        username=row.username,
        tg_id=TelegramId(row.tg_id) if row.tg_id else None,
    )


class SqlContactRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, client_id: ClientId, who: ContactInput, created_by: UserId, now: datetime
    ) -> Contact:
        row = ContactRow(
            client_id=client_id,
            name=who.name,
            name_search=fold(who.name),
            phone=who.phone,
            phone_digits=phone_digits(who.phone),
            username=who.username,
            tg_id=who.tg_id,
            created_by=created_by,
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return contact_of(row)

    async def get(self, contact_id: int) -> Contact | None:
        row = await self._s.get(ContactRow, contact_id)
        return contact_of(row) if row else None

    async def for_client(self, client_id: ClientId) -> list[Contact]:
        rows = await self._s.scalars(
            select(ContactRow).where(ContactRow.client_id == client_id).order_by(ContactRow.id)
        )
        return [contact_of(r) for r in rows]

    async def matching(self, who: ContactInput, limit: int) -> list[Contact]:
        """Contacts that are this person: by account, username, phone or the whole name."""
        found: list[ColumnElement[bool]] = [false()]
        if who.tg_id is not None:
            found.append(ContactRow.tg_id == who.tg_id)
        if who.username:
            found.append(ContactRow.username == who.username)
        digits = phone_digits(who.phone)
        if digits is not None:
            found.append(ContactRow.phone_digits == digits)
        if who.name:
            found.append(ContactRow.name_search == fold(" ".join(who.name.split())))
        rows = await self._s.scalars(
            select(ContactRow).where(or_(*found)).order_by(ContactRow.id.desc()).limit(limit)
        )
        return [contact_of(r) for r in rows]

    async def rename_client(self, client_id: ClientId, company: str) -> None:
        await self._s.execute(
            update(ClientRow)
            .where(ClientRow.id == client_id)
            .values(company=company, company_search=fold(company))
        )

    async def link_deal(
        self,
        deal_id: DealId,
        expected_version: int,
        client_id: ClientId | None,
        contact_id: int | None,
    ) -> bool:
        """Make the deal with this client and person if it is still at `expected_version`."""
        result = await self._s.execute(
            update(DealRow)
            .where(DealRow.id == deal_id, DealRow.version == expected_version)
            .values(client_id=client_id, contact_id=contact_id, version=DealRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def open_deals_of(
        self, client_ids: Sequence[ClientId], owner_id: UserId | None, limit: int
    ) -> list[DealId]:
        """Open deals of these clients (of one owner, if given), the latest moved first."""
        if not client_ids:
            return []
        query = select(DealRow.id).where(
            DealRow.client_id.in_(client_ids), DealRow.status == DealStatus.OPEN.value
        )
        if owner_id is not None:
            query = query.where(DealRow.owner_id == owner_id)
        rows = await self._s.scalars(
            query.order_by(DealRow.stage_entered_at.desc(), DealRow.id.desc()).limit(limit)
        )
        return [DealId(i) for i in rows]
