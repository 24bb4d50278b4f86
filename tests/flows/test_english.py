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
en = said.of("en")  # the team language of every test here
MENU = [en(f"menu.{key}") for key in ("new_deal", "deals", "tasks", "find")]


@pytest.fixture
async def en_seller(admin: Person, person: Callable[..., Person]) -> Person:
    admin.lang = "en"
    await admin.send("/invite")
    await admin.press(en("role.seller"))
    token = admin.text.split("?start=")[1].split()[0]
    seller = person(2100, "Sam", "en")
    await seller.send(f"/start {token}")
    assert en.part("start.joined", name="Sam", role=en("role.seller")) in seller.text
    return seller


async def test_an_english_seller_creates_moves_and_wins_a_deal(en_seller: Person) -> None:
    seller = en_seller
    assert seller.reply_keyboard() == MENU
    await seller.send(en("menu.new_deal"))
    assert en("quick.ask", pipeline="New clients") in seller.text
    await seller.send("Acme Ltd")
    assert seller.text == en("new.ask_amount")
    await seller.send("1.5m")
    await seller.press(en("channel.website"))
    await seller.press(en("quick.btn.create"))
    card = seller.card
    assert "💼 <b>Acme Ltd</b>" in card
    assert en("card.amount", amount="₽1,500,000") in card
    stage = en("card.stage", stage="First contact", no=1, total=7, days=en.n("days", 0))
    assert stage in card
    assert en("card.channel", channel=en("channel.website")) in card
    await seller.press(en("card.btn.next", stage="Qualification"))
    assert seller.alert == en("card.moved", stage="Qualification")
    await seller.press(en("card.btn.won"))
    assert seller.alert == en("card.won_toast")
    assert en("card.won") in seller.card


async def test_an_english_seller_loses_a_deal_with_a_reason(en_seller: Person) -> None:
    seller = en_seller
    await seller.send("/new")
    await seller.send("Globex")
    await seller.press(en("btn.skip"))
    await seller.press(en("quick.btn.create"))
    assert en("card.amount", amount=en("deal.no_amount")) in seller.card
    await seller.press(en("card.btn.lost"))
    assert en("lost.choose") in seller.text
    await seller.press("Chose a competitor")  # a reason seeded with the pipeline
    assert en("card.lost", reason="Chose a competitor") in seller.card
    await seller.send("/deals")
    assert seller.text == en("deals.empty")


async def test_bad_input_is_answered_in_english(en_seller: Person) -> None:
    seller = en_seller
    await seller.send("/new")
    await seller.send("Initech")
    await seller.send("a lot")
    assert seller.text == en("amount.format")
    await seller.send("/nonsense")
    assert seller.text == en("fallback.unknown_command")
    await seller.press_data("d:m:1:99999")
    errors = ("error.access_denied", "error.deal_not_found", "error.stage_not_found")
    assert seller.alert in [en(key) for key in errors]


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
    assert admin.texts == [en("language.set"), en("language.menu")]
    assert admin.reply_keyboard() == MENU
    await admin.send("/deals")
    assert admin.text == en("deals.empty")
    await admin.press_data("lang:de")
    assert admin.alert == en("error.access_denied")
