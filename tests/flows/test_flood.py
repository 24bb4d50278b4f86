"""Flood control as people meet it: a flood gets one "slow down", heavy commands a "wait",
and a seller at a normal pace never notices any of it.

Through the real dispatcher with flood control on (in memory, and in Redis shared by two
dispatchers standing for two processes); the fake clock is moved, never slept on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from os.path import commonprefix
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendMessage

from bot.app import build_dispatcher
from bot.limits.flood import FloodControl, MemoryBuckets
from bot.services.ports import UnitOfWork
from bot.services.team import prepare_installation
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import ADMIN_ID
from tests.flows.harness import Person, said
from tests.mocked_bot import MockedBot, feed, make_message

SLOW_DOWN = said("flood.slow_down")
STRANGER_TEXT = said("start.stranger")
# every plural form of flood.wait up to the number of seconds
TRY_AGAIN = commonprefix([said.n("flood.wait", n) for n in (1, 2, 5)])  # noqa: RUF071
REPORT = "📈"


class CountingUnits:
    """The update's units of work, counted: a dropped update must never open one."""

    def __init__(self, inner: SqlUnitOfWorkFactory) -> None:
        self.inner, self.opened = inner, 0

    def __call__(self, *, write: bool = False) -> UnitOfWork:
        self.opened += 1
        return self.inner(write=write)


@pytest.fixture
def units(uow_factory: SqlUnitOfWorkFactory) -> CountingUnits:
    return CountingUnits(uow_factory)


@pytest.fixture
async def dp(
    uow_factory: SqlUnitOfWorkFactory, units: CountingUnits, clock: FakeClock
) -> AsyncIterator[Dispatcher]:
    """The bot's dispatcher as `python -m bot` builds it: flood control in memory."""
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN_ID], "ru")
    flood = FloodControl(MemoryBuckets())
    dispatcher = build_dispatcher(units, admins=[ADMIN_ID], clock=clock, flood=flood)
    yield dispatcher
    await dispatcher.storage.close()


def texts_to(bot: MockedBot, chat: int) -> list[str]:
    return [r.text for r in bot.sent(SendMessage) if r.chat_id == chat]


def toasts(bot: MockedBot) -> list[str | None]:
    return [r.text for r in bot.sent(AnswerCallbackQuery)]


async def test_a_stranger_sending_300_starts_gets_a_handful_of_answers_and_one_slow_down(
    person: Callable[..., Person], bot: MockedBot, units: CountingUnits
) -> None:
    stranger = person(9001, "Spammer")
    for _ in range(300):
        await stranger.send("/start")
    heard = texts_to(bot, 9001)
    assert heard.count(STRANGER_TEXT) == 4
    assert heard.count(SLOW_DOWN) == 1
    assert len(heard) == 5
    assert units.opened == 4  # the 296 dropped never reached the database


async def test_the_slow_down_comes_after_the_answers_to_what_came_before_it(
    dp: Dispatcher, bot: MockedBot
) -> None:
    # Ten at once, as polling hands them over: the four that pass the door wait for the
    # person's lock, and the warning waits behind them instead of overtaking them.
    updates = [make_message(9001, "/start") for _ in range(10)]
    await asyncio.gather(*(feed(dp, bot, update) for update in updates))
    assert texts_to(bot, 9001) == [STRANGER_TEXT] * 4 + [SLOW_DOWN]


async def test_a_stranger_who_waits_is_answered_again(
    person: Callable[..., Person], bot: MockedBot, clock: FakeClock
) -> None:
    stranger = person(9001, "Impatient")
    for _ in range(10):
        await stranger.send("/start")
    clock.advance(seconds=5)
    await stranger.send("/start")
    assert stranger.text == STRANGER_TEXT
    clock.advance(seconds=2)
    await stranger.send("/start")
    assert stranger.replies == []  # one every five seconds, and still in the same episode


async def test_a_seller_running_100_reports_in_a_row_is_slowed_down(
    seller: Person, bot: MockedBot, clock: FakeClock, units: CountingUnits
) -> None:
    await seller.send("/help")
    opened = units.opened
    for _ in range(100):
        await seller.send("/report")
    heard = texts_to(bot, seller.tg_id)[-100:]
    reports = [text for text in heard if text.startswith(REPORT)]
    assert len(reports) == 10  # ten passed the door at once; the other 90 did not
    assert heard.count(SLOW_DOWN) == 1
    assert units.opened - opened == 10


