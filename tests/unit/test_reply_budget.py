"""What handlers send takes its turn from the same budget as the outbox (one process here,
the fake clock moved by the budget's sleeps)."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage

from bot.domain.notices import DeliveryPolicy
from bot.limits.budget import LocalBudget, booked
from bot.limits.requests import pace_replies
from tests.conftest import FakeClock
from tests.mocked_bot import MockedBot
from tests.unit.test_sender import TimedSession, VirtualSleep


@pytest.fixture
def budget(clock: FakeClock) -> LocalBudget:
    return LocalBudget(DeliveryPolicy(), lambda: clock().timestamp(), VirtualSleep(clock))


@pytest.fixture
def bot(clock: FakeClock, budget: LocalBudget) -> MockedBot:
    bot = MockedBot(session=TimedSession(clock))
    pace_replies(bot, budget, lambda: clock().timestamp())
    return bot


def times(bot: MockedBot) -> list[float]:
    session = bot.session
    assert isinstance(session, TimedSession)
    return [at.timestamp() for at, _, _ in session.log]


async def test_a_second_message_to_a_chat_waits_a_second_after_the_first_was_answered(
    bot: MockedBot,
) -> None:
    await bot.send_message(1, "card")
    await bot.send_message(1, "next step?")
    await bot.send_message(2, "someone else")
    first, second, other = times(bot)
    assert second - first >= 1.0
    assert other - second < 0.1  # another chat is not held by the first one's second


async def test_an_answered_press_and_a_chat_action_take_no_turn(bot: MockedBot) -> None:
    await bot.send_message(1, "card")
    await bot.answer_callback_query("q1", "done")
    await bot.send_chat_action(1, "typing")
    assert times(bot)[2] == times(bot)[0]


async def test_edits_keep_to_the_bots_rate_but_not_to_the_chats_second(bot: MockedBot) -> None:
    await bot.send_message(1, "card")
    await bot.edit_message_text("card, moved on", chat_id=1, message_id=1)
    assert times(bot)[1] - times(bot)[0] < 0.1
    for n in range(59):
        await bot.edit_message_text(f"edit {n}", chat_id=1, message_id=1)
    # Sixty in all: at the sender's 29.1 a second they take two seconds, not an instant.
    assert times(bot)[-1] - times(bot)[0] >= 59 / (30 * 0.97) - 0.01


async def test_the_senders_own_sends_have_their_turn_and_are_not_booked_again(
    bot: MockedBot,
) -> None:
    with booked():
        await bot.send_message(1, "notice, part one")
        await bot.send_message(1, "notice, its album")
    assert times(bot)[1] == times(bot)[0]


async def test_a_429_to_a_handlers_message_pauses_the_chat_for_the_sender_too(
    bot: MockedBot, budget: LocalBudget, clock: FakeClock
) -> None:
    ask = SendMessage(chat_id=1, text="x")
    bot.session.queue_response(SendMessage, TelegramRetryAfter(ask, "Too Many Requests", 30))
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "answer")
    now = clock().timestamp()
    assert await budget.paused(1) >= now + 29
    assert not await budget.turn(1, lambda: 2.0)  # the sender puts its notice back
    await bot.send_message(1, "answer, later")  # a handler's answer waits the pause out
    assert times(bot)[-1] >= now + 30
