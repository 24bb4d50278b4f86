"""The team's side of NPS: a link for the client, recovery tasks, and the /nps report."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.domain.ids import DealId
from bot.domain.models import DealStatus
from bot.domain.nps import NpsGroup, Period, round_score
from bot.i18n import Translator
from bot.reports.charts import nps_by_month_png, render
from bot.services import deals, surveys
from bot.services.nps import NpsReport, nps_report
from handlers.context import Ctx
from handlers.deals.views import short
from handlers.filters import IsStaff
from handlers.keyboards import rows_of
from handlers.screens import message_of
from handlers.surveys.callbacks import AskFeedbackCb, NpsPeriodCb, RecoveryCb
from handlers.tasks.views import fmt_due
from handlers.texts import escaped, fit

RECOVERY_AT = time(10, 0)


async def on_ask_feedback(
    query: CallbackQuery, ctx: Ctx, callback_data: AskFeedbackCb, bot: Bot
) -> None:
    link = await surveys.ask_feedback(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    me = await bot.me()
    url = f"https://t.me/{me.username}?start={link.survey.token}"
    await query.answer()
    company = html.escape(link.client.company)
    message = message_of(query)
    await message.answer(ctx.t("feedback.link", company=company, link=html.escape(url)))
    await message.answer(ctx.t("feedback.forward", link=html.escape(url)))


async def cmd_survey(message: Message, ctx: Ctx) -> None:
    page = await deals.list_deals(ctx.uow, ctx.staff, ctx.now, status=DealStatus.WON)
    if not page.items:
        await message.answer(ctx.t("feedback.no_won"))
        return
    buttons = [
        InlineKeyboardButton(
            text=short("⭐ " + item.deal.title),
            callback_data=AskFeedbackCb(deal_id=item.deal.id).pack(),
        )
        for item in page.items
    ]
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    await message.answer(ctx.t("feedback.pick"), reply_markup=markup)


async def on_recovery(query: CallbackQuery, ctx: Ctx, callback_data: RecoveryCb) -> None:
    due = datetime.combine(
        ctx.now.astimezone(ctx.tz).date() + timedelta(days=1), RECOVERY_AT, tzinfo=ctx.tz
    )
    text = ctx.t("nps.recovery_text")
    task, created = await surveys.recovery_task(
        ctx.uow, ctx.staff, callback_data.survey_id, text, due, ctx.now
    )
    key = "nps.recovery_created" if created else "nps.recovery_exists"
    await query.answer(
        ctx.t(key, due=fmt_due(ctx.t, task.due_at, ctx.now, ctx.tz)), show_alert=not created
    )


async def cmd_nps(message: Message, ctx: Ctx, bot: Bot) -> None:
    await _send_report(message, ctx, bot, Period.MONTH)


async def on_period(query: CallbackQuery, ctx: Ctx, callback_data: NpsPeriodCb, bot: Bot) -> None:
    await query.answer()
    await _send_report(message_of(query), ctx, bot, callback_data.period)


async def _send_report(message: Message, ctx: Ctx, bot: Bot, period: Period) -> None:
    report = await nps_report(ctx.uow, ctx.staff, period, ctx.now, ctx.tz)
    periods = [
        InlineKeyboardButton(
            text=("✓ " if option is period else "") + ctx.t(f"nps.period.{option.value}"),
            callback_data=NpsPeriodCb(period=option).pack(),
        )
        for option in Period
    ]
    markup = InlineKeyboardMarkup(inline_keyboard=[periods])
    await message.answer(report_text(ctx.t, report, ctx.tz), reply_markup=markup)
    await bot.send_chat_action(message.chat.id, "upload_photo")
    png = await render(
        nps_by_month_png,
        report.months,
        title=ctx.t("nps.chart.title"),
        month_names=ctx.t("nps.chart.months").split(),
        no_data=ctx.t("nps.chart.no_data"),
        y_label="NPS",
        lang=ctx.t.lang,
    )
    await message.answer_photo(BufferedInputFile(png, "nps-by-month.png"))


def _score(t: Translator, value: float | None) -> str:
    if value is None:
        return t("nps.no_data")
    rounded = round_score(value)  # the same whole number the chart shows
    return f"{rounded:+d}" if rounded else "0"


def report_text(t: Translator, report: NpsReport, tz: ZoneInfo) -> str:
    s = report.summary
    first = report.start.astimezone(tz).strftime("%d.%m.%Y")
    last = (report.end - timedelta(seconds=1)).astimezone(tz).strftime("%d.%m.%Y")
    title = "nps.title_team" if report.whole_team else "nps.title_mine"
    lines = [t(title, start=first, end=last), t("nps.index", score=_score(t, s.score))]
    if s.total:
        for group in NpsGroup:
            share = s.share(group) or 0.0
            lines.append(t(f"nps.group.{group.value}", count=s.count(group), share=f"{share:.0f}"))
    rate = report.response_rate
    lines.append(
        t(
            "nps.answers",
            answers=report.answered_of_sent,
            sent=report.sent,
            rate="—" if rate is None else f"{rate:.0f}%",
        )
    )
    for key, rows in (("nps.by_seller", report.by_seller), ("nps.by_pipeline", report.by_pipeline)):
        if rows and report.whole_team:
            lines.append(f"\n<b>{t(key)}</b>")
            lines += [
                f"• {html.escape(r.name)}: {_score(t, r.summary.score)} (n={r.summary.total})"
                for r in rows
            ]
    if report.comments:
        lines.append(f"\n<b>{t('nps.comments')}</b>")
        lines += [f"• {c.score}: {escaped(c.comment or '', 300)}" for c in report.comments]
    return fit(t, lines)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="survey_team")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query(AskFeedbackCb.filter())(on_ask_feedback)
    router.callback_query(RecoveryCb.filter())(on_recovery)
    router.callback_query(NpsPeriodCb.filter())(on_period)
    router.message(Command("survey"))(cmd_survey)
    router.message(Command("nps"))(cmd_nps)
    return router