async def test_reports_one_a_second_are_held_to_a_few_a_minute_with_one_wait(
    seller: Person, bot: MockedBot, clock: FakeClock, units: CountingUnits
) -> None:
    await seller.send("/help")
    opened = units.opened
    for _ in range(100):
        clock.advance(seconds=1)
        await seller.send("/report")
    heard = texts_to(bot, seller.tg_id)
    reports = [text for text in heard if text.startswith(REPORT)]
    # Ten at once, then one every ten seconds: the 11th at 11 s, the 19th at 91 s.
    assert len(reports) == 19
    assert units.opened - opened == 19  # the refused ones never reached the database
    waits = [text for text in heard if TRY_AGAIN in text]
    assert len(waits) == 1
    assert waits[0] == said.n("flood.wait", 9)  # refused at 12 s, the 12th free at 21 s
    assert SLOW_DOWN not in heard


async def test_a_seller_tapping_once_a_second_is_never_limited(
    seller: Person, bot: MockedBot, clock: FakeClock
) -> None:
    taps = [said("menu.deals"), said("menu.tasks"), "/help", "/deals", "/tasks", said("menu.find")]
    for n in range(120):
        clock.advance(seconds=1)
        replies = await seller.send(taps[n % len(taps)])
        assert replies, n
        if n % 15 == 0:  # and a report now and then
            await seller.send("/report")
            assert seller.text.startswith(REPORT)
    heard = texts_to(bot, seller.tg_id)
    assert SLOW_DOWN not in heard
    assert not any(TRY_AGAIN in text for text in heard)


async def test_a_quick_burst_of_a_few_taps_passes(seller: Person, bot: MockedBot) -> None:
    for _ in range(8):  # all in the same instant
        assert await seller.send(said("menu.tasks"))
    assert SLOW_DOWN not in texts_to(bot, seller.tg_id)


async def test_a_flood_of_presses_gets_one_slow_down_toast_and_no_answers(
    seller: Person, bot: MockedBot
) -> None:
    await seller.send("/report")
    before = len(bot.sent(AnswerCallbackQuery))
    for _ in range(40):
        await seller.press(said("rep.period.yesterday"))
    answered = toasts(bot)[before:]
    assert answered.count(SLOW_DOWN) == 1
    assert len(answered) <= 11  # the ten that passed, and the one toast


async def test_a_heavy_button_past_its_budget_is_answered_with_how_long_to_wait(
    seller: Person, bot: MockedBot, clock: FakeClock
) -> None:
    await seller.send("/report")  # one heavy
    alerts = []
    for _ in range(12):
        clock.advance(seconds=1)
        await seller.press(said("rep.period.yesterday"))
        alerts.append(seller.alert)
    assert not any(TRY_AGAIN in (alert or "") for alert in alerts[:9])
    # The eleventh heavy one in eleven seconds: every refused press says how long to wait.
    assert alerts[10:] == [said.n("flood.wait", 9), said.n("flood.wait", 8)]
    # A light button meanwhile is not held back.
    clock.advance(seconds=1)
    await seller.send("/deals")
    assert seller.texts


async def test_the_slow_down_speaks_a_team_members_own_language(
    person: Callable[..., Person], admin: Person, bot: MockedBot
) -> None:
    await admin.send("/language")
    await admin.press("English")
    for _ in range(30):
        await admin.send("/help")
    assert said.of("en")("flood.slow_down") in texts_to(bot, ADMIN_ID)


# ---------------------------------------------------------------------- across processes


@pytest.fixture
async def redis_flood(
    redis_url: str, redis_prefix: str
) -> AsyncIterator[Callable[[], FloodControl]]:
    """Flood control in Redis, one client per "process"; the buckets under this test's prefix."""
    from redis.asyncio import Redis

    from bot.limits.redis_flood import RedisBuckets

    clients: list[Any] = []

    def make() -> FloodControl:
        client = Redis.from_url(redis_url)
        clients.append(client)
        return FloodControl(RedisBuckets(client, prefix=redis_prefix))

    yield make
    for client in clients:
        await client.aclose()


async def test_two_processes_share_a_strangers_budget_through_redis(
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
    bot: MockedBot,
    redis_flood: Callable[[], FloodControl],
) -> None:
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN_ID], "ru")
    one, two = (
        build_dispatcher(uow_factory, admins=[ADMIN_ID], clock=clock, flood=redis_flood())
        for _ in range(2)
    )
    at_one, at_two = Person(one, bot, 9001, "Spammer"), Person(two, bot, 9001, "Spammer")
    for n in range(300):  # a round-robin proxy in front of two workers
        await (at_one if n % 2 else at_two).send("/start")
    heard = texts_to(bot, 9001)
    assert heard.count(STRANGER_TEXT) == 4
    assert heard.count(SLOW_DOWN) == 1
    # ... and the time moved on by the clock both read, not by Redis's own.
    clock.advance(seconds=5)
    await at_one.send("/start")
    assert at_one.text == STRANGER_TEXT
