"""The sender against a mocked Telegram: every item ends sent or failed with a reason, none twice.

Despite living in `unit`, these run on a real migrated database (SQLite and PostgreSQL): the
outbox's claims and leases are the point. Time is a FakeClock that the sender's sleeps move.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.models import Role, User
from bot.domain.notices import DeliveryPolicy, Notice, QuietHours
from bot.jobs.sender import Sender
from bot.services.notify import enqueue
from storage.db import make_engine, make_sessions
from storage.models import OutboxRow, UserRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.mocked_bot import MockedBot, MockedSession

MOSCOW = ZoneInfo("Europe/Moscow")
NIGHT = QuietHours()
ASK = SendMessage(chat_id=1, text="x")  # the method an exception says it came from


def blocked_text(head: User, user: User) -> str:
    return f"{user.name} blocked the bot (for {head.name})"


def notice(n: int, chat: int = 500, user: User | None = None, **fields: Any) -> Notice:
    chat_id = TelegramId(user.tg_id if user else chat)
    uid = user.id if user else None
    return Notice(chat_id, "test", f"item {n}", user_id=uid, dedup_key=f"test:{n}", **fields)


class TimedSession(MockedSession):
    """Logs each request with its time on the fake clock and whether Telegram accepted it;
    `chaos`, when set, picks an error (or None) for each request."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.log: list[tuple[datetime, TelegramMethod[Any], bool]] = []
        self.chaos: Callable[[TelegramMethod[Any]], BaseException | None] | None = None

    async def make_request(
        self,
        bot: Any,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (the base class signature)
    ) -> TelegramType:
        error = self.chaos(method) if self.chaos else None
        try:
            if error is not None:
                raise error
            result = await super().make_request(bot, method, timeout)
        except BaseException:
            self.log.append((self.clock(), method, False))
            raise
        self.log.append((self.clock(), method, True))
        return result


@pytest.fixture
def bot(clock: FakeClock) -> MockedBot:
    return MockedBot(session=TimedSession(clock))


