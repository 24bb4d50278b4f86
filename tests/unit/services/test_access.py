"""Who may touch a deal or a task: checked in the services, so every entry point has it."""

from __future__ import annotations

import pytest

from bot.domain.errors import AccessDeniedError
from bot.domain.models import DealStatus
from bot.services import deals, tasks
from tests.fakes.sales import ADMIN, ANNA, BORIS, HEAD, MEETING, NOON, VERA, team


async def test_a_seller_cannot_open_a_colleagues_deal() -> None:
    sales = team()
    boris_deal = sales.deal(BORIS)
    async with sales.uow() as uow:
        with pytest.raises(AccessDeniedError):
            await deals.open_deal(uow, ANNA, boris_deal.id, NOON)


async def test_a_seller_cannot_move_win_lose_or_note_a_colleagues_deal() -> None:
    sales = team()
    boris_deal = sales.deal(BORIS)
    attempts = [
        lambda uow: deals.move_deal(uow, ANNA, boris_deal.id, MEETING, NOON),
        lambda uow: deals.win_deal(uow, ANNA, boris_deal.id, NOON),
        lambda uow: deals.lose_deal(uow, ANNA, boris_deal.id, NOON, reason_text="price"),
        lambda uow: deals.add_note(uow, ANNA, boris_deal.id, "mine now", NOON),
        lambda uow: deals.deal_history(uow, ANNA, boris_deal.id, NOON),
    ]
    for attempt in attempts:
        async with sales.uow() as uow:
            with pytest.raises(AccessDeniedError):
                await attempt(uow)
    assert sales.world.deals[boris_deal.id] == boris_deal
    assert sales.world.events == [] and sales.world.commits == 0


async def test_a_seller_moves_their_own_deal() -> None:
    sales = team()
    anna_deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        view, moved = await deals.move_deal(uow, ANNA, anna_deal.id, MEETING, NOON)
    assert moved and view.stage.id == MEETING
    assert sales.world.deals[anna_deal.id].stage_id == MEETING


async def test_a_head_who_leads_a_team_reaches_only_its_members_deals() -> None:
    sales = team()
    anna_deal, boris_deal = sales.deal(ANNA), sales.deal(BORIS)
    async with sales.uow() as uow:
        assert (await deals.open_deal(uow, HEAD, anna_deal.id, NOON)).deal.id == anna_deal.id
        with pytest.raises(AccessDeniedError):
            await deals.open_deal(uow, HEAD, boris_deal.id, NOON)


async def test_an_admin_reaches_every_deal() -> None:
    sales = team()
    boris_deal = sales.deal(BORIS)
    async with sales.uow() as uow:
        view = await deals.win_deal(uow, ADMIN, boris_deal.id, NOON)
    assert view.deal.status is DealStatus.WON


async def test_a_seller_lists_only_their_own_deals_even_when_asking_for_a_colleagues() -> None:
    sales = team()
    mine, _theirs = sales.deal(ANNA), sales.deal(BORIS)
    async with sales.uow() as uow:
        page = await deals.list_deals(uow, ANNA, NOON, owner_id=BORIS.id)
    assert [v.deal.id for v in page.items] == [mine.id]


async def test_a_head_lists_their_teams_deals_only() -> None:
    sales = team()
    anna_deal, vera_deal, _boris_deal = sales.deal(ANNA), sales.deal(VERA), sales.deal(BORIS)
    async with sales.uow() as uow:
        page = await deals.list_deals(uow, HEAD, NOON)
    assert {v.deal.id for v in page.items} == {anna_deal.id, vera_deal.id}


async def test_a_seller_cannot_close_or_move_a_task_on_a_colleagues_deal() -> None:
    sales = team()
    task = sales.task(sales.deal(BORIS), BORIS)
    async with sales.uow() as uow:
        with pytest.raises(AccessDeniedError):
            await tasks.complete_task(uow, ANNA, task.id, NOON)
        with pytest.raises(AccessDeniedError):
            await tasks.reschedule_task(uow, ANNA, task.id, NOON, NOON)
        with pytest.raises(AccessDeniedError):
            await tasks.create_task(
                uow, ANNA, text="Call", due_at=NOON, now=NOON, deal_id=task.deal_id
            )
    assert sales.world.tasks == {task.id: task}


async def test_a_task_on_a_deal_goes_to_the_deals_owner() -> None:
    sales = team()
    anna_deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        task = await tasks.create_task(
            uow, HEAD, text="Send the offer", due_at=NOON, now=NOON, deal_id=anna_deal.id
        )
    assert task.assignee_id == ANNA.id and task.created_by == HEAD.id
