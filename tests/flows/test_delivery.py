"""/delivery: admins see how the notices are getting out, and each one that could not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import OutboxRow, UserRow
from tests.conftest import FakeClock
from tests.flows.harness import Person, said


async def queue(engine: AsyncEngine, clock: FakeClock, status: str, **values: Any) -> None:
    row = {
        "chat_id": 777,
        "kind": "reminder",
        "payload": '{"text": "x"}',
        "status": status,
        "attempts": 1,
        "not_before": clock(),
        "created_at": clock(),
        **values,
    }
    async with engine.begin() as conn:
        await conn.execute(insert(OutboxRow).values(**row))


async def test_an_admin_sees_the_outbox_health_and_each_failed_notice(
    admin: Person, seller: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    await admin.send("/delivery")
    assert said("delivery.counts", pending=0, sent=0, failed=0) in admin.text
    assert said("delivery.no_failures") in admin.text

    async with engine.connect() as conn:
        sergey = (await conn.execute(select(UserRow.id).where(UserRow.tg_id == 2000))).scalar()
    now = clock()
    await queue(engine, clock, "pending")
    await queue(engine, clock, "sending")
    await queue(engine, clock, "sent", sent_at=now - timedelta(hours=2))  # 08:00 Moscow: today
    await queue(engine, clock, "sent", sent_at=now - timedelta(hours=12))  # yesterday
    await queue(engine, clock, "dropped", not_before=now - timedelta(days=1))
    await queue(engine, clock, "failed", not_before=now - timedelta(days=8), error="old")
    await queue(engine, clock, "failed", chat_id=2000, user_id=sergey, kind="stall",
                error="blocked", not_before=now - timedelta(minutes=30))  # fmt: skip
    await queue(engine, clock, "failed", error="bad request: chat not found",
                not_before=now - timedelta(days=2))  # fmt: skip

    await admin.send("/delivery")
    text = admin.text
    assert said("delivery.counts", pending=2, sent=1, failed=2) in text
    assert said("delivery.dropped", dropped=1) in text
    rows = text.split("\n")[-2:]
    stall, reminder = said("delivery.kind.stall"), said("delivery.kind.reminder")
    not_found = "bad request: chat not found"
    assert rows == [
        said("delivery.row", at="23.11 09:30", who="Sergey", kind=stall, reason="blocked"),
        said("delivery.row", at="21.11 10:00", who=777, kind=reminder, reason=not_found),
    ]
    assert "old" not in text
    assert admin.buttons(of="📬") == []  # one page

    await seller.send("/delivery")
    assert seller.text == said("error.admins_only")


async def test_failures_are_paged_newest_first(
    admin: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    for n in range(10):
        await queue(engine, clock, "failed", chat_id=900 + n, error=f"reason {n}",
                    not_before=clock() - timedelta(hours=n))  # fmt: skip
    await admin.send("/delivery")
    reminder = said("delivery.kind.reminder")
    assert said("delivery.failed_title", page=1, pages=2) in admin.text
    assert said.part("delivery.row", who=900, kind=reminder, reason="reason 0") in admin.text
    assert "909" not in admin.text
    await admin.press("▶️")
    assert said("delivery.failed_title", page=2, pages=2) in admin.text
    assert said.part("delivery.row", who=909, kind=reminder, reason="reason 9") in admin.text
    await admin.press("◀️")
    assert said("delivery.failed_title", page=1, pages=2) in admin.text
