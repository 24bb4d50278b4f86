"""Texts and keyboards of the digest: the head's summary, a seller's line, the drill-downs."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date

from bot.domain.digest import Digest, SellerLine, Won
from bot.domain.ids import UserId
from bot.domain.metrics import round_half_away
from bot.domain.money import format_amount, whole_units
from bot.domain.tasks import Task
from bot.i18n import Translator
from bot.services.deals import DealPage
from bot.services.digest import DigestReport
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.views import list_text, short
from handlers.digest.callbacks import DigestCb, DigestView
from handlers.keyboards import rows_of
from handlers.tasks.views import task_line
from handlers.texts import MESSAGE_BUDGET, escaped, fit

SELLER_BUTTONS = 12
NAME_SHOWN = 40


class Formats:
    """Money, percents and ratios in the reader's language; None is "no data"."""

    def __init__(self, t: Translator, currency: str) -> None:
        self.t, self.currency = t, currency

    def money(self, amount: int | None) -> str:
        if amount is None:
            return self.t("digest.no_data")
        return format_amount(amount, self.currency, self.t.lang)

    def estimate(self, amount: int | None) -> str:
        """A daily plan or a forecast, in whole units."""
        return self.money(None if amount is None else whole_units(amount))

    def target(self, amount: int | None) -> str:
        """What a day needs, in whole units rounded up: doing it meets the plan."""
        return self.money(None if amount is None else whole_units(amount, up=True))

    def percent(self, value: float | None) -> str:
        if value is None:
            return self.t("digest.no_data")
        return f"{round_half_away(value)}\u00a0%"

    def ratio(self, value: float) -> str:
        text = f"{value:.1f}×"
        return text if self.t.lang == "en" else text.replace(".", ",")

    def won(self, won: Won) -> str:
        return f"{won.count} · {self.money(won.amount)}"


def digest_text(t: Translator, report: DigestReport, at: datetime | None = None) -> str:
    """The head's stand-up summary, within one Telegram message. On demand (`at`, the local
    time asked) it names the period its fact covers and adds today so far."""
    d, f = report.digest, Formats(t, report.currency)
    day = d.day.strftime("%d.%m")
    if d.is_empty:
        return t("digest.empty", day=day)
    y, m, p = d.yesterday, d.month, d.pipeline
    lines = [
        t("digest.title", day=day),
        *(_so_far(t, f, d, at) if at is not None else []),
        *_yesterday(t, f, d),
        t("digest.activity", new=y.new_deals, moves=y.stage_moves, tasks=y.tasks_done),
        "",
        t(
            "digest.month",
            fact=f.money(m.fact),
            plan=f.money(m.plan or None),
            percent=f.percent(m.percent),
        ),
    ]
    if m.forecast is None:
        lines.append(t("digest.no_forecast"))
    else:
        # plan − forecast: a shortfall, or (negative) the pace running ahead of the plan.
        key = "digest.forecast_ahead" if m.gap is not None and m.gap < 0 else "digest.forecast"
        gap = None if m.gap is None else abs(m.gap)
        lines.append(t(key, forecast=f.estimate(m.forecast), gap=f.estimate(gap)))
    lines.append(t("digest.needed", needed=f.target(m.needed_per_day), left=m.days_left))
    cov = p.coverage
    coverage = (
        f.ratio(cov.ratio)
        if cov.ratio is not None
        else t("digest.plan_met" if cov.plan_met else "digest.no_data")
    )
    lines.append(
        t(
            "digest.pipeline",
            open=f.money(p.open_value),
            weighted=f.estimate(p.weighted),
            coverage=coverage,
        )
    )
    if p.below_level:
        lines.append(t("digest.coverage_low", level=f"{p.level:g}"))
    lines += ["", *_leak(t, f, report), _clients(t, f, report), "", t("digest.sellers")]
    lines += [_seller(t, f, s, report.names) for s in d.sellers]
    return fit(t, lines, MESSAGE_BUDGET)


def _day_name(t: Translator, day: date) -> str:
    return format_date(day, "EEE dd.MM", locale=t.lang)


def _yesterday(t: Translator, f: Formats, d: Digest) -> list[str]:
    """DOMAIN.md: '"Yesterday" in the stand-up is the previous working day; sales on days off
    since then are added to it and said so.' (Monday: Friday with the weekend.)"""
    y = d.yesterday
    figures = {
        "won": y.won.count,
        "amount": f.money(y.won.amount),
        "plan": f.estimate(y.daily_plan),
        "percent": f.percent(y.percent),
    }
    if not y.off_days or y.day is None:
        return [t("digest.yesterday", **figures)]
    off = (
        t("digest.off_days_won", won=y.off_won.count, amount=f.money(y.off_won.amount))
        if y.off_won.count
        else t("digest.off_days_none")
    )
    return [t("digest.yesterday_since", day=_day_name(t, y.day), **figures), off]


