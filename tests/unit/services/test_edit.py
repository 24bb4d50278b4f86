"""Editing a deal's field from its card: who may, on which version, and what the history keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.deal_fields import FIELDS, FieldName
from bot.domain.deals import EventKind
from bot.domain.errors import AccessDeniedError, StaleActionError
from bot.domain.models import Channel
from bot.services import deals
from tests.fakes.sales import ANNA, BORIS, HEAD, NOON, team

AMOUNT = FIELDS[FieldName.AMOUNT]


async def test_a_seller_edits_their_deal_and_the_history_keeps_before_and_after() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        view, changed = await deals.edit_deal(
            uow, ANNA, deal.id, AMOUNT, 15_000_000, deal.version, NOON
        )
    assert changed and view.deal.amount == 15_000_000
    kept = sales.world.deals[deal.id]
    assert kept.amount == 15_000_000 and kept.version == deal.version + 1
    [event] = sales.world.events
    assert event.kind is EventKind.EDIT and event.actor_id == ANNA.id
    assert (event.field, event.before, event.after) == ("amount", "100000", "15000000")
    assert sales.world.commits == 1


async def test_the_same_value_again_writes_nothing() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        _, changed = await deals.edit_deal(uow, ANNA, deal.id, AMOUNT, 100_000, deal.version, NOON)
    assert not changed
    assert sales.world.deals[deal.id] == deal and sales.world.events == []


async def test_a_seller_cannot_edit_a_colleagues_deal() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    async with sales.uow() as uow:
        with pytest.raises(AccessDeniedError):
            await deals.edit_deal(uow, BORIS, deal.id, AMOUNT, 1, deal.version, NOON)
    assert sales.world.deals[deal.id] == deal and sales.world.events == []


async def test_the_head_of_the_sellers_team_may_edit() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    close = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    field = FIELDS[FieldName.CLOSE_DATE]
    async with sales.uow() as uow:
        await deals.edit_deal(uow, HEAD, deal.id, field, close, deal.version, NOON)
    assert sales.world.deals[deal.id].expected_close_at == close


async def test_an_edit_on_an_outdated_card_is_refused_and_keeps_nothing() -> None:
    sales = team()
    deal = sales.deal(ANNA)
    field = FIELDS[FieldName.CHANNEL]
    async with sales.uow() as uow:
        with pytest.raises(StaleActionError):
            await deals.edit_deal(uow, ANNA, deal.id, field, Channel.ADS, deal.version - 1, NOON)
    assert sales.world.deals[deal.id] == deal and sales.world.events == []
