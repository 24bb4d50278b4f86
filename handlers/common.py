"""`/cancel`, `/help`, and the polite answer to everything no other router took."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.context import Ctx
from handlers.keyboards import main_menu, outsider_key

# Someone without the role gets "this is for …", not "no such command".
MANAGER_COMMANDS = frozenset({"invite", "team", "plan"})
ADMIN_COMMANDS = frozenset({"settings", "pipelines", "audit", "delivery"})


async def cmd_cancel(message: Message, ctx: Ctx, state: FSMContext) -> None:
    had_step = await state.get_state() is not None
    await state.clear()
    if (outsider := outsider_key(ctx.user)) is not None:
        await message.answer(ctx.t(outsider))
        return
    assert ctx.user is not None
    await message.answer(
        ctx.t("cancel.done" if had_step else "cancel.nothing"), reply_markup=main_menu(ctx.t)
    )


async def cmd_help(message: Message, ctx: Ctx) -> None:
    if (outsider := outsider_key(ctx.user)) is not None:
        await message.answer(ctx.t(outsider))
        return
    assert ctx.user is not None
    key = "help.manager" if ctx.user.role.value in ("admin", "head") else "help.seller"
    await message.answer(ctx.t(key), reply_markup=main_menu(ctx.t))


async def on_anything_else(message: Message, ctx: Ctx, state: FSMContext) -> None:
    if (outsider := outsider_key(ctx.user)) is not None:
        await message.answer(ctx.t(outsider))
        return
    assert ctx.user is not None
    typed = message.text or message.caption  # a file sent with a command as its caption
    if typed and typed.startswith("/"):
        # "/" alone (or "/ text") names no command: answered like any unknown one.
        words = typed[1:].split(maxsplit=1)
        command = words[0].split("@")[0].lower() if words and typed[1:2].strip() else ""
        if command in ADMIN_COMMANDS:
            key = "error.admins_only"
        elif command in MANAGER_COMMANDS:
            key = "error.managers_only"
        else:
            key = "fallback.unknown_command"
        await message.answer(ctx.t(key))
    elif await state.get_state() is not None:
        await message.answer(ctx.t("fallback.use_buttons"))
    else:
        await message.answer(ctx.t("fallback.not_understood"), reply_markup=main_menu(ctx.t))


async def on_stray_button(query: CallbackQuery, ctx: Ctx) -> None:
    # Garbage or outdated callback data, or a press by someone who may not use the button.
    key = outsider_key(ctx.user) or "error.stale_button"
    await query.answer(ctx.t(key), show_alert=True)


def build_cancel_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    cancel_router = Router(name="cancel")
    cancel_router.message(Command("cancel"))(cmd_cancel)
    return cancel_router


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="fallback")
    router.message(Command("help"))(cmd_help)
    router.message()(on_anything_else)
    router.callback_query()(on_stray_button)
    return router
