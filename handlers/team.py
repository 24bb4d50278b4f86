"""`/invite` and `/team`: heads and admins bring people in and see who is here, by team."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.ids import DepartmentId, UserId
from bot.domain.models import Department, Role, User
from bot.i18n import Translator
from bot.services import departments, members
from bot.services.departments import Roster, roster
from bot.services.team import INVITE_TTL, create_invite, list_team
from handlers import teams_editor
from handlers.alerts import handover_notice
from handlers.cbtypes import CbId
from handlers.context import Ctx
from handlers.deals.views import short
from handlers.filters import IsManager
from handlers.keyboards import rows_of
from handlers.screens import Screen, message_of, show
from handlers.teams_editor import BACK_TO_TEAM, DeptCb
from handlers.texts import escaped, fit


class InviteCb(CallbackData, prefix="inv"):
    role: Role


def invite_roles(t: Translator) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(text=t(f"role.{role.value}"), callback_data=InviteCb(role=role).pack())
        for role in (Role.SELLER, Role.HEAD)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def cmd_invite(message: Message, ctx: Ctx) -> None:
    await message.answer(ctx.t("invite.choose_role"), reply_markup=invite_roles(ctx.t))


async def on_invite_role(query: CallbackQuery, ctx: Ctx, callback_data: InviteCb, bot: Bot) -> None:
    invite = await create_invite(ctx.uow, ctx.staff, callback_data.role, ctx.now)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invite.token}"
    await query.answer()
    await message_of(query).edit_text(
        ctx.t(
            "invite.link",
            role=ctx.t(f"role.{invite.role.value}"),
            link=html.escape(link),
            days=ctx.t.n("days", INVITE_TTL.days),
        )
    )


async def cmd_team(message: Message, ctx: Ctx) -> None:
    text, markup = await team_screen(ctx=ctx)
    await message.answer(text, reply_markup=markup)


async def on_back_to_team(query: CallbackQuery, ctx: Ctx) -> None:
    """◀️ from a member's card or the list of teams: the roster again, in place."""
    await show(query, await team_screen(ctx=ctx))


async def team_screen(ctx: Ctx) -> Screen:
    team = await roster(ctx.uow, ctx.staff)
    # Telegram takes at most 100 buttons: the active colleagues, the first of them.
    others = [m for m in team.members if m.id != ctx.staff.id and m.is_active][:MAX_BUTTONS]
    buttons = [
        InlineKeyboardButton(
            text=short(m.name), callback_data=MemberCb(action="o", user_id=m.id).pack()
        )
        for m in others
    ]
    rows = rows_of(buttons, 2)
    if ctx.staff.role is Role.ADMIN:
        rows.append(
            [InlineKeyboardButton(text=ctx.t("dept.btn.teams"), callback_data=DeptCb().pack())]
        )
    return fit(ctx.t, team_lines(ctx.t, team)), InlineKeyboardMarkup(inline_keyboard=rows)


def team_lines(t: Translator, team: Roster) -> list[str]:
    """The members grouped by team, each with role and status; those in no team last."""
    lines = [t("team.title", count=len(team.members))]
    names = {m.id: m.name for m in team.members}
    shown = {d.id for d in team.departments}
    for department in team.departments:
        people = [m for m in team.members if m.department_id == department.id]
        head = names.get(department.head_id) if department.head_id else None
        lines.append(dept_header(t, department, head, len(people)))
        lines.extend(member_row(t, m) for m in people)
    loose = [m for m in team.members if m.department_id not in shown]
    if team.departments and loose:
        lines.append(t("dept.none_header"))
    lines.extend(member_row(t, m) for m in loose)
    return lines


def dept_header(t: Translator, department: Department, head: str | None, count: int) -> str:
    return t(
        "dept.header",
        name=escaped(department.name, 64),
        head=html.escape(head) if head else t("dept.no_head"),
        count=count,
    )


def member_row(t: Translator, member: User) -> str:
    status = "" if member.is_active else t("team.inactive")
    handle = f" @{html.escape(member.username)}" if member.username else ""
    return t(
        "team.row",
        name=html.escape(member.name),
        handle=handle,
        role=t(f"role.{member.role.value}"),
        status=status,
    )


MAX_BUTTONS = 60


class MemberCb(CallbackData, prefix="mb"):
    # o: open, h/s: make head/seller, d: deactivate, t: to this successor,
    # m: choose a team to move to, g: go to team `arg` (0: no team)
    action: str
    user_id: CbId
    arg: CbId = 0


