"""The stand-up in the team's group chat: a head turns it on there, the morning digest comes
to the group too (one text and one album, every seller's line), a press on its buttons is
answered to the presser in private with their own rights, and a head turns it off.

The team of tests/flows/test_digest.py's `seeded`: Sergey (open Гамма, a task overdue) and
Kate (nothing open), November 2026, read on Tuesday the 24th at 09:00 Moscow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendMediaGroup,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.notices import Notice
from bot.services.notify import enqueue
from storage.models import StandupGroupRow
from storage.uow import SqlUnitOfWorkFactory
from tests.flows.conftest import Jobs
from tests.flows.harness import Person, Said, said
from tests.flows.test_digest import kate, msk, seeded  # noqa: F401  (fixtures)
from tests.mocked_bot import BOT_USER, MockedBot, feed, make_callback, make_message

GROUP = -1001234567890

pytestmark = pytest.mark.parametrize("team_language", ["ru", "en"], indirect=True)


async def in_group(person: Person, text: str) -> list[TelegramMethod[Any]]:
    """The person writes in the team's group."""
    before = len(person.bot.requests)
    update = make_message(
        person.tg_id, text, first_name=person.name, language_code=person.lang, chat_id=GROUP
    )
    await feed(person.dp, person.bot, update)
    return person.bot.requests[before:]


async def press_in_group(person: Person, label: str) -> list[TelegramMethod[Any]]:
    """The person presses the newest button in the group whose text holds `label`."""
    for message in reversed(person.bot.session.messages(GROUP)):
        markup = message.reply_markup
        if not isinstance(markup, InlineKeyboardMarkup):
            continue
        for row in markup.inline_keyboard:
            for button in row:
                if label in button.text and button.callback_data:
                    before = len(person.bot.requests)
                    update = make_callback(
                        person.tg_id,
                        button.callback_data,
                        message_id=message.message_id,
                        chat_id=GROUP,
                        first_name=person.name,
                        language_code=person.lang,
                        reply_markup=markup,
                    )
                    await feed(person.dp, person.bot, update)
                    return person.bot.requests[before:]
    raise AssertionError(f"no button with {label!r} in the group")


def to(replies: list[TelegramMethod[Any]], chat_id: int) -> list[str]:
    return [r.text for r in replies if isinstance(r, SendMessage) and r.chat_id == chat_id]


def alert(replies: list[TelegramMethod[Any]]) -> str | None:
    [answer] = [r for r in replies if isinstance(r, AnswerCallbackQuery)]
    return answer.text


def to_group(bot: MockedBot) -> list[TelegramMethod[Any]]:
    return [r for r in bot.requests if getattr(r, "chat_id", None) == GROUP]


