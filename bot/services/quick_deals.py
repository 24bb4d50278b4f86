"""A deal in one message: which client a typed name means, and whether the seller wants the
optional questions (channel, product) at all."""

from __future__ import annotations

from typing import Protocol

from bot.domain.access import is_staff
from bot.domain.deal_line import name_key
from bot.domain.errors import AccessDeniedError
from bot.domain.models import Client, User
from bot.domain.text import CLIENT_NAME_MAX, clean_text

SUGGESTED = 5


class ClientFinder(Protocol):
    async def find(self, text: str, limit: int) -> list[Client]: ...


class Preferences(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str) -> None: ...
    async def delete(self, key: str) -> None: ...


class QuickStore(Protocol):
    @property
    def clients(self) -> ClientFinder: ...
    @property
    def settings(self) -> Preferences: ...

    async def commit(self) -> None: ...


def _staff(actor: User) -> None:
    if not is_staff(actor):
        raise AccessDeniedError()


def _skip_key(actor: User) -> str:
    return f"seller:{actor.id}:skip_deal_details"


async def match_client(
    uow: QuickStore, actor: User, typed: str
) -> tuple[Client | None, list[Client]]:
    """The one client whose name is exactly the typed one (case, `ё` and spaces aside), taken
    without asking; else the similar ones to offer (none: a new client)."""
    _staff(actor)
    name = clean_text(typed, CLIENT_NAME_MAX)
    found = await uow.clients.find(name, limit=SUGGESTED)
    exact = [c for c in found if name_key(c.company) == name_key(name)]
    if len(exact) == 1:
        return exact[0], []
    return None, found


async def asks_details(uow: QuickStore, actor: User) -> bool:
    """Whether a new deal stops for the optional channel and product (the default: it does)."""
    _staff(actor)
    return await uow.settings.get(_skip_key(actor)) is None


async def set_asks_details(uow: QuickStore, actor: User, asks: bool) -> None:
    """The seller's own choice; nobody else's deals change by it."""
    _staff(actor)
    if asks:
        await uow.settings.delete(_skip_key(actor))
    else:
        await uow.settings.put(_skip_key(actor), "1")
    await uow.commit()
