"""/team: roles, and a member switched off with their work handed to a colleague."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import UserId
from bot.domain.notices import QuietHours
from bot.services.members import deactivate
from handlers.alerts import handover_notice
from handlers.notices import TelegramNotifier
from storage.deals import SqlEventRepo
from storage.models import AuditRow, DealEventRow, DealRow, StageRow, TaskRow, UserRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.mocked_bot import MockedBot


async def ids(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        return dict((await conn.execute(select(UserRow.tg_id, UserRow.id))).all())


async def test_a_member_is_deactivated_and_their_work_goes_to_a_colleague(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    await create(seller, "Ромашка")
    await seller.press(said("when.tomorrow_10"))
    await admin.send("/team")
    await admin.press("Sergey")
    assert said.part("member.card", name="Sergey", role=said("role.seller")) in admin.text
    await admin.press(said("member.btn.deactivate"))
    assert admin.text == said("member.pick_successor", name="Sergey")
    await admin.press("➜ Olga")
    assert admin.text == said(
        "member.deactivated",
        name="Sergey",
        successor="Olga",
        deals=1,
        tasks=1,
    )
    people = await ids(engine)
    async with engine.connect() as conn:
        assert await conn.scalar(select(DealRow.owner_id)) == people[2500]
        assert await conn.scalar(select(TaskRow.assignee_id)) == people[2500]
        assert (
            await conn.scalar(select(DealEventRow.text).where(DealEventRow.kind == "handoff"))
            == "reassigned"
        )
        assert await conn.scalar(select(UserRow.is_active).where(UserRow.tg_id == 2000)) is False
        audit = (await conn.execute(select(AuditRow.action, AuditRow.subject))).all()
    assert audit == [("deactivate", "Sergey")]
    await jobs.deliver()
    told = [r.text for r in bot.sent(SendMessage) if r.chat_id == olga.tg_id]
    handover = said("handover.notice", name="Sergey", deals=1, tasks=1)
    assert told[-1] == handover
    await seller.send("/deals")
    assert seller.text == said("start.inactive")


async def test_an_admin_changes_a_role_and_a_head_cannot(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await admin.send("/team")
    await admin.press("Sergey")
    await admin.press(said("member.btn.make_head"))
    assert admin.alert == said("member.role_changed")
    assert said.part("member.card", name="Sergey", role=said("role.head")) in admin.text
    people = await ids(engine)
    head = person(3000, "Helen")
    await join(admin, head, said("role.head"))
    await head.press_data(f"mb:s:{people[2000]}:0")
    assert head.alert == said("error.access_denied")
    people = await ids(engine)
    await head.press_data(f"mb:t:{people[1000]}:{people[3000]}")
    assert head.alert == said("error.access_denied")  # a head cannot switch off an admin
    async with engine.connect() as conn:
        assert await conn.scalar(select(UserRow.role).where(UserRow.tg_id == 2000)) == "head"


async def test_a_thousand_deals_move_in_one_transaction_or_not_at_all(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    await admin.send("/start")
    people = await ids(engine)
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    async with engine.begin() as conn:
        stage, pipeline = (
            await conn.execute(select(StageRow.id, StageRow.pipeline_id).limit(1))
        ).one()
        rows = [
            {
                "title": f"Сделка {i}",
                "title_search": f"сделка {i}",
                "pipeline_id": pipeline,
                "stage_id": stage,
                "owner_id": people[2000],
                "status": "open",
                "currency": "RUB",
                "is_new_client": True,
                "created_at": now,
                "stage_entered_at": now,
                "version": 1,
            }
            for i in range(1000)
        ]
        await conn.execute(insert(DealRow), rows)

    async def fail_half_way(self: SqlEventRepo, events: list[Any]) -> None:
        for event in events[:500]:
            await self.add(event)
        raise RuntimeError("the database went away half-way")

    monkeypatch.setattr(SqlEventRepo, "add_many", fail_half_way)
    notifier = TelegramNotifier(now.tzinfo, QuietHours())  # type: ignore[arg-type]
    async with uow_factory() as uow:
        actor = await uow.users.get(UserId(people[1000]))
        assert actor is not None
        with pytest.raises(RuntimeError):
            await deactivate(
                uow,
                actor,
                UserId(people[2000]),
                UserId(people[2500]),
                now,
                notifier,
                handover_notice,
            )
    async with engine.connect() as conn:
        owners = dict(
            (
                await conn.execute(
                    select(DealRow.owner_id, func.count()).group_by(DealRow.owner_id)
                )
            ).all()
        )
        assert owners == {people[2000]: 1000}
        assert await conn.scalar(select(func.count()).select_from(DealEventRow)) == 0
        assert await conn.scalar(select(UserRow.is_active).where(UserRow.tg_id == 2000)) is True

    monkeypatch.undo()
    async with uow_factory() as uow:
        actor = await uow.users.get(UserId(people[1000]))
        assert actor is not None
        done = await deactivate(
            uow, actor, UserId(people[2000]), UserId(people[2500]), now, notifier, handover_notice
        )
    assert done.deals == 1000
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(DealEventRow)) == 1000


async def test_switching_off_twice_is_refused_and_a_configured_admin_comes_back(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    people = await ids(engine)
    await admin.press_data(f"mb:t:{people[2000]}:{people[2500]}")
    await admin.press_data(f"mb:t:{people[2000]}:{people[2500]}")
    assert admin.alert == said("error.member_invalid")
    async with engine.begin() as conn:
        assert len((await conn.execute(select(AuditRow.id))).all()) == 1
        await conn.execute(update(UserRow).where(UserRow.tg_id == 2500).values(role="admin"))
    uow_factory.rules.forget()  # changed behind the bot's back: its cache of members is told
    await olga.press_data(f"mb:t:{people[1000]}:{people[2500]}")  # Olga, now an admin, too
    async with engine.connect() as conn:
        assert await conn.scalar(select(UserRow.is_active).where(UserRow.tg_id == 1000)) is False
    await admin.send("/start")  # BOT_ADMINS is the owner's word: Anna is back
    assert said("role.admin") in admin.text


async def test_a_reminder_held_for_the_leaving_member_comes_to_the_successor(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    await seller.send("/task")
    await seller.send("Поздний звонок")
    await seller.send("сегодня 22:00")
    clock.advance(hours=12, minutes=5)  # 22:05: the reminder is queued for the morning
    await jobs.tick()
    people = await ids(engine)
    await admin.press_data(f"mb:t:{people[2000]}:{people[2500]}")
    clock.advance(hours=10)  # 08:05 the next day
    bot.clear()
    await jobs.tick()
    to_olga = [r.text for r in bot.sent(SendMessage) if r.chat_id == olga.tg_id]
    assert any("Поздний звонок" in t for t in to_olga)


async def test_stages_the_leaver_owned_pass_to_the_successor(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    await seller.send("/start")
    people = await ids(engine)
    async with engine.begin() as conn:
        await conn.execute(
            update(StageRow).where(StageRow.name == "Договор").values(owner_id=people[2000])
        )
    await admin.send("/team")
    await admin.press("Sergey")
    await admin.press(said("member.btn.deactivate"))
    await admin.press("➜ Olga")
    async with engine.connect() as conn:
        owners = set((await conn.scalars(select(StageRow.owner_id))).all())
    assert owners == {None, people[2500]}
