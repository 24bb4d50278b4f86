"""What the contacts room (`contacts.py`, `inbox.py`) needs of storage beyond the deals
room's: the clients' contact persons and a deal's link to its client and person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.contacts import Contact, ContactInput
from bot.domain.ids import ClientId, DealId, UserId
from bot.services.deals_ports import DealStore


class ContactRepo(Protocol):
    async def add(
        self, client_id: ClientId, who: ContactInput, created_by: UserId, now: datetime
    ) -> Contact: ...
    async def get(self, contact_id: int) -> Contact | None: ...
    async def for_client(self, client_id: ClientId) -> list[Contact]: ...
    async def matching(self, who: ContactInput, limit: int) -> list[Contact]: ...
    async def rename_client(self, client_id: ClientId, company: str) -> None: ...
    async def link_deal(
        self,
        deal_id: DealId,
        expected_version: int,
        client_id: ClientId | None,
        contact_id: int | None,
    ) -> bool:
        """Set the deal's client and person if it is still at `expected_version`."""
        ...

    async def open_deals_of(
        self, client_ids: Sequence[ClientId], owner_id: UserId | None, limit: int
    ) -> list[DealId]: ...


class ContactStore(DealStore, Protocol):
    """The deals room's unit of work with the clients' contact persons."""

    @property
    def contacts(self) -> ContactRepo: ...
