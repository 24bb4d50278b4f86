"""Conversation states of the plan screens."""

from aiogram.fsm.state import State, StatesGroup


class PlanEdit(StatesGroup):
    revenue = State()
    extras = State()  # revenue saved; the optional counts are offered by buttons
    count = State()


class PlanImport(StatesGroup):
    file = State()
