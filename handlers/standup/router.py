"""`/standup` in a team's group turns the morning stand-up on or off there (a head or an
admin only), and a press under the group's stand-up is answered to the presser in private,
with what their role lets them see; anyone outside the team gets a polite refusal."""

from __future__ import annotations

import re

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot.domain.access import is_manager
from bot.domain.ids import TelegramId, UserId
from bot.domain.models import User
from bot.i18n import translator
from bot.services import digest, standup
from handlers.context import Ctx
from handlers.deals.callbacks import DealsPageCb
from handlers.deals.listing import render_deals
from handlers.digest.views import overdue_text, seller_deals_keyboard, seller_deals_text
from handlers.screens import Screen, message_of
from handlers.standup.callbacks import GROUP_PREFIXES, GroupDigestCb, GroupView, StandupSwitchCb
from handlers.standup.views import switch_keyboard, switch_text

GROUP_CHATS = {"group", "supergroup"}
GROUPS = F.chat.type.in_(GROUP_CHATS)
OFF_WORDS = frozenset({"off", "stop", "выкл", "выключить", "стоп"})
_COMMAND = re.compile(r"^/standup(@\w+)?(\s|$)", re.IGNORECASE)


def for_groups(event: TelegramObject) -> bool:
    """Whether an update from a group chat may reach the handlers: the switch command and
    presses on the group's own buttons; a group hears nothing else from the bot."""
    if isinstance(event, Update):
        inner = event.message or event.callback_query
        return inner is not None and for_groups(inner)
    if isinstance(event, Message):
        return bool(_COMMAND.match(event.text or ""))
    if isinstance(event, CallbackQuery):
        return (event.data or "").startswith(GROUP_PREFIXES)
    return False


async def cmd_standup(message: Message, ctx: Ctx, command: CommandObject) -> None:
    """`/standup` turns it on (again: it says so), `/standup off` turns it off."""
    on = (command.args or "").strip().lower() not in OFF_WORDS
    group = await standup.switch(
        ctx.uow, ctx.user, TelegramId(message.chat.id), message.chat.title or "", on, ctx.now
    )
    t = translator(ctx.company.language)  # the group's, not the head's
    await message.answer(switch_text(t, group, ctx.company), reply_markup=switch_keyboard(t, group))


async def cmd_standup_private(message: Message, ctx: Ctx) -> None:
    await message.answer(ctx.t("standup.groups_only"))


async def on_switch(query: CallbackQuery, ctx: Ctx, callback_data: StandupSwitchCb) -> None:
    chat = message_of(query).chat
    group = await standup.switch(
        ctx.uow, ctx.user, TelegramId(chat.id), chat.title or "", callback_data.on, ctx.now
    )
    t = translator(ctx.company.language)
    await query.answer()
    await message_of(query).edit_text(
        switch_text(t, group, ctx.company), reply_markup=switch_keyboard(t, group)
    )


async def on_group_press(
    query: CallbackQuery, ctx: Ctx, callback_data: GroupDigestCb, bot: Bot
) -> None:
    """The presser's own view, sent to them in private: the group sees nothing of it."""
    actor = standup.require_member(ctx.user)
    text, markup = await _screen(ctx, actor, callback_data)
    try:
        await bot.send_message(actor.tg_id, text, reply_markup=markup)
    except TelegramForbiddenError:  # they never wrote to the bot, or blocked it
        await query.answer(ctx.t("standup.write_first"), show_alert=True)
        return
    await query.answer(ctx.t("standup.sent_private"))


async def _screen(ctx: Ctx, actor: User, cb: GroupDigestCb) -> Screen:
    if cb.view is GroupView.OVERDUE:
        tasks, total, names = await standup.overdue_for(ctx.uow, actor, ctx.now)
        return overdue_text(ctx.t, tasks, total, names, ctx.now, ctx.tz), None
    if cb.view is GroupView.STALLED:
        return await render_deals(DealsPageCb(stalled=True), ctx)
    if not is_manager(actor):  # a seller's button is theirs to see only as their own
        return await render_deals(DealsPageCb(), ctx)
    seller, page = await digest.seller_pipeline(ctx.uow, actor, UserId(cb.seller_id), ctx.now)
    return seller_deals_text(ctx.t, seller.name, page), seller_deals_keyboard(page, seller.id)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="standup")
    router.message(Command("standup"), GROUPS)(cmd_standup)
    router.message(Command("standup"))(cmd_standup_private)
    router.callback_query(StandupSwitchCb.filter(), F.message.chat.type.in_(GROUP_CHATS))(on_switch)
    router.callback_query(GroupDigestCb.filter())(on_group_press)
    return router
