"""/delivery: admins see how the notices are getting out, and each one that could not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import OutboxRow, UserRow
from tests.conftest import FakeClock
from tests.flows.harness import Person


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
    assert "Ждут отправки: 0 · отправлено сегодня: 0 · не доставлено за 7 дней: 0" in admin.text
    assert "За 7 дней всё доставлено ✅" in admin.text

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
    assert "Ждут отправки: 2 · отправлено сегодня: 1 · не доставлено за 7 дней: 2" in text
    assert "Отменено за 7 дней (уже не нужны): 1" in text
    rows = text.split("\n")[-2:]
    assert rows == [
        "23.11 09:30 · Sergey · зависшие сделки: blocked",
        "21.11 10:00 · 777 · напоминание: bad request: chat not found",
    ]
    assert "old" not in text
    assert admin.buttons(of="📬") == []  # one page

    await seller.send("/delivery")
    assert seller.text == "Это доступно только администраторам."


async def test_failures_are_paged_newest_first(
    admin: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    for n in range(10):
        await queue(engine, clock, "failed", chat_id=900 + n, error=f"reason {n}",
                    not_before=clock() - timedelta(hours=n))  # fmt: skip
    await admin.send("/delivery")
    assert "стр. 1/2" in admin.text
    assert "900 · напоминание: reason 0" in admin.text
    assert "909" not in admin.text
    await admin.press("▶️")
    assert "стр. 2/2" in admin.text
    assert "909 · напоминание: reason 9" in admin.text
    await admin.press("◀️")
    assert "стр. 1/2" in admin.text
