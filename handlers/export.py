"""`/export`: the period and the format by buttons, then the file as a document."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.domain.export import ExportFormat, ExportPeriod, Table
from bot.i18n import Translator
from bot.services.export import Export, export_tables
from handlers.context import Ctx
from handlers.filters import IsStaff
from handlers.keyboards import rows_of, settle
from handlers.screens import message_of, show

EXTENSIONS = {ExportFormat.XLSX: "xlsx", ExportFormat.CSV: "zip"}


def render_file(fmt: ExportFormat, tables: Sequence[Table], label: Translator) -> bytes:
    """The file's bytes; run in a worker thread. The writer (openpyxl for XLSX) loads with
    the process's first export, here, so neither the start nor the event loop waits for it."""
    from bot.reports.workbook import csv_zip_bytes, xlsx_bytes

    return (xlsx_bytes if fmt is ExportFormat.XLSX else csv_zip_bytes)(tables, label)


class ExportPeriodCb(CallbackData, prefix="exp"):
    period: ExportPeriod


class ExportFormatCb(CallbackData, prefix="exf"):
    period: ExportPeriod
    fmt: ExportFormat


def periods_keyboard(t: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=t(f"export.period.{period.value}"),
            callback_data=ExportPeriodCb(period=period).pack(),
        )
        for period in ExportPeriod
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 2))


def formats_keyboard(t: Translator, period: ExportPeriod) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            text=t(f"export.format.{fmt.value}"),
            callback_data=ExportFormatCb(period=period, fmt=fmt).pack(),
        )
        for fmt in ExportFormat
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def cmd_export(message: Message, ctx: Ctx) -> None:
    await message.answer(ctx.t("export.pick_period"), reply_markup=periods_keyboard(ctx.t))


async def on_period(query: CallbackQuery, ctx: Ctx, callback_data: ExportPeriodCb) -> None:
    period = ctx.t(f"export.period.{callback_data.period.value}")
    text = ctx.t("export.pick_format", period=period)
    await show(query, (text, formats_keyboard(ctx.t, callback_data.period)))


async def on_format(
    query: CallbackQuery, ctx: Ctx, callback_data: ExportFormatCb, bot: Bot
) -> None:
    await query.answer()
    message = message_of(query)
    await settle(query)
    await bot.send_chat_action(message.chat.id, "upload_document")
    export = await export_tables(ctx.uow, ctx.staff, callback_data.period, ctx.now, ctx.tz)
    # Building a big workbook takes a while: a worker thread keeps other chats answered.
    data = await asyncio.to_thread(render_file, callback_data.fmt, export.tables, ctx.t)
    name = f"{file_stem(export, ctx.now, ctx.tz)}.{EXTENSIONS[callback_data.fmt]}"
    await message.answer_document(
        BufferedInputFile(data, name), caption=caption(ctx.t, export, ctx.tz)
    )
    if export.is_empty:
        await message.answer(ctx.t("export.empty"))


def _days(export: Export, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    start, end = export.bounds
    if start is None or end is None:
        return None
    return start.astimezone(tz), (end - timedelta(seconds=1)).astimezone(tz)


def file_stem(export: Export, now: datetime, tz: ZoneInfo) -> str:
    days = _days(export, tz)
    if days is None:
        return f"export-all-{now.astimezone(tz):%Y-%m-%d}"
    return f"export-{days[0]:%Y-%m-%d}-{days[1]:%Y-%m-%d}"


def caption(t: Translator, export: Export, tz: ZoneInfo) -> str:
    days = _days(export, tz)
    period = (
        t("export.period.all").lower()
        if days is None
        else t("export.range", start=f"{days[0]:%d.%m.%Y}", end=f"{days[1]:%d.%m.%Y}")
    )
    counts = {table.key: len(table.rows) for table in export.tables}
    scope = t("export.scope.team" if export.whole_team else "export.scope.mine")
    return t("export.caption", scope=scope, period=period, **counts)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="export")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("export"))(cmd_export)
    router.callback_query(ExportPeriodCb.filter())(on_period)
    router.callback_query(ExportFormatCb.filter())(on_format)
    return router
