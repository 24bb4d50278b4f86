"""Answering a button press: a screen in place of the pressed message, or a question to type to.

Every press that reaches a feature's handler is on a message the bot can still see:
`get_routers()` puts `Reachable` on those routers, and a press on a deleted message falls
through to the fallback, which calls the button outdated. So the handlers take the pressed
message from `message_of` and never check it themselves.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


def message_of(query: CallbackQuery) -> Message:
    """The message whose button was pressed (`Reachable` let the press through)."""
    assert isinstance(query.message, Message), "Reachable lets only such presses through"
    return query.message


# A screen is a text and its buttons, as the views build them.
Screen = tuple[str, InlineKeyboardMarkup | None]


async def show(
    query: CallbackQuery,
    screen: Screen,
    alert: str | None = None,
    *,
    show_alert: bool | None = None,
) -> None:
    """Answer the press (with a toast or an alert) and edit the pressed message into `screen`."""
    await query.answer(alert, show_alert=show_alert)
    await message_of(query).edit_text(screen[0], reply_markup=screen[1])


async def ask(query: CallbackQuery, state: FSMContext, step: State, text: str, **data: Any) -> None:
    """Wait for a typed answer in `step` (remembering `data`) and ask for it in a new message."""
    await state.set_state(step)
    await state.update_data(**data)
    await query.answer()
    await message_of(query).answer(text)
