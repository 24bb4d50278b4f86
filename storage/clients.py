"""Clients: the companies deals are made with. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import ClientId, TelegramId, UserId
from bot.domain.models import Client
from storage.models import ClientRow, fold


def client_of(row: ClientRow) -> Client:
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
        return client_of(row) if row else None

    async def find(self, text: str, limit: int) -> list[Client]:
        needle = fold(text)
        rows = await self._s.scalars(
            select(ClientRow)
            .where(ClientRow.company_search.contains(needle, autoescape=True))
            .order_by(func.length(ClientRow.company_search), ClientRow.id)
            .limit(limit)
        )
        return [client_of(r) for r in rows]

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
        return client_of(row)

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
        return client_of(row) if row else None
