"""`/invite` and `/team`: heads and admins bring people in and see who is here."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.errors import MemberInvalidError
from bot.domain.ids import UserId
from bot.domain.models import Role, User
from bot.i18n import Translator
from bot.services import members
from bot.services.ports import Notifier, UnitOfWork
from bot.services.team import INVITE_TTL, create_invite, list_team
from handlers.alerts import handover_notice
from handlers.cbtypes import CbId
from handlers.deals.views import short
from handlers.filters import IsManager
from handlers.texts import fit


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
    kb = InlineKeyboardBuilder()
    # Telegram takes at most 100 buttons: the active colleagues, the first of them.
    others = [m for m in members if m.id != user.id and m.is_active][:MAX_BUTTONS]
    for member in others:
        open_card = MemberCb(action="o", user_id=member.id)
        kb.button(text=short(member.name), callback_data=open_card)
    kb.adjust(2)
    await message.answer(fit(t, lines), reply_markup=kb.as_markup())


MAX_BUTTONS = 60


class MemberCb(CallbackData, prefix="mb"):
    action: str  # o: open, h/s: make head/seller, d: deactivate, t: to this successor
    user_id: CbId
    arg: CbId = 0


def member_card(t: Translator, actor: User, member: User) -> tuple[str, InlineKeyboardMarkup]:
    status = "" if member.is_active else t("team.inactive")
    text = t(
        "member.card",
        name=html.escape(member.name),
        role=t(f"role.{member.role.value}"),
        status=status,
    )
    kb = InlineKeyboardBuilder()
    if member.is_active and actor.role is Role.ADMIN and member.role is not Role.ADMIN:
        action, label = (
            ("s", "member.btn.make_seller")
            if member.role is Role.HEAD
            else ("h", "member.btn.make_head")
        )
        kb.button(text=t(label), callback_data=MemberCb(action=action, user_id=member.id))
    if member.is_active and member.id != actor.id:
        kb.button(
            text=t("member.btn.deactivate"), callback_data=MemberCb(action="d", user_id=member.id)
        )
    kb.adjust(1)
    return text, kb.as_markup()


async def on_member(
    query: CallbackQuery,
    callback_data: MemberCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    notifier: Notifier,
) -> None:
    action, member_id = callback_data.action, UserId(callback_data.user_id)
    if action in ("h", "s"):
        role = Role.HEAD if action == "h" else Role.SELLER
        member = await members.change_role(uow, user, member_id, role, now)
        await query.answer(t("member.role_changed"))
    elif action == "d":
        await _pick_successor(query, uow, user, t, member_id)
        return
    elif action == "t":
        handover = await members.deactivate(
            uow, user, member_id, UserId(callback_data.arg), now, notifier, handover_notice
        )
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                t(
                    "member.deactivated",
                    name=html.escape(handover.member.name),
                    deals=t.n("deals_count", handover.deals),
                    tasks=handover.tasks,
                    successor=html.escape(handover.successor.name),
                )
            )
        return
    else:
        member = await _visible_member(uow, user, member_id)
        await query.answer()
    if isinstance(query.message, Message):
        text, markup = member_card(t, user, member)
        await query.message.edit_text(text, reply_markup=markup)


async def _visible_member(uow: UnitOfWork, user: User, member_id: UserId) -> User:
    found = next((m for m in await list_team(uow, user) if m.id == member_id), None)
    if found is None:
        raise MemberInvalidError()
    return found


async def _pick_successor(
    query: CallbackQuery, uow: UnitOfWork, user: User, t: Translator, member_id: UserId
) -> None:
    member = await _visible_member(uow, user, member_id)
    kb = InlineKeyboardBuilder()
    colleagues = [o for o in await list_team(uow, user) if o.is_active and o.id != member.id]
    for other in colleagues[:MAX_BUTTONS]:
        cb = MemberCb(action="t", user_id=member.id, arg=other.id)
        kb.button(text=short("➜ " + other.name), callback_data=cb)
    kb.adjust(1)
    await query.answer()
    if isinstance(query.message, Message):
        text = t("member.pick_successor", name=html.escape(member.name))
        await query.message.edit_text(text, reply_markup=kb.as_markup())


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="team")
    router.message.filter(IsManager())
    router.callback_query.filter(IsManager())
    router.message(Command("invite"))(cmd_invite)
    router.callback_query(InviteCb.filter(F.role.in_({Role.SELLER, Role.HEAD})))(on_invite_role)
    router.message(Command("team"))(cmd_team)
    router.callback_query(MemberCb.filter(F.action.in_({"o", "h", "s", "d", "t"})))(on_member)
    return router