def member_card(
    t: Translator, actor: User, member: User, team: str | None, movable: bool
) -> tuple[str, InlineKeyboardMarkup]:
    status = "" if member.is_active else t("team.inactive")
    text = t(
        "member.card",
        name=html.escape(member.name),
        role=t(f"role.{member.role.value}"),
        status=status,
    )
    text += "\n" + t("dept.member_team", name=escaped(team, 64) if team else t("dept.none"))
    buttons = []
    if member.is_active and actor.role is Role.ADMIN and member.role is not Role.ADMIN:
        action, label = (
            ("s", "member.btn.make_seller")
            if member.role is Role.HEAD
            else ("h", "member.btn.make_head")
        )
        buttons.append(
            InlineKeyboardButton(
                text=t(label), callback_data=MemberCb(action=action, user_id=member.id).pack()
            )
        )
    if movable:
        buttons.append(
            InlineKeyboardButton(
                text=t("dept.btn.move"),
                callback_data=MemberCb(action="m", user_id=member.id).pack(),
            )
        )
    if member.is_active and member.id != actor.id:
        buttons.append(
            InlineKeyboardButton(
                text=t("member.btn.deactivate"),
                callback_data=MemberCb(action="d", user_id=member.id).pack(),
            )
        )
    buttons.append(
        InlineKeyboardButton(
            text=t("team.btn.back"), callback_data=DeptCb(action=BACK_TO_TEAM).pack()
        )
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


async def on_member(query: CallbackQuery, ctx: Ctx, callback_data: MemberCb) -> None:
    member = await departments.managed_member(ctx.uow, ctx.staff, UserId(callback_data.user_id))
    await query.answer()
    await _show_card(query, ctx, member)


async def on_role(query: CallbackQuery, ctx: Ctx, callback_data: MemberCb) -> None:
    """h: make them a head, s: a seller."""
    role = Role.HEAD if callback_data.action == "h" else Role.SELLER
    member_id = UserId(callback_data.user_id)
    member = await members.change_role(ctx.uow, ctx.staff, member_id, role, ctx.now)
    await query.answer(ctx.t("member.role_changed"))
    await _show_card(query, ctx, member)


async def on_move(query: CallbackQuery, ctx: Ctx, callback_data: MemberCb) -> None:
    """To the team `arg`, or to none."""
    target = DepartmentId(callback_data.arg) if callback_data.arg else None
    member_id = UserId(callback_data.user_id)
    member = await departments.move_member(ctx.uow, ctx.staff, member_id, target, ctx.now)
    await query.answer(ctx.t("dept.moved"))
    await _show_card(query, ctx, member)


async def on_deactivate(query: CallbackQuery, ctx: Ctx, callback_data: MemberCb) -> None:
    """Deactivate the member; their deals and tasks go to the successor `arg`."""
    handover = await members.deactivate(
        ctx.uow,
        ctx.staff,
        UserId(callback_data.user_id),
        UserId(callback_data.arg),
        ctx.now,
        ctx.notifier,
        handover_notice,
    )
    await query.answer()
    await message_of(query).edit_text(
        ctx.t(
            "member.deactivated",
            name=html.escape(handover.member.name),
            deals=handover.deals,
            tasks=handover.tasks,
            successor=html.escape(handover.successor.name),
        )
    )


async def _show_card(query: CallbackQuery, ctx: Ctx, member: User) -> None:
    text, markup = await _card(member, ctx)
    await message_of(query).edit_text(text, reply_markup=markup)


async def _card(member: User, ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
    place = await departments.member_team(ctx.uow, ctx.staff, member)
    return member_card(
        ctx.t, ctx.staff, member, place.team.name if place.team else None, place.movable
    )


async def on_pick_team(query: CallbackQuery, ctx: Ctx, callback_data: MemberCb) -> None:
    member_id = UserId(callback_data.user_id)
    member = await departments.managed_member(ctx.uow, ctx.staff, member_id)
    place = await departments.member_team(ctx.uow, ctx.staff, member)
    buttons = [
        InlineKeyboardButton(
            text=short("➜ " + team.name),
            callback_data=MemberCb(action="g", user_id=member.id, arg=team.id).pack(),
        )
        for team in place.targets[:MAX_BUTTONS]
    ]
    if place.may_leave:
        buttons.append(
            InlineKeyboardButton(
                text=ctx.t("dept.btn.no_team"),
                callback_data=MemberCb(action="g", user_id=member.id).pack(),
            )
        )
    buttons.append(
        InlineKeyboardButton(
            text=ctx.t("btn.back"), callback_data=MemberCb(action="o", user_id=member.id).pack()
        )
    )
    await query.answer()
    text = ctx.t("dept.pick_team", name=html.escape(member.name))
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    await message_of(query).edit_text(text, reply_markup=markup)


async def on_pick_successor(query: CallbackQuery, ctx: Ctx, callback_data: MemberCb) -> None:
    member_id = UserId(callback_data.user_id)
    member = await departments.managed_member(ctx.uow, ctx.staff, member_id)
    colleagues = [
        o for o in await list_team(ctx.uow, ctx.staff) if o.is_active and o.id != member.id
    ]
    buttons = [
        InlineKeyboardButton(
            text=short("➜ " + other.name),
            callback_data=MemberCb(action="t", user_id=member.id, arg=other.id).pack(),
        )
        for other in colleagues[:MAX_BUTTONS]
    ]
    buttons.append(
        InlineKeyboardButton(
            text=ctx.t("btn.back"), callback_data=MemberCb(action="o", user_id=member.id).pack()
        )
    )
    await query.answer()
    text = ctx.t("member.pick_successor", name=html.escape(member.name))
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    await message_of(query).edit_text(text, reply_markup=markup)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="team")
    router.message.filter(IsManager())
    router.callback_query.filter(IsManager())
    router.message(Command("invite"))(cmd_invite)
    router.callback_query(InviteCb.filter(F.role.in_({Role.SELLER, Role.HEAD})))(on_invite_role)
    router.message(Command("team"))(cmd_team)
    router.callback_query(MemberCb.filter(F.action == "o"))(on_member)
    router.callback_query(MemberCb.filter(F.action.in_({"h", "s"})))(on_role)
    router.callback_query(MemberCb.filter(F.action == "m"))(on_pick_team)
    router.callback_query(MemberCb.filter(F.action == "g"))(on_move)
    router.callback_query(MemberCb.filter(F.action == "d"))(on_pick_successor)
    router.callback_query(MemberCb.filter(F.action == "t"))(on_deactivate)
    router.callback_query(DeptCb.filter(F.action == BACK_TO_TEAM))(on_back_to_team)
    router.include_router(teams_editor.build_router())
    return router
