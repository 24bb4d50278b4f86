"""A deal's client and contact person: rename or relink the client, choose or add the person
(typed, or a shared Telegram contact card), and find the client a person already belongs to.

Each change is one history row (field, before → after) under the rules of any edit from the
card: an open deal of the actor's, as seen at the version the screen showed."""

from __future__ import annotations

from datetime import datetime

from bot.domain.access import is_staff
from bot.domain.contacts import (
    ClientNotFoundError,
    Contact,
    ContactInput,
    ContactNotFoundError,
    same_person,
)
from bot.domain.deals import DealEvent, EventKind
from bot.domain.errors import (
    AccessDeniedError,
    DealClosedError,
    DealNotFoundError,
    PipelineNotFoundError,
    StaleActionError,
)
from bot.domain.ids import ClientId, DealId
from bot.domain.models import Client, Deal, NewDealInput, User
from bot.domain.text import CLIENT_NAME_MAX, clean_text
from bot.services import deals
from bot.services.contacts_ports import ContactStore
from bot.services.deals import DealView
from bot.services.scope import may_touch_deal

CLIENT = "client"  # the history's field names of the two
CONTACT = "contact"
SHOWN = 5  # clients or contacts offered at once


async def _editable(uow: ContactStore, actor: User, deal_id: DealId, version: int | None) -> Deal:
    """An open deal of the actor's, still at `version` (None: as it is now)."""
    deal = await uow.deals.get(deal_id)
    if deal is None:
        raise DealNotFoundError()
    if not await may_touch_deal(uow, actor, deal):
        raise AccessDeniedError()
    if not deal.is_open:
        raise DealClosedError(status=deal.status.value)
    if version is not None and deal.version != version:
        raise StaleActionError()
    return deal


async def _link(
    uow: ContactStore,
    actor: User,
    deal: Deal,
    client_id: ClientId | None,
    contact_id: int | None,
    event: tuple[str, str | None, str | None],
    now: datetime,
) -> DealView:
    if not await uow.contacts.link_deal(deal.id, deal.version, client_id, contact_id):
        await uow.rollback()
        raise StaleActionError()
    field, before, after = event
    await uow.events.add(
        DealEvent(deal.id, EventKind.EDIT, actor.id, now, field=field, before=before, after=after)
    )
    await uow.commit()
    return await deals.open_deal(uow, actor, deal.id, now)


def _client_id(deal: Deal) -> ClientId | None:
    return deal.client.id if deal.client else None


async def other_clients(
    uow: ContactStore, actor: User, deal_id: DealId, text: str, version: int
) -> tuple[str, list[Client]]:
    """The name typed for the deal's client, and the other clients it may mean."""
    deal = await _editable(uow, actor, deal_id, version)
    name = clean_text(text, CLIENT_NAME_MAX)
    found = await uow.clients.find(name, limit=SHOWN + 1)
    return name, [c for c in found if c.id != _client_id(deal)][:SHOWN]


async def rename_client(
    uow: ContactStore, actor: User, deal_id: DealId, name: str, version: int, now: datetime
) -> tuple[DealView, bool]:
    """Give the deal's client a new name (every deal of the client shows it); False when
    it had that name already."""
    deal = await _editable(uow, actor, deal_id, version)
    if deal.client is None:
        raise ClientNotFoundError()
    name = clean_text(name, CLIENT_NAME_MAX)
    if name == deal.client.company:
        return await deals.open_deal(uow, actor, deal.id, now), False
    await uow.contacts.rename_client(deal.client.id, name)
    contact_id = deal.contact.id if deal.contact else None
    view = await _link(
        uow, actor, deal, deal.client.id, contact_id, (CLIENT, deal.client.company, name), now
    )
    return view, True


async def relink_client(
    uow: ContactStore,
    actor: User,
    deal_id: DealId,
    client_id: ClientId,
    version: int,
    now: datetime,
) -> tuple[DealView, bool]:
    """Make the deal with another existing client; its contact person, the old client's,
    is left off (False: it was this client's already)."""
    deal = await _editable(uow, actor, deal_id, version)
    client = await uow.clients.get(client_id)
    if client is None:
        raise ClientNotFoundError()
    if client.id == _client_id(deal):
        return await deals.open_deal(uow, actor, deal.id, now), False
    before = deal.client.company if deal.client else None
    view = await _link(uow, actor, deal, client.id, None, (CLIENT, before, client.company), now)
    return view, True


