"""A change made on an old version of a deal or task is refused and keeps nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.errors import StaleActionError
from bot.domain.ids import DealId
from bot.domain.models import DealStatus
from bot.domain.tasks import TaskStatus
from bot.services import deals, handoff, tasks
from tests.fakes.memory_uow import World
from tests.fakes.sales import ANNA, CONTRACT, MEETING, NOON, VERA, Notifier, Team, team


def colleague_moves(sales: Team, deal_id: int, **changes: object) -> None:
    """Another process commits a change between the service's read and its write."""

    def commit(world: World) -> None:
        deal = world.deals[DealId(deal_id)]
        world.deals[deal.id] = replace(deal, version=deal.version + 1, **changes)  # type: ignore[arg-type]

    sales.world.before_apply = commit


async def test_a_stage_change_on_a_stale_version_is_refused_and_keeps_nothing() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    colleague_moves(sales, deal.id, stage_id=MEETING)
    async with sales.uow() as uow:
        with pytest.raises(StaleActionError):
            await deals.move_deal(uow, ANNA, deal.id, CONTRACT, NOON, Notifier())
    kept = sales.world.deals[deal.id]
    assert kept.stage_id == MEETING and kept.version == deal.version + 1
    assert kept.handoff_to_id is None  # the stale offer to the stage's owner is not kept
    assert sales.world.events == [] and sales.world.outbox == [] and sales.world.commits == 0


async def test_a_close_on_a_stale_version_keeps_the_deals_tasks_open() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    task = sales.task(deal, ANNA)
    colleague_moves(sales, deal.id, stage_id=MEETING)
    async with sales.uow() as uow:
        with pytest.raises(StaleActionError):
            await deals.win_deal(uow, ANNA, deal.id, NOON)
    assert sales.world.deals[deal.id].status is DealStatus.OPEN
    assert sales.world.tasks[task.id] == task  # cancelled with the change, rolled back with it


async def test_a_change_on_the_current_version_is_kept_and_bumps_it() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        await deals.move_deal(uow, ANNA, deal.id, MEETING, NOON)
    assert sales.world.deals[deal.id].version == deal.version + 1
    assert sales.world.commits == 1


async def test_a_handoff_decision_on_a_stale_version_is_refused() -> None:
    sales = team()
    deal = sales.deal(ANNA, stage=CONTRACT)
    sales.world.deals[deal.id] = deal = replace(deal, handoff_to_id=VERA.id)
    colleague_moves(sales, deal.id, stage_id=MEETING)
    async with sales.uow() as uow:
        with pytest.raises(StaleActionError):
            await handoff.accept_handoff(uow, VERA, deal.id, NOON, Notifier())
    assert sales.world.deals[deal.id].owner_id == ANNA.id
    assert sales.world.outbox == [] and sales.world.events == []


async def test_a_task_change_on_a_stale_version_is_refused() -> None:
    sales = team()
    task = sales.task(sales.deal(ANNA), ANNA)

    def colleague_reschedules(world: World) -> None:
        world.tasks[task.id] = replace(task, version=task.version + 1)

    sales.world.before_apply = colleague_reschedules
    async with sales.uow() as uow:
        with pytest.raises(StaleActionError):
            await tasks.complete_task(uow, ANNA, task.id, NOON)
    assert sales.world.tasks[task.id].status is TaskStatus.OPEN
    assert sales.world.commits == 0
