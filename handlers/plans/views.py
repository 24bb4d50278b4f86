"""Texts and keyboards of the plan screens."""

from __future__ import annotations

import html
from datetime import date

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import User
from bot.domain.money import format_amount
from bot.domain.plan_csv import MAX_CSV_BYTES, PlanCsvError
from bot.domain.plans import MAX_COUNT, Plan, add_months, month_index, plannable
from bot.i18n import Translator
from bot.services.plans import CopyResult, ImportResult, MonthPlans
from handlers.deals.views import short
from handlers.plans.callbacks import PlanAction, PlanCb, PlanField
from handlers.texts import escaped, fit

MAX_SELLER_BUTTONS = 60
SHOWN_PROBLEMS = 8
COUNT_FIELDS = {
    PlanField.WON: "won_deals",
    PlanField.MEETINGS: "meetings",
    PlanField.PROPOSALS: "proposals",
}


def month_name(t: Translator, month: date) -> str:
    return t(f"plan.month_{month.month}", year=month.year)


def plan_text(t: Translator, plan: Plan | None, currency: str) -> str:
    """Revenue and the counts that are set, or "no plan"."""
    if plan is None:
        return t("plan.none")
    parts = [format_amount(plan.revenue, currency, t.lang)]
    for code, name in COUNT_FIELDS.items():
        count = getattr(plan, name)
        if count is not None:
            parts.append(t(f"plan.count.{code.name.lower()}", n=count))
    return " · ".join(parts)


def month_view(
    t: Translator, view: MonthPlans, current: date, currency: str
) -> tuple[str, InlineKeyboardMarkup]:
    month = view.month
    lines = [t("plan.title", month=month_name(t, month))]
    kb = InlineKeyboardBuilder()
    if not view.sellers:
        lines.append(t("plan.no_sellers"))
    for seller in view.sellers:
        plan = view.plans.get(seller.id)
        lines.append(
            t("plan.row", name=escaped(seller.name, 60), plan=plan_text(t, plan, currency))
        )
    for seller in view.sellers[:MAX_SELLER_BUTTONS]:
        plan = view.plans.get(seller.id)
        revenue = format_amount(plan.revenue, currency, t.lang) if plan else t("plan.none")
        label = short(f"{seller.name} — {revenue}")
        kb.button(text=label, callback_data=_cb(PlanAction.SELLER, month, seller.id))
    if view.sellers:
        total = format_amount(view.total, currency, t.lang)
        lines.append(t("plan.total", total=total, planned=view.planned, sellers=len(view.sellers)))
        lines.append(t("plan.hint"))
    sizes = [1] * min(len(view.sellers), MAX_SELLER_BUTTONS)
    sizes.append(_month_buttons(t, kb, month, current))
    kb.button(text=t("plan.btn.copy"), callback_data=_cb(PlanAction.COPY, month))
    kb.button(text=t("plan.btn.import"), callback_data=_cb(PlanAction.IMPORT, month))
    kb.adjust(*sizes, 1, 1)
    return fit(t, lines), kb.as_markup()


def _month_buttons(t: Translator, kb: InlineKeyboardBuilder, month: date, current: date) -> int:
    count = 0
    for step, key in ((-1, "plan.btn.prev"), (1, "plan.btn.next")):
        other = add_months(month, step)
        if plannable(other, current):
            kb.button(
                text=t(key, month=month_name(t, other)), callback_data=_cb(PlanAction.MONTH, other)
            )
            count += 1
    return count


def _cb(
    action: PlanAction, month: date, seller_id: int = 0, field: PlanField = PlanField.NONE
) -> PlanCb:
    return PlanCb(action=action, month=month_index(month), seller_id=seller_id, field=field)


def ask_revenue(t: Translator, seller: User, plan: Plan | None, month: date, currency: str) -> str:
    return t(
        "plan.ask_revenue",
        name=html.escape(seller.name),
        month=month_name(t, month),
        current=plan_text(t, plan, currency),
    )


def saved_view(
    t: Translator, seller: User, plan: Plan, currency: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The plan as saved, and the optional counts offered with a way out."""
    text = t(
        "plan.saved",
        name=html.escape(seller.name),
        month=month_name(t, plan.month),
        plan=plan_text(t, plan, currency),
    )
    kb = InlineKeyboardBuilder()
    for code in COUNT_FIELDS:
        cb = _cb(PlanAction.COUNT, plan.month, seller.id, code)
        kb.button(text=t(f"plan.btn.{code.name.lower()}"), callback_data=cb)
    kb.button(text=t("plan.btn.done"), callback_data=_cb(PlanAction.DONE, plan.month))
    kb.adjust(1)
    return f"{text}\n{t('plan.ask_extras')}", kb.as_markup()


def ask_count(t: Translator, code: PlanField, month: date) -> str:
    return t(f"plan.ask.{code.name.lower()}", month=month_name(t, month), max=MAX_COUNT)


def copied_text(t: Translator, result: CopyResult, month: date) -> str:
    source = month_name(t, add_months(month, -1))
    if result.source == 0:
        return t("plan.copy_nothing", source=source)
    if not result.copied:
        return t("plan.copy_all_kept", month=month_name(t, month))
    names = ", ".join(html.escape(s.name) for s in result.copied)
    return t(
        "plan.copied",
        source=source,
        copied=t.n("plan.sellers", len(result.copied)),
        names=names,
        kept=result.kept,
    )


def import_prompt(t: Translator, month: date) -> str:
    return t("plan.import_ask", month=month_name(t, month), kb=MAX_CSV_BYTES // 1024)


def imported_text(t: Translator, result: ImportResult) -> str:
    months = ", ".join(month_name(t, m) for m in result.months)
    return t("plan.imported", rows=result.saved, changed=result.changed, months=months)


def import_failed_text(t: Translator, error: PlanCsvError) -> str:
    lines = [t("plan.import_failed")]
    for problem in error.problems[:SHOWN_PROBLEMS]:
        text = t(f"plan.csv.{problem.reason}", value=escaped(problem.value, 60))
        lines.append(t("plan.csv_line", line=problem.line, text=text) if problem.line else text)
    if len(error.problems) > SHOWN_PROBLEMS:
        lines.append(t("more", n=len(error.problems) - SHOWN_PROBLEMS))
    return fit(t, lines)
