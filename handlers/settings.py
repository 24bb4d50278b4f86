"""`/settings` and `/audit` (admins): the company's settings, changed in the chat and
effective at once, and the log of every admin change."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.company import CompanySettings, show
from bot.domain.errors import SettingInvalidError
from bot.domain.models import Role
from bot.domain.templates import template_name
from bot.i18n import Translator
from bot.services.company import SETTING_KEYS, AuditPage, audit_log, change_setting
from bot.services.pipelines import EMPTY
from handlers import calendar, screens
from handlers.calendar import calendar_button
from handlers.cbtypes import CbPage
from handlers.context import Ctx
from handlers.filters import TypedText
from handlers.keyboards import rows_of
from handlers.screens import message_of
from handlers.texts import escaped, fit


class SettingCb(CallbackData, prefix="set"):
    key: str


class AuditCb(CallbackData, prefix="aud"):
    page: CbPage = 0


class EditSetting(StatesGroup):
    value = State()


async def is_admin(_: object, ctx: Ctx | None = None) -> bool:
    user = ctx.user if ctx is not None else None
    return user is not None and user.is_active and user.role is Role.ADMIN


def settings_view(t: Translator, company: CompanySettings) -> tuple[str, InlineKeyboardMarkup]:
    lines = [t("settings.title")]
    buttons = []
    for key in SETTING_KEYS:
        value = show(company, key) or "—"
        lines.append(f"• {t(f'settings.key.{key}')}: <b>{html.escape(value)}</b>")
        cb = SettingCb(key=key).pack()
        buttons.append(InlineKeyboardButton(text=t(f"settings.key.{key}"), callback_data=cb))
    rows = rows_of(buttons, 2)
    rows.append([calendar_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def cmd_settings(message: Message, ctx: Ctx) -> None:
    text, markup = settings_view(ctx.t, ctx.company)
    await message.answer(text, reply_markup=markup)


async def on_setting(
    query: CallbackQuery, ctx: Ctx, callback_data: SettingCb, state: FSMContext
) -> None:
    key = callback_data.key
    if key not in SETTING_KEYS:
        await query.answer(ctx.t("error.stale_button"), show_alert=True)
        return
    await state.set_state(EditSetting.value)
    await state.update_data(key=key)
    await query.answer()
    await message_of(query).answer(
        ctx.t(
            "settings.ask",
            name=ctx.t(f"settings.key.{key}"),
            current=html.escape(show(ctx.company, key) or "—"),
            hint=ctx.t(f"settings.hint.{key}"),
        )
    )


async def on_value(
    message: Message, ctx: Ctx, state: FSMContext, defaults: CompanySettings
) -> None:
    key = str((await state.get_data()).get("key", ""))
    try:
        company, changed = await change_setting(
            ctx.uow, ctx.staff, key, message.text or "", ctx.now, defaults
        )
    except SettingInvalidError:
        name, hint = ctx.t(f"settings.key.{key}"), ctx.t(f"settings.hint.{key}")
        await message.answer(ctx.t("settings.invalid", name=name, hint=hint))
        return
    await state.clear()
    await message.answer(ctx.t("settings.saved" if changed else "settings.unchanged"))
    text, markup = settings_view(ctx.t, company)
    await message.answer(text, reply_markup=markup)


def audit_view(t: Translator, log: AuditPage, tz: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    if not log.entries:
        return t("audit.empty"), InlineKeyboardMarkup(inline_keyboard=[])
    lines = [t("audit.title", page=log.page + 1, pages=log.pages)]
    for entry in log.entries:
        who = log.names.get(entry.actor_id, "—") if entry.actor_id else "—"
        key = f"settings.key.{entry.subject}"
        subject = t(key) if entry.action == "setting" and t.has(key) else entry.subject
        if t.has(f"audit.action.{entry.action}"):  # /pipelines changes say what was done
            subject = f"{t(f'audit.action.{entry.action}')}: {subject}"
        lines.append(
            t(
                "audit.row",
                at=entry.at.astimezone(tz).strftime("%d.%m %H:%M"),
                who=html.escape(who),
                what=html.escape(subject),
                before=escaped(entry.before or "—", 100),
                after=escaped(_after(t, entry.action, entry.after) or "—", 100),
            )
        )
    nav = []
    if log.page > 0:
        nav.append(InlineKeyboardButton(text="◀️", callback_data=AuditCb(page=log.page - 1).pack()))
    if log.page + 1 < log.pages:
        nav.append(InlineKeyboardButton(text="▶️", callback_data=AuditCb(page=log.page + 1).pack()))
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=[nav] if nav else [])


def _after(t: Translator, action: str, after: str | None) -> str | None:
    """A new pipeline's template by the name the admin chose it by, not its code."""
    if action != "pipeline.add" or after is None:
        return after
    if after == EMPTY:
        return t("pipes.tpl.empty")
    return template_name(after, t.lang) or after


async def cmd_audit(message: Message, ctx: Ctx) -> None:
    text, markup = audit_view(ctx.t, await audit_log(ctx.uow, ctx.staff, 0), ctx.tz)
    await message.answer(text, reply_markup=markup)


async def on_audit_page(query: CallbackQuery, ctx: Ctx, callback_data: AuditCb) -> None:
    await screens.show(
        query, audit_view(ctx.t, await audit_log(ctx.uow, ctx.staff, callback_data.page), ctx.tz)
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="settings")
    router.message.filter(is_admin)
    router.callback_query.filter(is_admin)
    router.message(Command("settings"))(cmd_settings)
    router.message(Command("audit"))(cmd_audit)
    router.callback_query(SettingCb.filter())(on_setting)
    router.callback_query(AuditCb.filter())(on_audit_page)
    router.message(EditSetting.value, TypedText())(on_value)
    router.include_router(calendar.build_router())
    return router
