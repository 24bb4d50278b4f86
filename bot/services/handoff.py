"""The specialised conveyor: a deal offered to a stage's owner is accepted or declined."""

from __future__ import annotations

from datetime import datetime

from bot.domain.access import is_manager
from bot.domain.deals import DealChange, DealEvent, EventKind
from bot.domain.errors import DealNotFoundError, HandoffNotPendingError, StaleActionError
from bot.domain.ids import DealId, UserId
from bot.domain.models import Deal, User
from bot.services.deals_ports import DealStore
from bot.services.notify import enqueue
from bot.services.ports import Notifier


async def _offered_to(uow: DealStore, actor: User, deal_id: DealId) -> Deal:
    deal = await uow.deals.get(deal_id)
    if deal is None:
        raise DealNotFoundError()
    if deal.handoff_to_id is None or deal.handoff_to_id != actor.id or not deal.is_open:
        raise HandoffNotPendingError()
    return deal


async def accept_handoff(
    uow: DealStore, actor: User, deal_id: DealId, now: datetime, notifier: Notifier
) -> Deal:
    """The stage's owner takes the deal and its open tasks; the previous owner and heads learn."""
    deal = await _offered_to(uow, actor, deal_id)
    change = DealChange.of(deal, owner_id=actor.id, handoff_to_id=None)
    await _decide(uow, deal, change, actor, now, notifier, accepted=True)
    await uow.tasks.reassign_open(deal.id, actor.id)
    await uow.commit()
    fresh = await uow.deals.get(deal.id)
    assert fresh is not None
    return fresh


async def decline_handoff(
    uow: DealStore, actor: User, deal_id: DealId, now: datetime, notifier: Notifier
) -> Deal:
    """The deal stays with its owner; they and the heads learn it was declined."""
    deal = await _offered_to(uow, actor, deal_id)
    change = DealChange.of(deal, handoff_to_id=None)
    await _decide(uow, deal, change, actor, now, notifier, accepted=False)
    await uow.commit()
    return deal


async def _decide(
    uow: DealStore,
    deal: Deal,
    change: DealChange,
    actor: User,
    now: datetime,
    notifier: Notifier,
    *,
    accepted: bool,
) -> None:
    if not await uow.deals.apply(change):
        await uow.rollback()
        raise StaleActionError()
    outcome = "accepted" if accepted else "declined"
    await uow.events.add(DealEvent(deal.id, EventKind.HANDOFF, actor.id, now, text=outcome))
    readers = await _readers(uow, deal.owner_id, actor.id)
    notices = [notifier.handoff_decided(deal, reader, actor, accepted) for reader in readers]
    await enqueue(uow, notices, now, notifier.tz, notifier.quiet)


async def _readers(uow: DealStore, previous_owner: UserId, taker: UserId) -> list[User]:
    """The previous owner and every head, once each, never the person who decided."""
    people = {u.id: u for u in await uow.users.managers() if is_manager(u)}
    previous = await uow.users.get(previous_owner)
    if previous is not None:
        people[previous.id] = previous
    people.pop(taker, None)
    return [p for p in people.values() if p.is_active]
