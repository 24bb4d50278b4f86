"""Callback data and steps of a deal's client and contact person, and of what a seller
brings into a deal (a forward, a contact card, a file): ids only, well under 64 bytes."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup

from handlers.cbtypes import CbId


class Person(enum.StrEnum):
    CLIENT = "c"
    CONTACT = "p"


class DealPeopleCb(CallbackData, prefix="dp"):
    """✏️ → the client or the contact person of the deal as the card showed it."""

    deal_id: CbId
    version: CbId
    who: Person


class ClientPickCb(CallbackData, prefix="dcp"):
    """Relink to an existing client, or (0) rename the client to the name typed."""

    deal_id: CbId
    version: CbId
    client_id: CbId


class ContactPickCb(CallbackData, prefix="dcc"):
    """One of the client's persons for the deal, or (0) nobody in particular."""

    deal_id: CbId
    version: CbId
    contact_id: CbId


class InboxCb(CallbackData, prefix="ib"):
    """Where a forward, a contact card or a file (`item`: its message id) goes: a deal, or
    (0) a new deal with its author."""

    item: CbId
    deal_id: CbId


class InboxClientCb(CallbackData, prefix="ic"):
    """The new deal's client: one the person already belongs to, or (0) a new one."""

    item: CbId
    client_id: CbId


class AttachCb(CallbackData, prefix="da"):
    """The card's 📎: the next files go to this deal."""

    deal_id: CbId


class FileCb(CallbackData, prefix="fl"):
    """Send a file of the deal's history again."""

    deal_id: CbId
    event_id: CbId


class EditPeople(StatesGroup):
    client = State()  # data: deal_id, version; then name (typed, offered to rename)
    contact = State()  # data: deal_id, version


class AttachFiles(StatesGroup):
    file = State()  # data: deal_id