class VirtualSleep:
    """`asyncio.sleep` on the fake clock: concurrent sleepers wake in the order of their ends,
    each moving the clock to its own end (never back)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.ends: list[datetime] = []

    async def __call__(self, seconds: float) -> None:
        end = self.clock() + timedelta(seconds=max(0.0, seconds))
        self.ends.append(end)
        await asyncio.sleep(0)  # let the other tasks of the batch reach their sleeps first
        while min(self.ends) < end:  # noqa: ASYNC110  (virtual time: no event to wait for)
            await asyncio.sleep(0)
        self.ends.remove(end)
        self.clock.now = max(self.clock.now, end)


@pytest.fixture
def fake_sleep(clock: FakeClock) -> VirtualSleep:
    return VirtualSleep(clock)


@pytest.fixture
def make_sender(bot: MockedBot, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, fake_sleep):
    def make(owner: str = "worker-1", quiet: QuietHours | None = None, **policy: Any) -> Sender:
        return Sender(
            bot,
            uow_factory,
            clock,
            DeliveryPolicy(**policy),
            owner,
            MOSCOW,
            quiet,
            blocked_text,
            sleep=fake_sleep,
        )

    return make


async def put(uows: SqlUnitOfWorkFactory, clock: FakeClock, *notices: Notice, quiet=None) -> int:
    async with uows() as uow:
        added = await enqueue(uow, notices, clock(), MOSCOW, quiet)
        await uow.commit()
    return added


async def add_user(uows: SqlUnitOfWorkFactory, clock: FakeClock, tg: int, role: Role) -> User:
    async with uows() as uow:
        user = await uow.users.add(TelegramId(tg), f"{role.value}-{tg}", None, role, "en", clock())
        await uow.commit()
    return user


async def rows(engine: AsyncEngine) -> dict[str, OutboxRow]:
    """The outbox by dedup key (each notice's text names it too)."""
    async with make_sessions(engine)() as session:
        found = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return {row.dedup_key or f"#{row.id}": row for row in found}


def delivered(bot: MockedBot) -> Counter[str]:
    """Texts (or captions) of the requests Telegram accepted."""
    session: TimedSession = bot.session  # type: ignore[assignment]
    return Counter(
        getattr(m, "text", None) or getattr(m, "caption", None) or ""
        for _, m, ok in session.log
        if ok
    )


def send_times(bot: MockedBot) -> dict[str, datetime]:
    session: TimedSession = bot.session  # type: ignore[assignment]
    return {m.text: at for at, m, ok in session.log if ok and isinstance(m, SendMessage)}


async def drain(sender: Sender, clock: FakeClock, engine: AsyncEngine, rounds: int = 200) -> None:
    """Run the sender, jumping the clock to the next due item, until nothing is left open."""
    for _ in range(rounds):
        if await sender.run_once():
            continue
        waiting = [r for r in (await rows(engine)).values() if r.status in ("pending", "sending")]
        if not waiting:
            return
        clock.now = max(clock.now, min(r.lease_until or r.not_before for r in waiting))
        clock.advance(seconds=0.001)
    raise AssertionError("the outbox did not drain")


# Sending


async def test_a_notice_is_sent_once_with_its_buttons_and_marked_sent(
    make_sender, uow_factory, clock, bot, engine
):
    keyboard = {"inline_keyboard": [[{"text": "Done", "callback_data": "task:1:done"}]]}
    await put(uow_factory, clock, notice(1, reply_markup=keyboard))
    assert await make_sender().run_once() == 1
    sent = bot.last(SendMessage)
    assert (sent.chat_id, sent.text) == (500, "item 1")
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump(exclude_none=True) == keyboard
    row = (await rows(engine))["test:1"]
    assert (row.status, row.sent_at, row.error) == ("sent", clock(), None)
    assert await make_sender().run_once() == 0
    assert delivered(bot) == {"item 1": 1}


async def test_a_chart_goes_as_a_photo_with_its_caption(make_sender, uow_factory, clock, bot):
    await put(uow_factory, clock, notice(1, photo=b"\x89PNG fake"))
    await make_sender().run_once()
    photo = bot.last(SendPhoto)
    assert photo.caption == "item 1"
    assert not bot.sent(SendMessage)


async def test_a_busy_chat_gets_a_message_a_second_and_holds_up_no_one(
    make_sender, uow_factory, clock, bot, engine
):
    start = clock()
    await put(uow_factory, clock, notice(1), notice(2), notice(3), notice(4, chat=600))
    await drain(make_sender(), clock, engine)
    times = {text: at - start for text, at in send_times(bot).items()}
    assert times["item 4"] < timedelta(seconds=0.1)
    assert times["item 2"] - times["item 1"] >= timedelta(seconds=1)
    assert times["item 3"] - times["item 2"] >= timedelta(seconds=1)
    assert delivered(bot) == {f"item {n}": 1 for n in range(1, 5)}


# Flood control (429)


async def test_flood_control_is_waited_out_then_the_item_is_sent_once(
    make_sender, uow_factory, clock, bot, engine
):
    start = clock()
    await put(uow_factory, clock, notice(1), notice(2), notice(3, chat=600))
    bot.queue_response(SendMessage, TelegramRetryAfter(ASK, "Too Many Requests", retry_after=5))
    sender = make_sender()
    await sender.run_once()
    state = await rows(engine)
    # The flooded chat waits as Telegram said, without spending an attempt; others go on.
    assert state["test:1"].status == state["test:2"].status == "pending"
    assert state["test:1"].not_before == state["test:2"].not_before == start + timedelta(seconds=5)
    assert state["test:1"].attempts == 0
    assert state["test:3"].status == "sent"
    clock.now = start + timedelta(seconds=4)
    assert await sender.run_once() == 0
    await drain(sender, clock, engine)
    assert all(r.status == "sent" for r in (await rows(engine)).values())
    assert delivered(bot) == {"item 1": 1, "item 2": 1, "item 3": 1}
    assert send_times(bot)["item 1"] >= start + timedelta(seconds=5)


# Blocked (403)


async def test_a_user_who_blocked_the_bot_is_unreachable_and_the_heads_are_told_once(
    make_sender, uow_factory, clock, bot, engine
):
    admin = await add_user(uow_factory, clock, 1000, Role.ADMIN)
    head = await add_user(uow_factory, clock, 1001, Role.HEAD)
    seller = await add_user(uow_factory, clock, 2000, Role.SELLER)
    await put(uow_factory, clock, notice(1, user=seller), notice(2, user=seller))
    blocked = TelegramForbiddenError(ASK, "Forbidden: bot was blocked by the user")
    bot.session.chaos = lambda method: blocked if method.chat_id == seller.tg_id else None
    sender = make_sender()
    await sender.run_once()
    clock.advance(hours=1)
    await put(uow_factory, clock, notice(3, user=seller))  # blocked again, already known
    await drain(sender, clock, engine)

    state = await rows(engine)
    assert [state[f"test:{n}"].error for n in (1, 2, 3)] == ["blocked"] * 3
    assert {state[f"test:{n}"].status for n in (1, 2, 3)} == {"failed"}
    async with uow_factory() as uow:
        found = await uow.users.get(seller.id)
    assert found is not None and found.is_reachable is False
    told = [r for r in state.values() if r.kind == "unreachable"]
    assert sorted(r.chat_id for r in told) == [admin.tg_id, head.tg_id]
    assert delivered(bot) == {
        "seller-2000 blocked the bot (for admin-1000)": 1,
        "seller-2000 blocked the bot (for head-1001)": 1,
    }


# Network errors


@pytest.mark.parametrize(
    "error",
    [
        TelegramNetworkError(ASK, "Request timeout error"),
        TelegramServerError(ASK, "Bad Gateway"),
        TimeoutError(),
    ],
    ids=["network", "server", "timeout"],
)
async def test_network_errors_are_retried_with_backoff_then_sent(
    make_sender, uow_factory, clock, bot, engine, error
):
    start = clock()
    await put(uow_factory, clock, notice(1))
    bot.queue_response(SendMessage, error)
    bot.queue_response(SendMessage, error)
    sender = make_sender(base_backoff=2.0)
    await sender.run_once()
    row = (await rows(engine))["test:1"]
    assert (row.status, row.attempts, row.not_before) == (
        "pending",
        1,
        start + timedelta(seconds=2),
    )
    assert row.error is not None and row.error.startswith("network: ")
    clock.advance(seconds=2)
    await sender.run_once()
    row = (await rows(engine))["test:1"]
    assert (row.attempts, row.not_before) == (2, start + timedelta(seconds=6))
    clock.advance(seconds=4)
    await sender.run_once()
    assert (await rows(engine))["test:1"].status == "sent"
    assert len(bot.sent(SendMessage)) == 3
    assert delivered(bot) == {"item 1": 1}


async def test_an_item_fails_with_its_reason_after_the_last_attempt(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, notice(1))
    for _ in range(3):
        bot.queue_response(SendMessage, TelegramNetworkError(ASK, "Connection reset"))
    await drain(make_sender(max_attempts=3), clock, engine)
    row = (await rows(engine))["test:1"]
    assert (row.status, row.error) == ("failed", "network: Connection reset")
    assert len(bot.sent(SendMessage)) == 3
    assert delivered(bot) == {}


# Refusals


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            TelegramBadRequest(ASK, "Bad Request: message is too long"),
            "bad request: Bad Request: message is too long",
        ),
        (
            TelegramNotFound(ASK, "Not Found: chat not found"),
            "TelegramNotFound: Not Found: chat not found",
        ),
        (
            TelegramEntityTooLarge(ASK, "Request Entity Too Large"),
            "too large: Request Entity Too Large",
        ),
    ],
    ids=["bad-request", "not-found", "too-large"],
)
async def test_a_refusal_fails_at_once_with_telegrams_words(
    make_sender, uow_factory, clock, bot, engine, error, reason
):
    await put(uow_factory, clock, notice(1))
    bot.queue_response(SendMessage, error)
    await drain(make_sender(), clock, engine)
    row = (await rows(engine))["test:1"]
    assert (row.status, row.error) == ("failed", reason)
    assert len(bot.sent(SendMessage)) == 1


