"""/abc: the 3×3 ABC-XYZ table of clients, each cell's list with LTV, and lost clients."""

from __future__ import annotations

import html
from fractions import Fraction
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.abc_xyz import SEGMENTS, AbcClass, Segment, XyzClass
from bot.domain.errors import StaleButtonError
from bot.domain.ltv import LifetimeSource
from bot.i18n import Translator
from bot.services.abc import DEFAULT_MONTHS, MONTH_CHOICES, AbcReport, abc_report
from handlers.context import Ctx
from handlers.filters import IsStaff
from handlers.keyboards import rows_of
from handlers.reports.callbacks import AbcCb
from handlers.reports.views import CELL_CODES, NAME_MAX, Fmt
from handlers.screens import message_of
from handlers.texts import clip, fit

CELL_WIDTH = 8


def compact(t: Translator, minor: int) -> str:
    """Revenue short enough for a table column: 350K, 1.2M (whole roubles below a thousand)."""
    whole = minor // 100
    if whole >= 1_000_000:
        text = t("abc.millions", n=f"{whole / 1_000_000:.1f}")
    elif whole >= 1_000:
        text = t("abc.thousands", n=f"{whole // 1_000}")
    else:
        text = str(whole)
    return text if t.lang == "en" else text.replace(".", ",")


def _column(t: Translator, xyz: XyzClass) -> str:
    return t("abc.new_column") if xyz is XyzClass.NEW else xyz.value


def table(t: Translator, report: AbcReport) -> str:
    head = "   " + "".join(_column(t, x).ljust(CELL_WIDTH) for x in XyzClass)
    rows = [head]
    for a in AbcClass:
        cells = [report.matrix.cells[Segment(a, x)] for x in XyzClass]
        rows.append(f"{a.value}  " + "".join(str(c.clients).ljust(CELL_WIDTH) for c in cells))
        rows.append("   " + "".join(compact(t, c.revenue).ljust(CELL_WIDTH) for c in cells))
    return "<pre>" + html.escape("\n".join(rows)) + "</pre>"


def abc_text(f: Fmt, report: AbcReport, tz: ZoneInfo) -> str:
    t = f.t
    title = "abc.title_team" if report.whole_team else "abc.title_mine"
    window = f"{report.first:%d.%m.%Y} — {report.last:%d.%m.%Y}"
    lines = [t(title, window=window, months=report.months)]
    if not report.matrix.segments:
        lines.append(t("abc.no_clients"))
    else:
        months = {"first": f"{report.xyz_first:%m.%Y}", "last": f"{report.xyz_last:%m.%Y}"}
        lines += [t("abc.legend", **months), table(t, report)]
        lines += [f"<b>{t('abc.ltv')}</b>", ltv_basis(t, report)]
        for segment in SEGMENTS:
            cell = report.matrix.cells[segment]
            if cell.clients:
                ltv = f.estimate(report.segment_ltv.get(segment))
                lines.append(t.n("abc.segment_ltv", cell.clients, code=segment.code, ltv=ltv))
    lines.append("")
    if not report.lost:
        lines.append(t("abc.no_lost", days=report.lost_after_days))
    else:
        lines.append(t("abc.lost", days=report.lost_after_days, n=report.lost_total))
        lines += [
            t(
                "abc.lost_row",
                name=html.escape(clip(c.name, NAME_MAX)),
                at=c.last_at.astimezone(tz).strftime("%d.%m.%Y"),
            )
            for c in report.lost
        ]
    return fit(t, lines)


def _months(t: Translator, months: Fraction) -> str:
    text = f"{float(months):.1f}".removesuffix(".0")
    return text if t.lang == "en" else text.replace(".", ",")


def ltv_basis(t: Translator, report: AbcReport) -> str:
    """What LTV is counted on: margin or revenue, and where the client lifetime comes from."""
    if report.margin == 1:
        basis = t("abc.ltv_by_revenue")
    else:
        basis = t("abc.ltv_by_margin", margin=f"{float(report.margin * 100):g}%")
    life = report.lifetime
    months = _months(t, life.months)
    if life.source is LifetimeSource.MEASURED:
        lifetime = t.n("abc.lifetime_measured", life.clients, months=months)
    elif life.source is LifetimeSource.SET:
        lifetime = t("abc.lifetime_set", months=months)
    else:
        lifetime = t("abc.lifetime_default", months=months)
    return t("abc.ltv_basis", basis=basis, lifetime=lifetime)


def abc_keyboard(t: Translator, report: AbcReport) -> InlineKeyboardMarkup:
    cells = [s for s in SEGMENTS if report.matrix.cells[s].clients]
    buttons = [
        InlineKeyboardButton(
            text=f"{segment.code} ({report.matrix.cells[segment].clients})",
            callback_data=AbcCb(months=report.months, cell=segment.code).pack(),
        )
        for segment in cells
    ]
    for months in MONTH_CHOICES:
        mark = "✓ " if months == report.months else ""
        cb = AbcCb(months=months).pack()
        buttons.append(
            InlineKeyboardButton(text=mark + t("abc.months", n=months), callback_data=cb)
        )
    # The layout users have had: three a row for as many rows as the cells take (the first
    # month choices fill the last of them), then the rest of the month choices in a row.
    cell_rows = (len(cells) + 2) // 3
    rows = rows_of(buttons[: 3 * cell_rows], 3) + rows_of(
        buttons[3 * cell_rows :], len(MONTH_CHOICES)
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cell_text(f: Fmt, report: AbcReport, code: str) -> str:
    t = f.t
    segment = Segment(AbcClass(code[0]), XyzClass(code[1]))
    lines = [t("abc.cell_title", code=code), t(f"abc.reading.{segment.reading}")]
    clients = report.clients.get(segment, [])
    if not clients:
        lines.append(t("abc.cell_empty"))
    lines += [
        t.n(
            "abc.client_row",
            c.purchases,
            name=html.escape(clip(c.name, NAME_MAX)),
            revenue=f.money(c.revenue),
            ltv=f.estimate(c.ltv),
        )
        for c in clients
    ]
    return fit(t, lines)


async def cmd_abc(message: Message, ctx: Ctx) -> None:
    report = await abc_report(ctx.uow, ctx.staff, DEFAULT_MONTHS, ctx.now, ctx.company)
    text = abc_text(Fmt(ctx.t, ctx.company.currency), report, ctx.tz)
    await message.answer(text, reply_markup=abc_keyboard(ctx.t, report))


async def on_abc(query: CallbackQuery, ctx: Ctx, callback_data: AbcCb) -> None:
    cell = callback_data.cell
    if callback_data.months not in MONTH_CHOICES or (cell and cell not in CELL_CODES):
        raise StaleButtonError()
    report = await abc_report(ctx.uow, ctx.staff, callback_data.months, ctx.now, ctx.company)
    await query.answer()
    f = Fmt(ctx.t, ctx.company.currency)
    if cell:
        await message_of(query).answer(cell_text(f, report, cell))
    else:
        await message_of(query).answer(
            abc_text(f, report, ctx.tz), reply_markup=abc_keyboard(ctx.t, report)
        )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="abc")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("abc"))(cmd_abc)
    router.callback_query(AbcCb.filter())(on_abc)
    return router
