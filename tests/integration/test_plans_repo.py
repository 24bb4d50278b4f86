"""Plans are stored one per seller and month; saving again replaces, months stay apart."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.ids import TelegramId, UserId
from bot.domain.models import Role
from bot.domain.plans import Plan
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def test_saving_a_plan_again_replaces_it_and_months_stay_apart(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        anna = await uow.users.add(TelegramId(1), "Anna", None, Role.HEAD, "ru", NOW)
        sergey = await uow.users.add(TelegramId(2), "Sergey", None, Role.SELLER, "ru", NOW)
        nov, oct_ = date(2026, 11, 1), date(2026, 10, 1)
        await uow.plans.save(
            [Plan(sergey.id, oct_, 100_000_00), Plan(sergey.id, nov, 200_000_00, won_deals=4)],
            anna.id,
            NOW,
        )
        await uow.commit()
    async with uow_factory() as uow:
        await uow.plans.save([Plan(sergey.id, nov, 250_000_00, meetings=10)], anna.id, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.plans.for_month(nov) == [
            Plan(UserId(sergey.id), nov, 250_000_00, None, 10, None)
        ]
        assert [p.month for p in await uow.plans.between(oct_, date(2026, 12, 1))] == [oct_, nov]
