"""What a seller brings into a deal from Telegram: a client's forwarded message (a note with
its author and time) and files (kept by their Telegram id); the deals to offer for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.access import is_staff
from bot.domain.contacts import ContactInput, same_person
from bot.domain.deals import DealEvent, DealQuery, EventKind
from bot.domain.errors import AccessDeniedError, DealNotFoundError, EmptyTextError
from bot.domain.ids import DealId
from bot.domain.inbox import (
    CAPTION_MAX,
    ORIGIN_NAME_MAX,
    Attachment,
    FileInvalidError,
    Forwarded,
    checked,
)
from bot.domain.models import Deal, DealStatus, User
from bot.services import contacts, deals
from bot.services.contacts_ports import ContactStore
from bot.services.deals import DealView
from bot.services.scope import may_touch_deal

OFFERED = 6  # deals offered at once: a phone screen of buttons
FORWARD_MAX = 4096  # a Telegram message's length: a client's words are kept whole


@dataclass(frozen=True, slots=True)
class DealChoice:
    """The deals offered for what the seller brought: the person's own first."""

    matched: list[Deal]
    others: list[Deal]


async def deals_to_offer(uow: ContactStore, actor: User, who: ContactInput | None) -> DealChoice:
    """Open deals with this person's clients (by account, username, phone or name) that the
    actor may touch, then the actor's own latest open deals."""
    if not is_staff(actor):
        raise AccessDeniedError()
    matched: list[Deal] = []
    if who is not None:
        clients = await contacts.clients_of_person(uow, actor, who)
        ids = await uow.contacts.open_deals_of([c.id for c in clients], None, OFFERED * 2)
        for deal_id in ids:
            deal = await uow.deals.get(deal_id)
            if deal is not None and await may_touch_deal(uow, actor, deal):
                matched.append(deal)
    matched = matched[:OFFERED]
    query = DealQuery(
        owner_id=actor.id, status=DealStatus.OPEN, newest_first=True, limit=OFFERED * 2
    )
    own, _ = await uow.deals.page(query)
    seen = {d.id for d in matched}
    others = [d for d in own if d.id not in seen][: max(0, OFFERED - len(matched))]
    return DealChoice(matched, others)


async def _deal_of(uow: ContactStore, actor: User, deal_id: DealId) -> Deal:
    deal = await uow.deals.get(deal_id)
    if deal is None:
        raise DealNotFoundError()
    if not await may_touch_deal(uow, actor, deal):
        raise AccessDeniedError()
    return deal


def _kept_text(text: str | None, limit: int) -> str | None:
    """The text as written, lines and all (trimmed), or None when there is none."""
    kept = "\n".join(line.rstrip() for line in (text or "").strip().splitlines())
    return kept[:limit] if kept else None


async def add_forward(
    uow: ContactStore,
    actor: User,
    deal_id: DealId,
    forwarded: Forwarded,
    now: datetime,
    attachment: Attachment | None = None,
) -> DealView:
    """The client's words in the deal's history as a note by its author at its time; the
    author becomes a contact of the deal's client when they are not one yet."""
    deal = await _deal_of(uow, actor, deal_id)
    text = _kept_text(forwarded.text, FORWARD_MAX)
    if text is None and attachment is None:
        raise EmptyTextError()
    kind = EventKind.NOTE if attachment is None else EventKind.FILE
    event = DealEvent(
        deal.id,
        kind,
        actor.id,
        now,
        text=text,
        origin_name=forwarded.who.name[:ORIGIN_NAME_MAX],
        origin_at=forwarded.at,
        attachment=checked(attachment) if attachment else None,
    )
    await uow.events.add(event)
    await uow.commit()
    if deal.client is not None and deal.is_open and not forwarded.hidden:
        # Known by account or username, the next forward of theirs finds this deal.
        await _remember(uow, actor, deal, forwarded.who, now)
    return await deals.open_deal(uow, actor, deal.id, now)


async def _remember(
    uow: ContactStore, actor: User, deal: Deal, who: ContactInput, now: datetime
) -> None:
    if deal.contact is None:
        await contacts.add_contact(uow, actor, deal.id, who, deal.version, now)
        return
    assert deal.client is not None
    known = await uow.contacts.for_client(deal.client.id)
    if not any(same_person(c, who) for c in known):
        await uow.contacts.add(deal.client.id, who, actor.id, now)
        await uow.commit()


async def add_file(
    uow: ContactStore,
    actor: User,
    deal_id: DealId,
    attachment: Attachment,
    caption: str | None,
    now: datetime,
) -> DealView:
    """A file in the deal's history, by its Telegram id, with its caption."""
    deal = await _deal_of(uow, actor, deal_id)
    event = DealEvent(
        deal.id,
        EventKind.FILE,
        actor.id,
        now,
        text=_kept_text(caption, CAPTION_MAX),
        attachment=checked(attachment),
    )
    await uow.events.add(event)
    await uow.commit()
    return await deals.open_deal(uow, actor, deal.id, now)


async def deal_file(uow: ContactStore, actor: User, deal_id: DealId, event_id: int) -> DealEvent:
    """A file of the deal's history, to send again; another deal's is refused."""
    await _deal_of(uow, actor, deal_id)
    for event in await uow.events.for_deal(deal_id):
        if event.id == event_id and event.attachment is not None:
            return event
    raise FileInvalidError()