async def test_a_notice_that_cannot_be_built_fails_instead_of_coming_back_forever(
    make_sender, uow_factory, clock, bot, engine, caplog
):
    await put(uow_factory, clock, notice(1, reply_markup={"inline_keyboard": "not a keyboard"}))
    await drain(make_sender(), clock, engine)
    row = (await rows(engine))["test:1"]
    assert row.status == "failed" and row.error is not None and row.error.startswith("error: ")
    assert not bot.requests
    assert "cannot be sent" in caplog.text


async def test_a_refused_token_holds_the_outbox_without_spending_attempts(
    make_sender, uow_factory, clock, bot, engine
):
    start = clock()
    await put(uow_factory, clock, notice(1), notice(2, chat=600))
    bot.queue_response(SendMessage, TelegramUnauthorizedError(ASK, "Unauthorized"))
    sender = make_sender(max_backoff=600.0)
    await sender.run_once()
    state = await rows(engine)
    held = [r for r in state.values() if r.status == "pending"]
    assert held and all(r.attempts == 0 for r in held)
    assert all(r.not_before >= start + timedelta(seconds=600) for r in held)
    clock.advance(seconds=300)
    assert await sender.run_once() == 0
    await drain(sender, clock, engine)
    assert delivered(bot) == {"item 1": 1, "item 2": 1}


