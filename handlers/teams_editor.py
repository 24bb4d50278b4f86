"""The admin's team editor under /team: list, create, rename, set the head, delete."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.ids import DepartmentId, UserId
from bot.i18n import Translator
from bot.services import departments
from bot.services.departments import TeamInfo
from handlers.cbtypes import CbId
from handlers.context import Ctx
from handlers.deals.views import short
from handlers.filters import TypedText
from handlers.keyboards import rows_of
from handlers.screens import ask, show
from handlers.texts import escaped, fit

MAX_BUTTONS = 60


BACK_TO_TEAM = "t"  # handled by handlers.team: the roster in place of the pressed screen


class DeptCb(CallbackData, prefix="dp"):
    # l: list, o: open, n: new, r: rename, h: choose a head, s: set head `arg`, x: delete,
    # t: back to the team (BACK_TO_TEAM)
    action: str = "l"
    dept_id: CbId = 0
    arg: CbId = 0


class TeamName(StatesGroup):
    name = State()


def _head(t: Translator, info: TeamInfo) -> str:
    return escaped(info.head, 100) if info.head else t("dept.no_head")


def teams_view(t: Translator, teams: list[TeamInfo]) -> tuple[str, InlineKeyboardMarkup]:
    lines = [t("dept.list_title", count=len(teams))]
    if not teams:
        lines.append(t("dept.list_empty"))
    for info in teams:
        name = escaped(info.department.name, 64)
        lines.append(t("dept.list_row", name=name, head=_head(t, info), count=info.members))
    buttons = [
        InlineKeyboardButton(
            text=short(info.department.name), callback_data=_cb("o", info.department.id).pack()
        )
        for info in teams[:MAX_BUTTONS]
    ]
    buttons.append(
        InlineKeyboardButton(text=t("dept.btn.create"), callback_data=DeptCb(action="n").pack())
    )
    buttons.append(
        InlineKeyboardButton(
            text=t("team.btn.back"), callback_data=DeptCb(action=BACK_TO_TEAM).pack()
        )
    )
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 2))


def team_card(t: Translator, info: TeamInfo) -> tuple[str, InlineKeyboardMarkup]:
    text = t(
        "dept.card",
        name=escaped(info.department.name, 64),
        head=_head(t, info),
        count=info.members,
    )
    dept_id = info.department.id
    buttons = [
        InlineKeyboardButton(text=t(f"dept.btn.{label}"), callback_data=_cb(action, dept_id).pack())
        for action, label in (("r", "rename"), ("h", "set_head"), ("x", "delete"), ("l", "back"))
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def _cb(action: str, dept_id: DepartmentId, arg: int = 0) -> DeptCb:
    return DeptCb(action=action, dept_id=dept_id, arg=arg)


async def on_teams(query: CallbackQuery, ctx: Ctx) -> None:
    await show(query, teams_view(ctx.t, await departments.teams_overview(ctx.uow, ctx.staff)))


async def on_team(query: CallbackQuery, ctx: Ctx, callback_data: DeptCb) -> None:
    dept_id = DepartmentId(callback_data.dept_id)
    await show(query, team_card(ctx.t, await departments.team_info(ctx.uow, ctx.staff, dept_id)))


async def on_new_team(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await _ask_name(query, ctx, state, None)


async def on_rename_team(
    query: CallbackQuery, ctx: Ctx, callback_data: DeptCb, state: FSMContext
) -> None:
    await _ask_name(query, ctx, state, DepartmentId(callback_data.dept_id))


async def on_set_head(query: CallbackQuery, ctx: Ctx, callback_data: DeptCb) -> None:
    dept_id = DepartmentId(callback_data.dept_id)
    await departments.set_head(ctx.uow, ctx.staff, dept_id, UserId(callback_data.arg), ctx.now)
    info = await departments.team_info(ctx.uow, ctx.staff, dept_id)
    await show(query, team_card(ctx.t, info), ctx.t("dept.head_set"))


async def on_delete_team(query: CallbackQuery, ctx: Ctx, callback_data: DeptCb) -> None:
    dept_id = DepartmentId(callback_data.dept_id)
    await departments.delete_department(ctx.uow, ctx.staff, dept_id, ctx.now)
    overview = await departments.teams_overview(ctx.uow, ctx.staff)
    await show(query, teams_view(ctx.t, overview), ctx.t("dept.deleted"))


async def _ask_name(
    query: CallbackQuery, ctx: Ctx, state: FSMContext, dept_id: DepartmentId | None
) -> None:
    if dept_id is None:
        await departments.teams_overview(ctx.uow, ctx.staff)  # an admin's step only
        prompt = ctx.t("dept.ask_name")
    else:
        info = await departments.team_info(ctx.uow, ctx.staff, dept_id)
        prompt = ctx.t("dept.ask_rename", name=escaped(info.department.name, 64))
    await ask(query, state, TeamName.name, prompt, dept_id=dept_id or 0)


async def on_name(message: Message, ctx: Ctx, state: FSMContext) -> None:
    # A refused name (empty, too long, taken) is answered by the error router; the step stays.
    dept_id = int((await state.get_data()).get("dept_id", 0))
    typed = message.text or ""
    if dept_id:
        await departments.rename_department(
            ctx.uow, ctx.staff, DepartmentId(dept_id), typed, ctx.now
        )
        await state.clear()
        text, markup = team_card(
            ctx.t, await departments.team_info(ctx.uow, ctx.staff, DepartmentId(dept_id))
        )
    else:
        created = await departments.create_department(ctx.uow, ctx.staff, typed, ctx.now)
        await state.clear()
        await message.answer(ctx.t("dept.created", name=escaped(created.name, 64)))
        text, markup = teams_view(ctx.t, await departments.teams_overview(ctx.uow, ctx.staff))
    await message.answer(text, reply_markup=markup)


async def on_pick_head(query: CallbackQuery, ctx: Ctx, callback_data: DeptCb) -> None:
    dept_id = DepartmentId(callback_data.dept_id)
    info = await departments.team_info(ctx.uow, ctx.staff, dept_id)
    heads = await departments.head_choices(ctx.uow, ctx.staff)
    buttons = [
        InlineKeyboardButton(
            text=short("➜ " + head.name), callback_data=_cb("s", dept_id, head.id).pack()
        )
        for head in heads[:MAX_BUTTONS]
    ]
    buttons.append(
        InlineKeyboardButton(text=ctx.t("dept.btn.back"), callback_data=_cb("o", dept_id).pack())
    )
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    key = "dept.pick_head" if heads else "dept.no_heads"
    await show(query, (ctx.t(key, name=escaped(info.department.name, 64)), markup))


def build_router() -> Router:
    """A fresh router, nested in the team router (its manager filter applies)."""
    router = Router(name="teams_editor")
    router.callback_query(DeptCb.filter(F.action == "l"))(on_teams)
    router.callback_query(DeptCb.filter(F.action == "o"))(on_team)
    router.callback_query(DeptCb.filter(F.action == "n"))(on_new_team)
    router.callback_query(DeptCb.filter(F.action == "r"))(on_rename_team)
    router.callback_query(DeptCb.filter(F.action == "h"))(on_pick_head)
    router.callback_query(DeptCb.filter(F.action == "s"))(on_set_head)
    router.callback_query(DeptCb.filter(F.action == "x"))(on_delete_team)
    router.message(TeamName.name, TypedText())(on_name)
    return router
