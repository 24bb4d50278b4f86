"""`/invite` and `/team`: heads and admins bring people in and see who is here."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import Role, User
from bot.i18n import Translator
from bot.services.ports import UnitOfWork
from bot.services.team import INVITE_TTL, create_invite, list_team
from handlers.filters import IsManager


class InviteCb(CallbackData, prefix="inv"):
    role: Role


def invite_roles(t: Translator) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for role in (Role.SELLER, Role.HEAD):
        kb.button(text=t(f"role.{role.value}"), callback_data=InviteCb(role=role))
    return kb.as_markup()


async def cmd_invite(message: Message, t: Translator) -> None:
    await message.answer(t("invite.choose_role"), reply_markup=invite_roles(t))


async def on_invite_role(
    query: CallbackQuery,
    callback_data: InviteCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    bot: Bot,
) -> None:
    invite = await create_invite(uow, user, callback_data.role, now)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invite.token}"
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            t(
                "invite.link",
                role=t(f"role.{invite.role.value}"),
                link=html.escape(link),
                days=t.n("days", INVITE_TTL.days),
            )
        )


async def cmd_team(message: Message, uow: UnitOfWork, user: User, t: Translator) -> None:
    members = await list_team(uow, user)
    lines = [t("team.title", count=len(members))]
    for member in members:
        status = "" if member.is_active else t("team.inactive")
        handle = f" @{html.escape(member.username)}" if member.username else ""
        lines.append(
            t(
                "team.row",
                name=html.escape(member.name),
                handle=handle,
                role=t(f"role.{member.role.value}"),
                status=status,
            )
        )
    await message.answer("\n".join(lines))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="team")
    router.message.filter(IsManager())
    router.callback_query.filter(IsManager())
    router.message(Command("invite"))(cmd_invite)
    router.callback_query(InviteCb.filter(F.role.in_({Role.SELLER, Role.HEAD})))(on_invite_role)
    router.message(Command("team"))(cmd_team)
    return router
