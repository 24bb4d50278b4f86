"""Answering in the editor: a screen in place of the last one, or a question to type to."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.pipelines.keyboards import Screen
from handlers.pipelines.states import Field, PipelineEdit


async def show(query: CallbackQuery, screen: Screen, alert: str | None = None) -> None:
    await query.answer(alert)
    if isinstance(query.message, Message):
        await query.message.edit_text(screen[0], reply_markup=screen[1])


async def ask(
    query: CallbackQuery, state: FSMContext, field: Field, target: int, text: str
) -> None:
    await state.set_state(PipelineEdit.text)
    await state.update_data(field=field.value, target=target)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text)
