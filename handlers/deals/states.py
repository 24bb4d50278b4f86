"""Conversation states of the deal screens."""

from aiogram.fsm.state import State, StatesGroup


class NewDeal(StatesGroup):
    client = State()
    client_choice = State()
    amount = State()
    details = State()  # the optional step: a channel pressed, a product typed, or create now


class DealInput(StatesGroup):
    note = State()
    lost_reason = State()


class FindDeals(StatesGroup):
    text = State()


class EditDeal(StatesGroup):
    value = State()  # data: deal_id, version, field
