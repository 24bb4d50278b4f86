"""Plans from a CSV file: after "Import CSV", or any time as a file captioned /plan."""

from __future__ import annotations

from io import BytesIO
from pathlib import PurePath

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.plan_csv import MAX_CSV_BYTES, CsvProblem, PlanCsvError
from bot.domain.plans import month_from_index
from bot.services import plans
from handlers.context import Ctx
from handlers.plans.callbacks import PlanCb
from handlers.plans.screen import show_month, this_month
from handlers.plans.states import PlanImport
from handlers.plans.views import import_failed_text, import_prompt, imported_text
from handlers.screens import message_of

# Sent as is, these are zip or binary files: ask for a CSV instead of reading garbage.
SPREADSHEETS = frozenset({".xlsx", ".xls", ".ods", ".numbers"})


async def on_import(
    query: CallbackQuery, ctx: Ctx, callback_data: PlanCb, state: FSMContext
) -> None:
    month = month_from_index(callback_data.month)
    await plans.month_plans(
        ctx.uow, ctx.staff, month, this_month(ctx.now, ctx.tz)
    )  # may this head, this month?
    await state.set_state(PlanImport.file)
    await state.set_data({"month": callback_data.month})
    await query.answer()
    await message_of(query).answer(import_prompt(ctx.t, month))


async def on_document(message: Message, ctx: Ctx, bot: Bot, state: FSMContext) -> None:
    """A CSV sent in the import step, or anywhere with the caption /plan."""
    current = this_month(ctx.now, ctx.tz)
    in_step = await state.get_state() == PlanImport.file.state
    chosen = (await state.get_data()).get("month") if in_step else None
    month = month_from_index(int(chosen)) if chosen is not None else current
    data = await _download(message, ctx, bot)
    if data is None:
        return
    try:
        result = await plans.import_plans(ctx.uow, ctx.staff, data, month, current, ctx.now)
    except PlanCsvError as error:
        await message.answer(import_failed_text(ctx.t, error))
        return
    await state.clear()
    await message.answer(imported_text(ctx.t, result))
    await show_month(message, ctx, month, current)


async def _download(message: Message, ctx: Ctx, bot: Bot) -> bytes | None:
    """The file's bytes, or None after telling why a file this big or of this kind is refused."""
    document = message.document
    assert document is not None
    problem: CsvProblem | None = None
    if PurePath(document.file_name or "").suffix.lower() in SPREADSHEETS:
        problem = CsvProblem(0, "not_csv")
    elif document.file_size is not None and document.file_size > MAX_CSV_BYTES:
        problem = CsvProblem(0, "too_big", str(MAX_CSV_BYTES // 1024))
    if problem is not None:
        await message.answer(import_failed_text(ctx.t, PlanCsvError([problem])))
        return None
    buffer = BytesIO()
    await bot.download(document, destination=buffer)
    return buffer.getvalue()


async def on_import_text(message: Message, ctx: Ctx) -> None:
    await message.answer(ctx.t("plan.import_send_file"))
