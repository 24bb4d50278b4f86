"""Texts and keyboards of the plan screens."""

from __future__ import annotations

import html
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.models import User
from bot.domain.money import format_amount
from bot.domain.plan_csv import MAX_CSV_BYTES, PlanCsvError
from bot.domain.plans import MAX_COUNT, Plan, add_months, month_index, plannable
from bot.i18n import Translator
from bot.services.plans import CopyResult, ImportResult, MonthPlans
from handlers.deals.views import short
from handlers.keyboards import rows_of
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
    sellers = []
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
        sellers.append(
            InlineKeyboardButton(
                text=label, callback_data=_cb(PlanAction.SELLER, month, seller.id).pack()
            )
        )
    if view.sellers:
        total = format_amount(view.total, currency, t.lang)
        lines.append(t("plan.total", total=total, planned=view.planned, sellers=len(view.sellers)))
        lines.append(t("plan.hint"))
    rows = rows_of(sellers, 1)
    months = _month_buttons(t, month, current)
    if months:
        rows.append(months)
    for key, action in (("plan.btn.copy", PlanAction.COPY), ("plan.btn.import", PlanAction.IMPORT)):
        rows.append([InlineKeyboardButton(text=t(key), callback_data=_cb(action, month).pack())])
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _month_buttons(t: Translator, month: date, current: date) -> list[InlineKeyboardButton]:
    buttons = []
    for step, key in ((-1, "plan.btn.prev"), (1, "plan.btn.next")):
        other = add_months(month, step)
        if plannable(other, current):
            label = t(key, month=month_name(t, other))
            buttons.append(
                InlineKeyboardButton(text=label, callback_data=_cb(PlanAction.MONTH, other).pack())
            )
    return buttons


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
    buttons = [
        InlineKeyboardButton(
            text=t(f"plan.btn.{code.name.lower()}"),
            callback_data=_cb(PlanAction.COUNT, plan.month, seller.id, code).pack(),
        )
        for code in COUNT_FIELDS
    ]
    buttons.append(
        InlineKeyboardButton(
            text=t("plan.btn.done"), callback_data=_cb(PlanAction.DONE, plan.month).pack()
        )
    )
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    return f"{text}\n{t('plan.ask_extras')}", markup


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