async def deal_contacts(
    uow: ContactStore, actor: User, deal_id: DealId, version: int, now: datetime
) -> tuple[DealView, list[Contact]]:
    """The deal and its client's contact persons to choose from."""
    deal = await _editable(uow, actor, deal_id, version)
    people = await uow.contacts.for_client(deal.client.id) if deal.client else []
    return await deals.open_deal(uow, actor, deal.id, now), people


async def choose_contact(
    uow: ContactStore,
    actor: User,
    deal_id: DealId,
    contact_id: int | None,
    version: int,
    now: datetime,
) -> tuple[DealView, bool]:
    """Make the deal with one of its client's persons (None: with nobody in particular)."""
    deal = await _editable(uow, actor, deal_id, version)
    contact = await uow.contacts.get(contact_id) if contact_id is not None else None
    if contact_id is not None and (contact is None or contact.client_id != _client_id(deal)):
        raise ContactNotFoundError()
    return await _set_contact(uow, actor, deal, contact, now)


async def _set_contact(
    uow: ContactStore, actor: User, deal: Deal, contact: Contact | None, now: datetime
) -> tuple[DealView, bool]:
    old = deal.contact
    if (old.id if old else None) == (contact.id if contact else None):
        return await deals.open_deal(uow, actor, deal.id, now), False
    change = (CONTACT, old.label if old else None, contact.label if contact else None)
    view = await _link(
        uow, actor, deal, _client_id(deal), contact.id if contact else None, change, now
    )
    return view, True


async def add_contact(
    uow: ContactStore,
    actor: User,
    deal_id: DealId,
    who: ContactInput,
    version: int | None,
    now: datetime,
) -> tuple[DealView, bool]:
    """Make the deal with this person, a contact of its client: the one the client has
    already (same account, username, phone or name), or a new one."""
    deal = await _editable(uow, actor, deal_id, version)
    if deal.client is None:
        raise ClientNotFoundError()
    contact = await _person_of(uow, actor, deal.client.id, who, now)
    return await _set_contact(uow, actor, deal, contact, now)


async def _person_of(
    uow: ContactStore, actor: User, client_id: ClientId, who: ContactInput, now: datetime
) -> Contact:
    known = await uow.contacts.for_client(client_id)
    same = next((c for c in known if same_person(c, who)), None)
    return same or await uow.contacts.add(client_id, who, actor.id, now)


async def clients_of_person(uow: ContactStore, actor: User, who: ContactInput) -> list[Client]:
    """Clients this person already is a contact of, then clients named as the person is:
    a deal for them goes to one of these rather than to a second client of the same name."""
    if not is_staff(actor):
        raise AccessDeniedError()
    found: dict[ClientId, Client] = {}
    for contact in await uow.contacts.matching(who, limit=SHOWN):
        client = await uow.clients.get(contact.client_id)
        if client is not None:
            found.setdefault(client.id, client)
    if who.name:
        for client in await uow.clients.find(clean_text(who.name, CLIENT_NAME_MAX), SHOWN):
            found.setdefault(client.id, client)
    return list(found.values())[:SHOWN]


async def new_deal_for(
    uow: ContactStore,
    actor: User,
    who: ContactInput,
    client_id: ClientId | None,
    now: datetime,
) -> DealView:
    """A deal with this person, for an existing client of theirs or a new client named after
    them, in the seller's usual pipeline; the person is the deal's contact."""
    _, preferred = await deals.pipelines_for(uow, actor)
    if preferred is None:
        raise PipelineNotFoundError()
    data = NewDealInput(preferred, client_name=who.name, client_id=client_id)
    view = await deals.create_deal(uow, actor, data, now)
    added, _ = await add_contact(uow, actor, view.deal.id, who, view.deal.version, now)
    return added
