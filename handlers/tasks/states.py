"""Conversation states of the task screens."""

from aiogram.fsm.state import State, StatesGroup


class NewTask(StatesGroup):
    text = State()
    due = State()


class Reschedule(StatesGroup):
    due = State()
