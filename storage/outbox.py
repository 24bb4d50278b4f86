"""The outbox: notifications persisted before they are sent, claimed by senders with a lease."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import TelegramId, UserId
from bot.domain.notices import Notice, OutboxItem
from storage.models import OutboxRow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
# Each row binds about a dozen parameters; SQLite allows 32766 per statement.
_INSERT_CHUNK = 500
_ERROR_LENGTH = 500


def _values(notice: Notice, now: datetime) -> dict[str, Any]:
    payload = {"text": notice.text, "reply_markup": notice.reply_markup}
    return {
        "user_id": notice.user_id,
        "chat_id": notice.chat_id,
        "kind": notice.kind,
        "dedup_key": notice.dedup_key,
        "payload": json.dumps(payload, ensure_ascii=False),
        "attachment": notice.photo,
        "status": PENDING,
        "attempts": 0,
        "not_before": notice.not_before or now,
        "created_at": now,
    }


def _item(row: OutboxRow) -> OutboxItem:
    payload = json.loads(row.payload)
    notice = Notice(
        chat_id=TelegramId(row.chat_id),
        kind=row.kind,
        text=payload["text"],
        user_id=UserId(row.user_id) if row.user_id is not None else None,
        dedup_key=row.dedup_key,
        reply_markup=payload.get("reply_markup"),
        photo=row.attachment,
        not_before=row.not_before,
    )
    return OutboxItem(id=row.id, notice=notice, attempts=row.attempts, created_at=row.created_at)


class SqlOutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, notices: Sequence[Notice], now: datetime) -> int:
        rows = [_values(n, now) for n in notices]
        added = 0
        for start in range(0, len(rows), _INSERT_CHUNK):
            added += await self._insert(rows[start : start + _INSERT_CHUNK])
        return added

    async def _insert(self, rows: list[dict[str, Any]]) -> int:
        # ON CONFLICT DO NOTHING skips a known dedup_key inside the statement, so the caller's
        # transaction goes on (a unique violation would abort it on PostgreSQL).
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(OutboxRow)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[OutboxRow.dedup_key])
            .returning(OutboxRow.id)
        )
        return len((await self._s.execute(stmt)).all())

    async def claim(
        self, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        due = or_(
            and_(OutboxRow.status == PENDING, OutboxRow.not_before <= now),
            # A worker that died mid-send leaves its items "sending" until the lease runs out.
            and_(OutboxRow.status == SENDING, OutboxRow.lease_until < now),
        )
        # SKIP LOCKED lets two workers claim side by side without waiting for or taking each
        # other's rows; SQLite renders no FOR UPDATE and serialises the UPDATE by its write lock.
        ids = (
            select(OutboxRow.id)
            .where(due)
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids.scalar_subquery()))
            .values(status=SENDING, lease_owner=owner, lease_until=lease_until)
            .returning(OutboxRow)
            .execution_options(synchronize_session=False)
        )
        rows = (await self._s.scalars(stmt)).all()
        return [_item(r) for r in sorted(rows, key=lambda r: (r.not_before, r.id))]

    async def mark_sent(self, item_id: int, owner: str, now: datetime) -> None:
        await self._finish(item_id, owner, status=SENT, sent_at=now, error=None)

    async def retry(
        self, item_id: int, owner: str, not_before: datetime, error: str, attempts: int
    ) -> None:
        await self._finish(
            item_id,
            owner,
            status=PENDING,
            not_before=not_before,
            attempts=attempts,
            error=error[:_ERROR_LENGTH],
            lease_owner=None,
        )

    async def mark_failed(self, item_id: int, owner: str, error: str) -> None:
        await self._finish(item_id, owner, status=FAILED, error=error[:_ERROR_LENGTH])

    async def _finish(self, item_id: int, owner: str, **values: Any) -> None:
        # Only the lease holder may record an outcome: a worker whose lease ran out and was
        # taken over must not overwrite what the new holder does.
        await self._s.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == item_id,
                OutboxRow.lease_owner == owner,
                OutboxRow.status == SENDING,
            )
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
