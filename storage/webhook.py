"""Updates posted to the webhook, claimed so that the workers behind one URL handle each once.

A claim is a row keyed by update_id with a claimant and a lease. Taking it is one statement
(an INSERT that does nothing on a conflict, or an UPDATE whose WHERE re-checks that the claim
is free), so two deliveries of one update, in one process or two, never both get it: on
PostgreSQL the second waits for the first's row lock and then sees its result; on SQLite
writers take the lock in turn. `done` sets `done_at`; a row with it is acknowledged, never
handled again. A claimant that died leaves its lease to run out, and the update is handled
when Telegram retries it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.updates import UpdateClaim
from storage.models import UtcDateTime, WebhookUpdateRow

W = WebhookUpdateRow


class SqlWebhookUpdateRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(
        self, update_id: int, claimant: str, now: datetime, lease_until: datetime
    ) -> UpdateClaim:
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        inserted = await self._s.execute(
            dialect.insert(W)
            .values(
                update_id=update_id,
                claimant=claimant,
                lease_until=lease_until,
                attempts=0,
                seen_at=now,
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        if inserted.rowcount:  # type: ignore[attr-defined]
            return UpdateClaim.MINE
        free = or_(W.claimant.is_(None), W.lease_until.is_(None), W.lease_until < now)
        taken = await self._s.execute(
            update(W)
            .where(W.update_id == update_id, W.done_at.is_(None), free)
            .values(claimant=claimant, lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            return UpdateClaim.MINE
        done_at = await self._s.scalar(select(W.done_at).where(W.update_id == update_id))
        return UpdateClaim.DONE if done_at is not None else UpdateClaim.BUSY

    async def renew(self, update_id: int, claimant: str, lease_until: datetime) -> bool:
        result = await self._s.execute(
            update(W)
            .where(self._held(update_id, claimant))
            .values(lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def done(self, update_id: int, claimant: str, now: datetime) -> bool:
        result = await self._s.execute(
            update(W)
            .where(self._held(update_id, claimant))
            .values(done_at=now, claimant=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, update_id: int, claimant: str, now: datetime, give_up_at: int) -> int:
        tries = W.attempts + 1
        await self._s.execute(
            update(W)
            .where(self._held(update_id, claimant))
            .values(
                claimant=None,
                lease_until=None,
                attempts=tries,
                done_at=case((tries >= give_up_at, literal(now, UtcDateTime())), else_=None),
            )
            .execution_options(synchronize_session=False)
        )
        attempts = await self._s.scalar(select(W.attempts).where(W.update_id == update_id))
        return int(attempts or 0)

    async def purge(self, before: datetime) -> int:
        result = await self._s.execute(delete(W).where(W.seen_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def _held(update_id: int, claimant: str) -> ColumnElement[bool]:
        return and_(W.update_id == update_id, W.claimant == claimant, W.done_at.is_(None))
