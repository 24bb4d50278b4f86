"""What a stage change, a handoff or a task leaves for the sender: the outbox and reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.deals import EventKind
from bot.domain.models import DealStatus
from bot.domain.tasks import TaskStatus
from bot.services import deals, handoff, tasks
from tests.fakes.sales import (
    ADMIN,
    ANNA,
    CONTRACT,
    HEAD,
    MEETING,
    MOSCOW,
    NOON,
    VERA,
    Notifier,
    team,
)


async def test_moving_a_deal_into_an_owned_stage_offers_it_to_that_stages_owner() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        await deals.move_deal(uow, ANNA, deal.id, CONTRACT, NOON, Notifier())
    assert [(n.user_id, n.kind) for n in sales.world.outbox] == [(VERA.id, "handoff_offered")]
    assert sales.world.deals[deal.id].handoff_to_id == VERA.id
    assert [e.kind for e in sales.world.events] == [EventKind.STAGE]


async def test_moving_a_deal_into_a_stage_without_an_owner_queues_nothing() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        await deals.move_deal(uow, ANNA, deal.id, MEETING, NOON, Notifier())
    assert sales.world.outbox == []


async def test_the_stage_owner_moving_their_own_deal_is_offered_nothing() -> None:
    sales = team()
    deal = sales.deal(VERA)
    async with sales.uow() as uow:
        await deals.move_deal(uow, VERA, deal.id, CONTRACT, NOON, Notifier())
    assert sales.world.outbox == [] and sales.world.deals[deal.id].handoff_to_id is None


async def test_an_offer_made_in_the_quiet_hours_waits_for_the_morning() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    late = datetime(2026, 3, 2, 23, 30, tzinfo=MOSCOW)
    async with sales.uow() as uow:
        await deals.move_deal(uow, ANNA, deal.id, CONTRACT, late, Notifier())
    (offer,) = sales.world.outbox
    assert offer.not_before == datetime(2026, 3, 3, 8, 0, tzinfo=MOSCOW)


async def test_accepting_a_handoff_tells_the_previous_owner_and_heads_not_the_taker() -> None:
    sales = team()
    deal = sales.deal(ANNA, stage=CONTRACT)
    sales.world.deals[deal.id] = deal = replace(deal, handoff_to_id=VERA.id)
    task = sales.task(deal, ANNA)
    async with sales.uow() as uow:
        await handoff.accept_handoff(uow, VERA, deal.id, NOON, Notifier())
    told = {(n.user_id, n.kind) for n in sales.world.outbox}
    assert told == {(u.id, "handoff_accepted") for u in (ANNA, HEAD, ADMIN)}
    assert sales.world.deals[deal.id].owner_id == VERA.id
    assert sales.world.tasks[task.id].assignee_id == VERA.id  # the next step goes with it


async def test_winning_a_deal_cancels_its_open_tasks_so_no_reminder_is_due() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    task = sales.task(deal, ANNA, due_at=NOON + timedelta(days=1))
    async with sales.uow() as uow:
        await deals.win_deal(uow, ANNA, deal.id, NOON)
    left = sales.world.tasks[task.id]
    assert left.status is TaskStatus.CANCELLED and left.remind_at is None
    assert sales.world.deals[deal.id].status is DealStatus.WON
    assert sales.world.outbox == []


async def test_rescheduling_a_task_rearms_its_reminder_at_the_new_time() -> None:
    sales = team()
    task = sales.task(sales.deal(ANNA), ANNA)
    later = NOON + timedelta(days=2)
    async with sales.uow() as uow:
        moved = await tasks.reschedule_task(uow, ANNA, task.id, later, NOON)
    assert moved.due_at == later and moved.remind_at == later


async def test_completing_a_task_clears_its_reminder() -> None:
    sales = team()
    task = sales.task(sales.deal(ANNA), ANNA, due_at=NOON + timedelta(hours=1))
    async with sales.uow() as uow:
        done = await tasks.complete_task(uow, ANNA, task.id, NOON)
    assert done.status is TaskStatus.DONE and done.remind_at is None and done.done_at == NOON