async def test_a_notice_for_an_inactive_user_fails_without_a_request(
    make_sender, uow_factory, clock, bot, engine
):
    seller = await add_user(uow_factory, clock, 2000, Role.SELLER)
    async with make_sessions(engine)() as session:
        await session.execute(
            update(UserRow).where(UserRow.id == seller.id).values(is_active=False)
        )
        await session.commit()
    await put(uow_factory, clock, notice(1, user=seller))
    await make_sender().run_once()
    row = (await rows(engine))["test:1"]
    assert (row.status, row.error) == ("failed", "inactive")
    assert not bot.requests


# Restarts, leases, duplicates, quiet hours


async def test_the_outbox_survives_a_restart(engine, db_url, uow_factory, clock, bot, fake_sleep):
    await put(uow_factory, clock, notice(1), notice(2, chat=600))
    await engine.dispose()  # the process ends
    fresh = make_engine(db_url)
    try:
        uows = SqlUnitOfWorkFactory(make_sessions(fresh))
        sender = Sender(
            bot, uows, clock, DeliveryPolicy(), "worker-2", MOSCOW, None, blocked_text, fake_sleep
        )
        assert await sender.run_once() == 2
    finally:
        await fresh.dispose()
    assert delivered(bot) == {"item 1": 1, "item 2": 1}


async def test_a_dead_workers_items_are_taken_over_when_its_lease_runs_out(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, notice(1))
    async with uow_factory() as uow:
        lease = clock() + timedelta(seconds=60)
        [claimed] = await uow.outbox.claim("dead-worker", clock(), lease, 10)
        await uow.commit()
    sender = make_sender(owner="worker-2")
    clock.advance(seconds=59)
    assert await sender.run_once() == 0  # still leased
    clock.advance(seconds=2)
    assert await sender.run_once() == 1
    async with uow_factory() as uow:
        # The dead worker wakes up late: its word no longer counts.
        await uow.outbox.mark_failed(claimed.id, "dead-worker", "too late")
        await uow.outbox.retry(claimed.id, "dead-worker", clock(), "too late", 1)
        await uow.commit()
    row = (await rows(engine))["test:1"]
    assert (row.status, row.lease_owner, row.error) == ("sent", "worker-2", None)
    assert delivered(bot) == {"item 1": 1}


