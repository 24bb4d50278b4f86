"""/report (a period's sales) and /funnel (a pipeline stage by stage, with a picture)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from bot.domain.access import is_manager
from bot.domain.analytics import EVERY_DEAL, Cut
from bot.domain.errors import StaleButtonError
from bot.domain.ids import PipelineId, UserId
from bot.domain.models import Channel
from bot.domain.periods import RangeError, ReportPeriod
from bot.reports.charts import render
from bot.reports.funnel_chart import funnel_png
from bot.services import reports
from bot.services.calendar import team_calendar
from bot.services.reports import SalesReport
from handlers.context import Ctx
from handlers.filters import IsStaff, TypedText
from handlers.reports.callbacks import (
    NONE,
    PICKED,
    CutKind,
    FunnelCb,
    FunnelOpenCb,
    PeriodChoice,
    ReportCb,
)
from handlers.reports.views import (
    Fmt,
    funnel_bars,
    funnel_keyboard,
    funnel_text,
    picker_keyboard,
    pipelines_keyboard,
    report_keyboard,
    sales_text,
)
from handlers.screens import ask, message_of
from handlers.texts import clip


class ReportRange(StatesGroup):
    text = State()


async def cmd_report(message: Message, ctx: Ctx) -> None:
    window = reports.window_of(ReportPeriod.MONTH, ctx.now, ctx.tz)
    report = await _sales(ctx, window)
    await _send_sales(message, ctx, report, PeriodChoice.MONTH)


async def on_custom_period(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    """Dates to type: the range of the report."""
    reports.scoped(ctx.staff)
    await ask(query, state, ReportRange.text, ctx.t("rep.range.ask"))


async def on_report_period(
    query: CallbackQuery, ctx: Ctx, callback_data: ReportCb, state: FSMContext
) -> None:
    await state.clear()  # a period button ends a wait for typed dates
    window = reports.window_of(ReportPeriod(callback_data.period.value), ctx.now, ctx.tz)
    report = await _sales(ctx, window)
    await query.answer()
    await _send_sales(message_of(query), ctx, report, callback_data.period)


async def on_range(message: Message, ctx: Ctx, state: FSMContext) -> None:
    try:
        window = reports.typed_window(message.text or "", ctx.now, ctx.tz)
    except RangeError as error:
        await message.answer(ctx.t(f"rep.range.{error.reason}"))
        return
    await state.clear()
    report = await _sales(ctx, window)
    await _send_sales(message, ctx, report, None)


async def _sales(ctx: Ctx, window: reports.Window) -> SalesReport:
    work = await team_calendar(ctx.uow, ctx.company, window.first)
    return await reports.sales_report(
        ctx.uow,
        ctx.staff,
        window,
        tz=ctx.tz,
        weekdays=work.weekdays,
        holidays=work.holidays,
        workdays=work.workdays,
    )


async def _send_sales(
    message: Message, ctx: Ctx, report: SalesReport, chosen: PeriodChoice | None
) -> None:
    await message.answer(
        sales_text(Fmt(ctx.t, ctx.company.currency), report),
        reply_markup=report_keyboard(ctx.t, chosen),
    )


async def cmd_funnel(message: Message, ctx: Ctx, bot: Bot) -> None:
    pipelines = await reports.funnel_choices(ctx.uow, ctx.staff)
    if not pipelines:
        await message.answer(ctx.t("fun.no_pipelines"))
    elif len(pipelines) == 1:
        await _send_funnel(message, ctx, bot, FunnelCb(pipeline_id=pipelines[0].id))
    else:
        await message.answer(ctx.t("fun.pick"), reply_markup=pipelines_keyboard(ctx.t, pipelines))


async def on_funnel_open(
    query: CallbackQuery, ctx: Ctx, callback_data: FunnelOpenCb, bot: Bot
) -> None:
    """A pipeline picked from the list: its funnel as a new message (the list stays)."""
    await query.answer()
    cb = FunnelCb(pipeline_id=callback_data.pipeline_id)
    await _send_funnel(message_of(query), ctx, bot, cb)


async def on_funnel_pick(query: CallbackQuery, ctx: Ctx, callback_data: FunnelCb) -> None:
    """A cut by seller, channel, product or region: its values in place of the buttons."""
    options = await _options(callback_data.cut, ctx)
    what = ctx.t(f"fun.cut.{callback_data.cut.value}")
    if not options:
        await query.answer(ctx.t("fun.no_values", what=what), show_alert=True)
        return
    await query.answer()
    await message_of(query).edit_caption(
        caption=ctx.t("fun.pick_value", what=what),
        reply_markup=picker_keyboard(ctx.t, callback_data, options),
    )


async def on_funnel(query: CallbackQuery, ctx: Ctx, callback_data: FunnelCb, bot: Bot) -> None:
    """Another period, cut or pipeline: the same message shows it, picture and text."""
    caption, markup, png = await _funnel(ctx, bot, callback_data, message_of(query).chat.id)
    await query.answer()
    await message_of(query).edit_media(
        InputMediaPhoto(media=BufferedInputFile(png, "funnel.png"), caption=caption),
        reply_markup=markup,
    )


async def _options(kind: CutKind, ctx: Ctx) -> list[tuple[int, str]]:
    if kind is CutKind.CHANNEL:
        reports.scoped(ctx.staff)
        return [(i, ctx.t(f"channel.{c.value}")) for i, c in enumerate(Channel)]
    return await reports.cut_options(ctx.uow, ctx.staff, kind.value)


async def _cut(cb: FunnelCb, ctx: Ctx) -> tuple[Cut, str]:
    """The cut a button names, and how the report says it; a forged value is refused."""
    kind = cb.cut
    if kind is CutKind.ALL:
        return EVERY_DEAL, ctx.t("fun.cut_line", what=ctx.t("fun.cut.all"))
    if kind in (CutKind.NEW, CutKind.CURRENT):
        return Cut(is_new_client=kind is CutKind.NEW), ctx.t(
            "fun.cut_line", what=ctx.t(f"fun.cut.{kind}")
        )
    options = dict(await _options(kind, ctx))
    if cb.value not in options:
        raise StaleButtonError()
    label = ctx.t(
        "fun.cut_value", what=ctx.t(f"fun.cut.{kind.value}"), value=clip(options[cb.value], 40)
    )
    if kind is CutKind.SELLER:
        return Cut(owner_id=UserId(cb.value)), label
    if kind is CutKind.CHANNEL:
        return Cut(channel=list(Channel)[cb.value].value), label
    if kind is CutKind.PRODUCT:
        return Cut(product=options[cb.value]), label
    return Cut(region=options[cb.value]), label


async def _funnel(
    ctx: Ctx, bot: Bot, cb: FunnelCb, chat_id: int
) -> tuple[str, InlineKeyboardMarkup, bytes]:
    """The funnel's caption, buttons and picture for a press or the command."""
    cut, label = await _cut(cb, ctx)
    window = reports.window_of(cb.period, ctx.now, ctx.tz)
    report = await reports.funnel_report(
        ctx.uow, ctx.staff, PipelineId(cb.pipeline_id), window, ctx.now, cut
    )
    pipelines = await reports.funnel_choices(ctx.uow, ctx.staff)
    await bot.send_chat_action(chat_id, "upload_photo")
    png = await render(
        funnel_png,
        funnel_bars(report),
        title=ctx.t("fun.chart_title", name=clip(report.pipeline.name, 40)),
        won_label=ctx.t("fun.chart_won"),
        won=report.won,
        no_data=ctx.t("fun.no_deals"),
        lang=ctx.t.lang,
    )
    return (
        funnel_text(Fmt(ctx.t, ctx.company.currency), report, label),
        funnel_keyboard(ctx.t, cb, pipelines, is_manager(ctx.staff)),
        png,
    )


async def _send_funnel(message: Message, ctx: Ctx, bot: Bot, cb: FunnelCb) -> None:
    """The funnel as one message: its picture, the figures as the caption, the buttons."""
    caption, markup, png = await _funnel(ctx, bot, cb, message.chat.id)
    await message.answer_photo(
        BufferedInputFile(png, "funnel.png"), caption=caption, reply_markup=markup
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="reports")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("report"))(cmd_report)
    router.message(Command("funnel"))(cmd_funnel)
    router.message(ReportRange.text, TypedText())(on_range)
    custom = F.period == PeriodChoice.CUSTOM
    router.callback_query(ReportCb.filter(custom))(on_custom_period)
    router.callback_query(ReportCb.filter(~custom))(on_report_period)
    pick = F.cut.in_(PICKED) & (F.value == NONE)
    router.callback_query(FunnelCb.filter(pick))(on_funnel_pick)
    router.callback_query(FunnelCb.filter(~pick))(on_funnel)
    router.callback_query(FunnelOpenCb.filter())(on_funnel_open)
    return router
