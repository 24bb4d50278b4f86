"""Texts and keyboards of /report and /funnel."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.abc_xyz import SEGMENTS
from bot.domain.comparison import SellerRow, change, points
from bot.domain.metrics import MIN_WON_FOR_VELOCITY, DaysSummary, round_half_away
from bot.domain.models import Pipeline
from bot.domain.money import format_amount, whole_units
from bot.domain.periods import ReportPeriod
from bot.i18n import Translator
from bot.reports.funnel_chart import FunnelBar
from bot.services.reports import Figures, FunnelReport, Pipe, SalesReport, Window
from handlers.keyboards import rows_of
from handlers.reports.callbacks import (
    NONE,
    CutKind,
    FunnelCb,
    FunnelOpenCb,
    PeriodChoice,
    ReportCb,
)
from handlers.texts import clip, fit

NAME_MAX = 40
# The funnel's text is its picture's caption: Telegram takes 1024 characters there.
CAPTION_BUDGET = 1000


class Fmt:
    """Numbers the way the reader reads them: money in the team's currency, shares, days."""

    def __init__(self, t: Translator, currency: str) -> None:
        self.t, self.currency = t, currency

    def money(self, minor: int | None) -> str:
        return "—" if minor is None else format_amount(minor, self.currency, self.t.lang)

    def estimate(self, minor: int | None) -> str:
        """An average or a forecast, in whole units: kopecks there are false precision."""
        return self.money(None if minor is None else whole_units(minor))

    def share(self, value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.0f}%"

    def days(self, value: float | None) -> str:
        if value is None:
            return "—"
        number = f"{value:.1f}"
        return self.t("rep.days", d=number if self.t.lang == "en" else number.replace(".", ","))

    def cycle(self, cycle: DaysSummary | None) -> str:
        return self.days(cycle.median_days if cycle else None)


def window_text(window: Window) -> str:
    first, last = window.first.strftime("%d.%m.%Y"), window.last.strftime("%d.%m.%Y")
    return first if first == last else f"{first} — {last}"


def figures_lines(f: Fmt, fig: Figures) -> list[str]:
    t = f.t
    lines = [t("rep.created", n=fig.created)]
    if not fig.closed:
        return [*lines, t("rep.no_closed")]
    return [
        *lines,
        t("rep.won", n=fig.won, amount=f.money(fig.won_amount)),
        t("rep.lost", n=fig.lost, amount=f.money(fig.lost_amount)),
        t("rep.win_rate", rate=f.share(fig.win_rate)),
        t("rep.average_check", amount=f.estimate(fig.average_check)),
        t("rep.cycle", days=f.cycle(fig.cycle)),
    ]


def pipe_lines(f: Fmt, fig: Figures, pipe: Pipe) -> list[str]:
    t = f.t
    return [
        t("rep.lead_to_sale", rate=f.share(fig.lead_to_sale)),
        t("rep.pipe", n=pipe.deals, value=f.money(pipe.value), weighted=f.estimate(pipe.weighted)),
        t("rep.velocity", amount=f.estimate(pipe.velocity))
        if pipe.velocity is not None
        else t("rep.velocity_none", min=MIN_WON_FOR_VELOCITY, won=fig.won),
    ]


def short_figures(f: Fmt, fig: Figures) -> str:
    if not fig.created and not fig.closed:
        return f.t("rep.segment_empty")
    return f.t(
        "rep.segment",
        created=fig.created,
        won=fig.won,
        amount=f.money(fig.won_amount),
        lost=fig.lost,
        rate=f.share(fig.win_rate),
    )


def sales_text(f: Fmt, report: SalesReport) -> str:
    t = f.t
    title = "rep.title_team" if report.whole_team else "rep.title_mine"
    lines = [t(title, window=window_text(report.window))]
    lines += figures_lines(f, report.total)
    lines += pipe_lines(f, report.total, report.pipe)
    lines.append("")
    lines.append(t("rep.new_clients", line=short_figures(f, report.new_clients)))
    lines.append(t("rep.current_clients", line=short_figures(f, report.current_clients)))
    if report.before is not None:
        lines.insert(1, before_line(f, report))
    if report.reasons.named:
        lines.append(f"\n<b>{t('rep.reasons')}</b>")
        lines += [
            t(
                "rep.reason",
                reason=html.escape(clip(r.reason or t("rep.no_reason"), NAME_MAX)),
                n=r.deals,
                amount=f.money(r.amount),
            )
            for r in report.reasons.named
        ]
        if report.reasons.other_deals:
            lines.append(
                t(
                    "rep.reason_other",
                    n=report.reasons.other_deals,
                    amount=f.money(report.reasons.other_amount),
                )
            )
    if report.sellers:
        lines.append(f"\n<b>{t('rep.sellers')}</b>")
        lines += [
            seller_row(f, row, report.names.get(row.totals.seller_id, "?"))
            for row in report.sellers
        ]
    return fit(t, lines)


def arrow(f: Fmt, share: float | None) -> str:
    """A change as ▲ 12% / ▼ 5% / = 0%; "—" with nothing to compare with."""
    if share is None:
        return "—"
    percent = round_half_away(share * 100)
    mark = "▲" if percent > 0 else "▼" if percent < 0 else "="
    return f"{mark}\u00a0{abs(percent)}%"


def arrow_points(f: Fmt, value: float | None) -> str:
    if value is None:
        return "—"
    rounded = round_half_away(value)
    mark = "▲" if rounded > 0 else "▼" if rounded < 0 else "="
    return f"{mark}\u00a0" + f.t("rep.points", n=abs(rounded))


