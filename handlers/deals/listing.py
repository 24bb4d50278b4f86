"""`/deals` and `/find`: open deals grouped by stage, a page at a time, each opening its card."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.access import is_manager
from bot.domain.ids import PipelineId
from bot.i18n import all_variants
from bot.services import deals
from handlers.context import Ctx
from handlers.deals.callbacks import DealsPageCb
from handlers.deals.states import FindDeals
from handlers.deals.views import found_keyboard, list_keyboard, list_text
from handlers.filters import IsStaff, TypedText
from handlers.screens import Screen, show


async def render_deals(cb: DealsPageCb, ctx: Ctx) -> Screen:
    """A page of the open deals the user may see, with its paging and filter buttons."""
    pipelines, _ = await deals.pipelines_for(ctx.uow, ctx.staff)
    known = {p.id for p in pipelines}
    pipeline_id = cb.pipeline_id if cb.pipeline_id in known else 0
    page = await deals.list_deals(
        ctx.uow,
        ctx.staff,
        ctx.now,
        pipeline_id=PipelineId(pipeline_id) if pipeline_id else None,
        stalled=cb.stalled,
        page=cb.page,
    )
    title = "deals.title_all" if is_manager(ctx.staff) else "deals.title"
    text = list_text(
        ctx.t, page, stalled=cb.stalled, title_key=title, show_owner=is_manager(ctx.staff)
    )
    kb = list_keyboard(ctx.t, page, pipelines, pipeline_id=pipeline_id, stalled=cb.stalled)
    return text, kb


async def cmd_deals(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    text, kb = await render_deals(DealsPageCb(), ctx)
    await message.answer(text, reply_markup=kb)


async def on_deals_page(
    query: CallbackQuery, ctx: Ctx, callback_data: DealsPageCb, state: FSMContext
) -> None:
    await state.clear()
    await show(query, await render_deals(callback_data, ctx))


async def cmd_find(message: Message, ctx: Ctx, command: CommandObject, state: FSMContext) -> None:
    if not command.args:
        await state.set_state(FindDeals.text)
        await message.answer(ctx.t("find.ask"))
        return
    await _find(message, ctx, state, command.args)


async def on_find_button(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.set_state(FindDeals.text)
    await message.answer(ctx.t("find.ask"))


async def on_find_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await _find(message, ctx, state, message.text or "")


async def _find(message: Message, ctx: Ctx, state: FSMContext, text: str) -> None:
    page = await deals.list_deals(ctx.uow, ctx.staff, ctx.now, text=text)
    await state.clear()
    if not page.items:
        await message.answer(ctx.t("find.nothing"))
        return
    body = list_text(
        ctx.t, page, stalled=False, title_key="find.title", show_owner=is_manager(ctx.staff)
    )
    if page.pages > 1:
        body += "\n\n" + ctx.t("find.first_only", shown=len(page.items))
    await message.answer(body, reply_markup=found_keyboard(ctx.t, page))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="deal_list")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(F.text.in_(all_variants("menu.deals")))(cmd_deals)
    router.message(Command("deals"))(cmd_deals)
    router.callback_query(DealsPageCb.filter())(on_deals_page)
    router.message(Command("find"))(cmd_find)
    router.message(F.text.in_(all_variants("menu.find")))(on_find_button)
    router.message(FindDeals.text, TypedText())(on_find_typed)
    return router