def _so_far(t: Translator, f: Formats, d: Digest, at: datetime) -> list[str]:
    """The month's fact runs to the end of yesterday; today so far is shown apart."""
    first, last = d.day.replace(day=1), d.day - timedelta(days=1)
    if last < first:
        period = t("digest.period_first")
    elif last == first:
        period = t("digest.period", period=format_date(last, "d MMMM", locale=t.lang))
    else:
        span = f"{first.day}–{format_date(last, 'd MMMM', locale=t.lang)}"
        period = t("digest.period", period=span)
    today = t(
        "digest.today",
        time=at.strftime("%H:%M"),
        won=d.today_won.count,
        amount=f.money(d.today_won.amount),
    )
    return [period, today]


def _leak(t: Translator, f: Formats, report: DigestReport) -> list[str]:
    leak = report.digest.leak
    if leak is None:
        return [t("digest.no_leak")]
    stage = html.escape(report.stage_names.get(leak.stage_id, "?"))
    return [t("digest.leak", stage=stage, count=leak.lost_deals, amount=f.money(leak.lost_amount))]


def _clients(t: Translator, f: Formats, report: DigestReport) -> str:
    new, cur = report.digest.won_new, report.digest.won_current
    return t(
        "digest.clients",
        new_count=new.count,
        new_amount=f.money(new.amount),
        cur_count=cur.count,
        cur_amount=f.money(cur.amount),
    )


def _seller(t: Translator, f: Formats, s: SellerLine, names: dict[UserId, str]) -> str:
    mark = "🏆 " if s.is_best else "🔻 " if s.is_worst else ""
    facts = s.facts
    nps = facts.nps.nps_rounded
    return t(
        "digest.seller",
        mark=mark,
        place=f"{s.place}." if s.place else "—",
        name=escaped(names.get(facts.seller_id, "?"), NAME_SHOWN),
        fact=f.money(s.fact),
        plan=f.money(s.plan) if s.plan else t("digest.no_plan"),
        percent=f.percent(s.percent),
        won=facts.yesterday_won.count,
        overdue=facts.overdue,
        bare=facts.without_task,
        stalled=facts.stalled,
        nps=t("digest.no_data") if nps is None else f"{nps:+d}",
    )


def digest_keyboard(t: Translator, report: DigestReport) -> InlineKeyboardMarkup:
    """Drill-downs: each seller's pipeline, the overdue tasks, the stalled deals."""
    sellers = []
    for line in report.digest.sellers[:SELLER_BUTTONS]:
        seller_id = line.facts.seller_id
        label = short(t("digest.btn.seller", name=report.names.get(seller_id, "?")), 24)
        cb = DigestCb(view=DigestView.SELLER, seller_id=seller_id).pack()
        sellers.append(InlineKeyboardButton(text=label, callback_data=cb))
    rows = rows_of(sellers, 2)
    rows.append(
        [
            InlineKeyboardButton(
                text=t("digest.btn.overdue"), callback_data=DigestCb(view=DigestView.OVERDUE).pack()
            ),
            InlineKeyboardButton(
                text=t("digest.btn.stalled"), callback_data=DigestCb(view=DigestView.STALLED).pack()
            ),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def seller_line(t: Translator, report: DigestReport, line: SellerLine, name: str) -> str:
    """A seller's own morning line: the month against the plan and what today needs."""
    f = Formats(t, report.currency)
    common = {
        "name": html.escape(name),
        "fact": f.money(line.fact),
        "plan": f.money(line.plan),
        "percent": f.percent(line.percent),
        "overdue": line.facts.overdue,
    }
    if not line.plan:
        return t("digest.line_no_plan", **common)
    if line.fact >= line.plan:
        return t("digest.line_met", **common)
    return t("digest.line", needed=f.target(line.needed_today), **common)


def seller_deals_text(t: Translator, name: str, page: DealPage) -> str:
    header = t("digest.seller_deals", name=escaped(name, NAME_SHOWN))
    title = "digest.seller_deals_count"
    body = list_text(t, page, stalled=False, title_key=title, show_owner=False)
    return f"{header}\n{body}"


def seller_deals_keyboard(page: DealPage, seller_id: int) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=short(item.deal.title),
                callback_data=DealCb(action=CardAction.OPEN, deal_id=item.deal.id).pack(),
            )
        ]
        for item in page.items
    ]
    nav = []
    for label, target in (("◀️", page.page - 1), ("▶️", page.page + 1)):
        if 0 <= target < page.pages:
            cb2 = DigestCb(view=DigestView.SELLER_PAGE, seller_id=seller_id, page=target)
            nav.append(InlineKeyboardButton(text=label, callback_data=cb2.pack()))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def overdue_text(
    t: Translator,
    tasks: list[Task],
    total: int,
    names: dict[UserId, str],
    now: datetime,
    tz: ZoneInfo,
) -> str:
    if not total:
        return t("digest.overdue_empty")
    lines = [t("digest.overdue_title", count=total)]
    for task in tasks:
        who = escaped(names.get(task.assignee_id, "?"), NAME_SHOWN)
        lines.append(f"{task_line(t, task, now, tz)} · 👤 {who}")
    if total > len(tasks):
        lines.append(t("more", n=total - len(tasks)))
    return fit(t, lines)
