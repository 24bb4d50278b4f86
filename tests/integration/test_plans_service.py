"""The plan services on a real database: who may set plans, for whom, and what is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.domain.errors import AccessDeniedError, PlanMonthError, PlanSellerError, PlanValueError
from bot.domain.ids import TelegramId, UserId
from bot.domain.models import Role, User
from bot.domain.plan_csv import PlanCsvError
from bot.domain.plans import Plan
from bot.services import plans
from bot.services.ports import UnitOfWork
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
NOV, OCT = date(2026, 11, 1), date(2026, 10, 1)


async def team(uow: UnitOfWork) -> dict[str, User]:
    people = {
        "head": (1, "Helen", Role.HEAD),
        "sergey": (2, "Sergey", Role.SELLER),
        "petr": (3, "Petr", Role.SELLER),
        "gone": (4, "Gone", Role.SELLER),
    }
    users = {
        key: await uow.users.add(TelegramId(tg), name, None, role, "ru", NOW)
        for key, (tg, name, role) in people.items()
    }
    await uow.users.set_active(users["gone"].id, False)
    await uow.commit()
    return users


async def test_a_seller_is_refused_every_plan_action(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        users = await team(uow)
        sergey = users["sergey"]
        actions: list[Callable[[], Awaitable[Any]]] = [
            lambda: plans.month_plans(uow, sergey, NOV, NOV),
            lambda: plans.seller_plan(uow, sergey, sergey.id, NOV, NOV),
            lambda: plans.set_plan(uow, sergey, Plan(sergey.id, NOV, 100), NOV, NOW),
            lambda: plans.copy_last_month(uow, sergey, NOV, NOV, NOW),
            lambda: plans.import_plans(uow, sergey, b"seller;revenue\nSergey;1\n", NOV, NOV, NOW),
        ]
        for action in actions:
            with pytest.raises(AccessDeniedError):
                await action()
    async with uow_factory() as uow:
        assert await plans.plans_for_month(uow, NOV) == {}
        assert (await uow.audit.page(0, 10))[1] == 0


async def test_only_active_sellers_get_plans_and_only_in_the_planning_window(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        users = await team(uow)
        head = users["head"]
        for member in ("head", "gone"):
            with pytest.raises(PlanSellerError):
                await plans.set_plan(uow, head, Plan(users[member].id, NOV, 1), NOV, NOW)
        with pytest.raises(PlanSellerError):
            await plans.set_plan(uow, head, Plan(UserId(999), NOV, 1), NOV, NOW)
        with pytest.raises(PlanMonthError):
            await plans.set_plan(uow, head, Plan(users["sergey"].id, date(2027, 3, 1), 1), NOV, NOW)
        with pytest.raises(PlanValueError):
            plans.plan_of(users["sergey"].id, NOV, -1)
        view = await plans.month_plans(uow, head, NOV, NOV)
        assert [s.name for s in view.sellers] == ["Petr", "Sergey"]
    async with uow_factory() as uow:
        assert await plans.plans_for_month(uow, NOV) == {}


async def test_plans_for_month_and_the_audit_log_see_what_a_head_set(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        users = await team(uow)
        head, sergey = users["head"], users["sergey"]
        await plans.set_plan(uow, head, Plan(sergey.id, OCT, 100_00, meetings=4), NOV, NOW)
        result = await plans.copy_last_month(uow, head, NOV, NOV, NOW)
        assert ([s.name for s in result.copied], result.kept) == (["Sergey"], 0)
        # Saving the same plan again changes nothing and writes no audit line.
        await plans.set_plan(uow, head, Plan(sergey.id, NOV, 100_00, meetings=4), NOV, NOW)
    async with uow_factory() as uow:
        assert await plans.plans_for_month(uow, NOV) == {
            sergey.id: Plan(sergey.id, NOV, 100_00, meetings=4)
        }
        entries, total = await uow.audit.page(0, 10)
        assert total == 2
        assert {(e.action, e.subject, e.before, e.after) for e in entries} == {
            ("plan", "Sergey · 2026-10", None, "100; meetings 4"),
            ("plan", "Sergey · 2026-11", None, "100; meetings 4"),
        }


async def test_an_import_naming_a_switched_off_seller_or_a_seller_twice_saves_nothing(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    data = b"seller;revenue\nSergey;100\n3;200\nGone;300\nsergey;400\n"
    async with uow_factory() as uow:
        users = await team(uow)
        with pytest.raises(PlanCsvError) as caught:
            await plans.import_plans(uow, users["head"], data, NOV, NOV, NOW)
    assert [(p.line, p.reason) for p in caught.value.problems] == [
        (4, "seller_not_seller"),
        (5, "duplicate"),
    ]
    async with uow_factory() as uow:
        assert await plans.plans_for_month(uow, NOV) == {}
