"""The editor's typed step: which field a typed text changes, and on what."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from handlers import screens
from handlers.pipelines.states import Field, PipelineEdit


async def ask(
    query: CallbackQuery, state: FSMContext, field: Field, target: int, text: str
) -> None:
    await screens.ask(query, state, PipelineEdit.text, text, field=field.value, target=target)