async def test_a_notice_queued_twice_is_queued_once(uow_factory, clock, engine):
    assert await put(uow_factory, clock, notice(1), notice(1), notice(2)) == 2
    async with uow_factory() as uow:
        assert await uow.outbox.add([notice(1), notice(2)], clock()) == 0
        # The skipped duplicates did not spoil the transaction (PostgreSQL would abort it).
        assert await uow.outbox.add([notice(3)], clock()) == 1
        await uow.commit()
    assert sorted(await rows(engine)) == ["test:1", "test:2", "test:3"]


async def test_quiet_hours_hold_a_notice_until_the_morning(make_sender, uow_factory, clock, bot):
    clock.now = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 22:30 in Moscow
    await put(uow_factory, clock, notice(1), quiet=NIGHT)
    await put(uow_factory, clock, notice(2, chat=600))  # an answer to the user's own action
    sender = make_sender()
    assert await sender.run_once() == 1
    clock.now = datetime(2026, 11, 24, 4, 59, tzinfo=UTC)  # 07:59
    assert await sender.run_once() == 0
    clock.now = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 08:00
    assert await sender.run_once() == 1
    assert delivered(bot) == {"item 1": 1, "item 2": 1}


async def test_a_blocked_users_heads_hear_of_it_after_their_quiet_hours(
    make_sender, uow_factory, clock, bot, engine
):
    clock.now = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 22:30 in Moscow
    await add_user(uow_factory, clock, 1001, Role.HEAD)
    seller = await add_user(uow_factory, clock, 2000, Role.SELLER)
    await put(uow_factory, clock, notice(1, user=seller))
    bot.queue_response(SendMessage, TelegramForbiddenError(ASK, "Forbidden: bot was blocked"))
    await make_sender(quiet=NIGHT).run_once()
    [told] = [r for r in (await rows(engine)).values() if r.kind == "unreachable"]
    assert told.not_before == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


async def test_run_sends_until_stopped(make_sender, uow_factory, clock, bot):
    await put(uow_factory, clock, notice(1), notice(2, chat=600))
    stop = asyncio.Event()
    sender = make_sender()
    task = asyncio.create_task(sender.run(stop))
    for _ in range(1000):
        if len(delivered(bot)) == 2:
            break
        await asyncio.sleep(0.001)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert delivered(bot) == {"item 1": 1, "item 2": 1}


# Whatever Telegram answers


def chaos(seed: int) -> Callable[[TelegramMethod[Any]], BaseException | None]:
    """Half the requests fail, in every way the sender knows."""
    chance = random.Random(seed)
    errors: list[Callable[[], BaseException]] = [
        lambda: TelegramRetryAfter(ASK, "Too Many Requests", retry_after=chance.randint(1, 30)),
        lambda: TelegramNetworkError(ASK, "Connection reset"),
        lambda: TelegramServerError(ASK, "Internal Server Error"),
        lambda: TimeoutError(),
        lambda: TelegramForbiddenError(ASK, "bot was blocked by the user"),
        lambda: TelegramBadRequest(ASK, "Bad Request: chat not found"),
    ]

    def pick(method: TelegramMethod[Any]) -> BaseException | None:
        return chance.choice(errors)() if chance.random() < 0.5 else None

    return pick


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_whatever_telegram_answers_every_item_ends_sent_or_failed_and_none_twice(
    make_sender, uow_factory, clock, bot, engine, seed
):
    users = [await add_user(uow_factory, clock, 3000 + n, Role.SELLER) for n in range(8)]
    await put(uow_factory, clock, *(notice(n, user=users[n % 8]) for n in range(40)))
    bot.session.chaos = chaos(seed)
    await drain(make_sender(max_attempts=4), clock, engine, rounds=2000)

    state = {k: r for k, r in (await rows(engine)).items() if r.kind == "test"}
    assert len(state) == 40
    assert {r.status for r in state.values()} <= {"sent", "failed"}
    assert all(r.error for r in state.values() if r.status == "failed")
    accepted = delivered(bot)
    assert all(n == 1 for n in accepted.values())
    assert {k for k, r in state.items() if r.status == "sent"} == {
        f"test:{text.split()[1]}" for text in accepted
    }