def before_line(f: Fmt, report: SalesReport) -> str:
    """The change against the period before of the same length."""
    assert report.before is not None
    now, then = report.total, report.before.total
    return f.t(
        "rep.before",
        window=window_text(report.before.window),
        won=arrow(f, change(now.won, then.won)),
        amount=arrow(f, change(now.won_amount, then.won_amount)),
        rate=arrow_points(f, points(now.win_rate, then.win_rate)),
        check=arrow(f, change(now.average_check, then.average_check)),
    )


def seller_row(f: Fmt, row: SellerRow, name: str) -> str:
    """One seller, compactly: won, amount (and its change), win rate, check, % of plan."""
    s = row.totals
    return f.t(
        "rep.seller_row",
        name=html.escape(clip(name, NAME_MAX)),
        won=s.won,
        amount=f.money(s.won_amount),
        change=arrow(f, row.amount_change),
        rate=f.share(s.win_rate),
        check=f.estimate(s.average_check),
        plan=f.share(row.plan_share) if row.plan else f.t("rep.no_plan"),
    )


def report_keyboard(t: Translator, chosen: PeriodChoice | None) -> InlineKeyboardMarkup:
    options = [
        InlineKeyboardButton(
            text=("✓ " if option is chosen else "") + t(f"rep.period.{option.value}"),
            callback_data=ReportCb(period=option).pack(),
        )
        for option in PeriodChoice
    ]
    return InlineKeyboardMarkup(inline_keyboard=[options[:4], *rows_of(options[4:], 1)])


def funnel_text(f: Fmt, report: FunnelReport, cut_label: str) -> str:
    t = f.t
    name = html.escape(clip(report.pipeline.name, NAME_MAX))
    lines = [t("fun.title", name=name, window=window_text(report.window)), cut_label]
    if not any(line.reached for line in report.lines):
        return "\n".join([*lines, t("fun.no_deals")])
    for i, line in enumerate(report.lines, 1):
        lines.append(
            t(
                "fun.stage",
                i=i,
                name=html.escape(clip(line.stage.name, NAME_MAX)),
                reached=line.reached,
                rate=f.share(line.rate),
                days=f.days(line.median_days),
            )
        )
    lines.append(t("fun.won", n=report.won))
    lines.append("")
    lines += figures_lines(f, report.figures)[1:]
    lines += pipe_lines(f, report.figures, report.pipe)
    stage = report.leak_stage
    if report.leak is not None and stage is not None:
        lines.append(
            t(
                "fun.leak",
                name=html.escape(clip(stage.name, NAME_MAX)),
                n=report.leak.lost_deals,
                amount=f.money(report.leak.lost_amount),
            )
        )
    return fit(t, lines, CAPTION_BUDGET)


def funnel_bars(report: FunnelReport) -> list[FunnelBar]:
    return [
        FunnelBar(clip(line.stage.name, NAME_MAX), line.reached, line.rate) for line in report.lines
    ]


def funnel_keyboard(
    t: Translator, cb: FunnelCb, pipelines: Sequence[Pipeline], manager: bool
) -> InlineKeyboardMarkup:
    periods = [
        InlineKeyboardButton(
            text=("✓ " if period is cb.period else "") + t(f"rep.period.{period.value}"),
            callback_data=FunnelCb(
                pipeline_id=cb.pipeline_id, period=period, cut=cb.cut, value=cb.value
            ).pack(),
        )
        for period in ReportPeriod
    ]
    cuts = [
        InlineKeyboardButton(
            text=("✓ " if cut is cb.cut else "")
            + t("fun.cut_button", what=t(f"fun.cut.{cut.value}")),
            callback_data=FunnelCb(
                pipeline_id=cb.pipeline_id, period=cb.period, cut=cut, value=NONE
            ).pack(),
        )
        for cut in CutKind
        if manager or cut is not CutKind.SELLER
    ]
    others = [
        InlineKeyboardButton(
            text=t("fun.pipeline_button", name=clip(p.name, NAME_MAX)),
            callback_data=FunnelCb(pipeline_id=p.id, period=cb.period).pack(),
        )
        for p in pipelines
        if p.id != cb.pipeline_id
    ]
    # The layout users have had: the five periods 3 + 2, then three a row for as many rows
    # as the cuts take (the first other pipelines fill the last of them), then one a row.
    cut_slots = 3 * ((len(cuts) + 2) // 3)
    rest = cuts + others
    rows = [periods[:3], periods[3:], *rows_of(rest[:cut_slots], 3), *rows_of(rest[cut_slots:], 1)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def pipelines_keyboard(t: Translator, pipelines: Sequence[Pipeline]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=t("fun.pipeline_button", name=clip(p.name, NAME_MAX)),
            callback_data=FunnelOpenCb(pipeline_id=p.id).pack(),
        )
        for p in pipelines
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def picker_keyboard(
    t: Translator, cb: FunnelCb, options: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """The values of a cut, in place of the funnel's buttons; back shows every deal."""
    values = [
        InlineKeyboardButton(
            text=clip(label, NAME_MAX),
            callback_data=FunnelCb(
                pipeline_id=cb.pipeline_id, period=cb.period, cut=cb.cut, value=value
            ).pack(),
        )
        for value, label in options
    ]
    back = InlineKeyboardButton(
        text=t("btn.back"),
        callback_data=FunnelCb(pipeline_id=cb.pipeline_id, period=cb.period).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows_of(values, 2), [back]])


CELL_CODES = frozenset(s.code for s in SEGMENTS)