async def switch(engine: AsyncEngine) -> list[tuple[bool, int | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(StandupGroupRow.is_on, StandupGroupRow.changed_by))
        return [(bool(on), by) for on, by in rows]


async def test_a_head_turns_the_group_stand_up_on_and_off(
    admin: Person,
    seller: Person,
    kate: Person,  # noqa: F811
    person: Callable[..., Person],
    jobs: Jobs,
    clock: Any,
    bot: MockedBot,
    engine: AsyncEngine,
    team_language: str,
    seeded: None,  # noqa: F811
) -> None:
    group_said = Said(team_language)  # the group reads the company's language
    stranger = person(7000, "Кто-то")
    bot.clear()
    # Nothing reaches a group the head did not turn on: not the other commands, not text.
    for text in ("/start", "/report", "/digest", "/help", "привет"):
        assert await in_group(admin, text) == []
    # Only a head or an admin switches it; the others are refused politely, nothing stored.
    assert to(await in_group(seller, "/standup"), GROUP) == [said("standup.heads_only")]
    assert to(await in_group(stranger, "/standup"), GROUP) == [said("standup.heads_only")]
    assert await switch(engine) == []
    clock.now = msk(23, 9)  # Monday's stand-up: the group is not on yet
    await jobs.tick()
    refusals = [said("standup.heads_only")] * 2
    assert [getattr(r, "text", None) for r in to_group(bot)] == refusals  # and nothing else

    replies = await in_group(admin, f"/standup@{BOT_USER.username}")
    assert to(replies, GROUP) == [group_said("standup.on", time="09:00")]
    assert [(on, by is not None) for on, by in await switch(engine)] == [(True, True)]
    await admin.send("/audit")  # the switch is audited, with the group's name
    assert f"{said('audit.action.standup')}: Test supergroup" in admin.text

    # At stand-up time the group gets the team's digest: one text, then one album.
    clock.now = msk(24, 9)
    bot.clear()
    await jobs.tick()
    sent = to_group(bot)
    assert [type(r) for r in sent] == [SendMessage, SendMediaGroup]
    text = sent[0].text.replace("\u00a0", " ")  # type: ignore[attr-defined]
    assert text.startswith(group_said("digest.title", day="24.11")), text
    for name in ("Sergey", "Kate"):  # every seller's line
        assert group_said.part("digest.seller", name=name) in text
    assert len(sent[1].media) == 3  # type: ignore[attr-defined]
    admin_digests = [r for r in bot.sent(SendMessage) if r.chat_id == admin.tg_id]
    assert any(r.text.startswith("📊") for r in admin_digests)  # the heads' own still come

    # A seller pressing a colleague's button gets their own deals, in private.
    bot.clear()
    replies = await press_in_group(seller, "Kate")
    [mine] = to(replies, seller.tg_id)
    assert "Гамма" in mine
    assert alert(replies) == said("standup.sent_private")
    assert to_group(bot) == []
    # Their overdue tasks: their own.
    replies = await press_in_group(seller, said.of(team_language)("digest.btn.overdue"))
    [overdue] = to(replies, seller.tg_id)
    assert "Позвонить" in overdue
    replies = await press_in_group(kate, said.of(team_language)("digest.btn.overdue"))
    assert to(replies, kate.tg_id) == [said("digest.overdue_empty")]
    # A head pressing a seller's button gets that seller's deals.
    replies = await press_in_group(admin, "Sergey")
    [deals] = to(replies, admin.tg_id)
    assert said("digest.seller_deals", name="Sergey") in deals and "Гамма" in deals
    # Someone outside the team gets nothing of it.
    replies = await press_in_group(stranger, "Sergey")
    assert alert(replies) == said("standup.members_only")
    assert [r for r in replies if isinstance(r, SendMessage)] == []
    assert to_group(bot) == []

    # A seller cannot turn it off; the head can.
    off = group_said("standup.btn.off")
    assert alert(await press_in_group(seller, off)) == said("standup.heads_only")
    assert [on for on, _ in await switch(engine)] == [True]
    replies = await press_in_group(admin, off)
    assert [on for on, _ in await switch(engine)] == [False]
    edited = [r for r in replies if isinstance(r, EditMessageText)]
    assert [(r.chat_id, r.text) for r in edited] == [(GROUP, group_said("standup.off"))]
    clock.now = msk(25, 9)
    bot.clear()
    await jobs.tick()
    assert any(r.text.startswith("📊") for r in bot.sent(SendMessage) if r.chat_id == admin.tg_id)
    assert to_group(bot) == []  # off: nothing more to the group
    replies = await in_group(admin, "/standup")  # on again, by the command
    assert to(replies, GROUP) == [group_said("standup.on", time="09:00")]
    replies = await in_group(admin, "/standup off")
    assert to(replies, GROUP) == [group_said("standup.off")]
    assert [on for on, _ in await switch(engine)] == [False]


async def test_in_private_the_command_says_where_it_works(admin: Person) -> None:
    await admin.send("/standup")
    assert admin.text == said("standup.groups_only")


async def test_a_group_the_bot_was_removed_from_is_turned_off(
    admin: Person,
    jobs: Jobs,
    clock: Any,
    bot: MockedBot,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await in_group(admin, "/standup")
    assert [on for on, _ in await switch(engine)] == [True]
    clock.now = msk(24, 9)
    async with uow_factory() as uow:
        notice = Notice(chat_id=TelegramId(GROUP), kind="digest_group", text="📊")
        await enqueue(uow, [notice], clock.now, ZoneInfo("Europe/Moscow"), None)
        await uow.commit()
    kicked = TelegramForbiddenError(
        method=SendMessage(chat_id=GROUP, text="📊"),
        message="Forbidden: bot was kicked from the supergroup chat",
    )
    bot.queue_response(SendMessage, kicked)
    await jobs.deliver()
    assert bot.session.pending() == 0  # the group's send was tried and refused
    assert [on for on, _ in await switch(engine)] == [False]
    await admin.send("/audit")
    assert f"{said('audit.action.standup')}: Test supergroup" in admin.text
    assert "⏸" in admin.text.split("\n")[1]  # the newest entry: turned off, by nobody
