"""The same day in English: a team whose language is English, people whose phones are."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.app import COMMANDS, set_commands
from tests.flows.harness import Person, said
from tests.mocked_bot import MockedBot

pytestmark = pytest.mark.parametrize("team_language", ["en"], indirect=True)


@pytest.fixture
async def en_seller(admin: Person, person: Callable[..., Person]) -> Person:
    admin.lang = "en"
    await admin.send("/invite")
    await admin.press("seller")
    token = admin.text.split("?start=")[1].split()[0]
    seller = person(2100, "Sam", "en")
    await seller.send(f"/start {token}")
    assert "Welcome to the team, Sam! Your role: seller." in seller.text
    return seller


async def test_an_english_seller_creates_moves_and_wins_a_deal(en_seller: Person) -> None:
    seller = en_seller
    assert seller.reply_keyboard() == ["➕ Deal", "📋 Deals", "✅ Tasks", "🔎 Find"]
    await seller.send("➕ Deal")
    assert "New deal in the “New clients” pipeline." in seller.text
    await seller.send("Acme Ltd")
    assert seller.text.startswith("Deal amount?")
    await seller.send("1.5m")
    await seller.press("Website")
    await seller.press("Skip")
    card = seller.card
    assert "💼 <b>Acme Ltd</b>" in card
    assert "Amount: ₽1,500,000" in card
    assert "Stage: First contact (1/7) · 0 days in stage" in card
    assert "Channel: 🌐 Website" in card
    await seller.press("➡️ Qualification")
    assert seller.alert == "Stage: Qualification"
    await seller.press("✅ Won")
    assert seller.alert == "🎉 Deal won!"
    assert "✅ <b>Won</b>" in seller.card


async def test_an_english_seller_loses_a_deal_with_a_reason(en_seller: Person) -> None:
    seller = en_seller
    await seller.send("/new")
    await seller.send("Globex")
    await seller.press("Skip")
    await seller.press("Skip")
    await seller.press("Skip")
    assert "Amount: not set" in seller.card
    await seller.press("❌ Lost")
    assert "Why was the deal lost?" in seller.text
    await seller.press("Chose a competitor")
    assert "❌ <b>Lost</b>: Chose a competitor" in seller.card
    await seller.send("/deals")
    assert seller.text == "No open deals. Create one with ➕ Deal."


async def test_bad_input_is_answered_in_english(en_seller: Person) -> None:
    seller = en_seller
    await seller.send("/new")
    await seller.send("Initech")
    await seller.send("a lot")
    assert seller.text == "I could not read that amount. Try e.g. 150000, 150 000, 150k or 1.5m."
    await seller.send("/nonsense")
    assert seller.text == "There is no such command. The list: /help"
    await seller.press_data("d:m:1:99999")
    assert seller.alert in (
        "This is not available to you.",
        "Deal not found.",
        "This stage is not in the deal's pipeline.",
    )


async def test_a_russian_phone_in_an_english_team_gets_russian(
    admin: Person, person: Callable[..., Person]
) -> None:
    await admin.send("/start")
    assert said("role.admin") in admin.text  # the admin's Telegram speaks Russian


async def test_the_command_menu_is_set_in_both_languages(
    bot: MockedBot, team_language: str, admin: Person, person: Callable[..., Person]
) -> None:
    await set_commands(bot, "en")
    calls = bot.sent(SetMyCommands)
    by_lang = {c.language_code: [cmd.command for cmd in c.commands] for c in calls}
    assert set(by_lang) == {"ru", "en", None}
    assert by_lang["ru"] == ["start", "help"]  # clients and strangers see no staff commands
    bot.clear()
    await admin.send("/start")  # a team member's own chat gets the whole menu
    [menu] = bot.sent(SetMyCommands)
    assert isinstance(menu.scope, BotCommandScopeChat)
    assert menu.scope.chat_id == admin.tg_id
    assert [c.command for c in menu.commands] == list(COMMANDS)
    assert menu.commands[0].description == said("cmd.new")
    stranger = person(777, "Eve", "en")
    bot.clear()
    await stranger.send("/start")
    assert bot.sent(SetMyCommands) == []


async def test_a_seller_switches_their_own_language(admin: Person, team_language: str) -> None:
    await admin.send("/language")
    await admin.press("English")
    assert admin.texts == ["Done: I speak English now.", "The menu is updated."]
    assert admin.reply_keyboard() == ["➕ Deal", "📋 Deals", "✅ Tasks", "🔎 Find"]
    await admin.send("/deals")
    assert admin.text == "No open deals. Create one with ➕ Deal."
    await admin.press_data("lang:de")
    assert admin.alert == "This is not available to you."
