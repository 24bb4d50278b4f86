"""The sender against a mocked Telegram: every item ends sent or failed with a reason, none twice.

Despite living in `unit`, these run on a real migrated database (SQLite and PostgreSQL): the
outbox's claims and leases are the point. Time is a FakeClock that the sender's sleeps move.
"""

from __future__ import annotations

import asyncio
import os
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
from aiogram.methods import SendMediaGroup, SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.models import Role, User
from bot.domain.notices import DeliveryPolicy, Entry, Notice, QuietHours, task_ref
from bot.jobs.sender import Sender, _is_dead, owner_name
from bot.services.notify import LIST_GATHER, enqueue
from storage.db import make_engine, make_sessions
from storage.models import OutboxFileRow, OutboxRow, UserRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.mocked_bot import MockedBot, MockedSession

MOSCOW = ZoneInfo("Europe/Moscow")
NIGHT = QuietHours()
ASK = SendMessage(chat_id=1, text="x")  # the method an exception says it came from


class Texts:
    """The notifier's words, plainly: a list is its header by `why`, then its entries."""

    def compose(self, reader, entries, why):
        lines = [f"[{why.value}] {len(entries)} for {reader.name if reader else '-'}"]
        lines += [e.text for e in entries]
        rows = [list(row) for e in entries for row in e.buttons]
        return "\n".join(lines), ({"inline_keyboard": rows} if rows else None)

    def unreachable(self, head: User, user: User) -> str:
        return f"{user.name} blocked the bot (for {head.name})"


blocked_text = Texts()


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
        # To the next moment something becomes claimable (a retry, a lease running out).
        ahead = [t for r in waiting if (t := r.lease_until or r.retry_at or r.not_before) > clock()]
        clock.now = min(ahead) if ahead else clock.now + timedelta(seconds=1)
        clock.advance(seconds=0.001)
    left = [
        (r.id, r.chat_id, r.status, r.retry_at, r.error)
        for r in (await rows(engine)).values()
        if r.status in ("pending", "sending")
    ]
    raise AssertionError(f"the outbox did not drain at {clock()}: {left}")


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
    assert state["test:1"].retry_at == start + timedelta(seconds=5)
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
    assert (row.status, row.attempts, row.retry_at) == (
        "pending",
        1,
        start + timedelta(seconds=2),
    )
    assert row.error is not None and row.error.startswith("network: ")
    clock.advance(seconds=2)
    await sender.run_once()
    row = (await rows(engine))["test:1"]
    # The second try waited for the next step of the send grid after the pause: a few ms.
    assert row.attempts == 2
    assert timedelta(0) <= row.retry_at - (start + timedelta(seconds=6)) < timedelta(seconds=0.1)
    clock.advance(seconds=4)
    await sender.run_once()
    assert (await rows(engine))["test:1"].status == "sent"
    assert len(bot.sent(SendMessage)) == 3
    assert delivered(bot) == {"item 1": 1}


async def test_a_notice_is_retried_through_a_long_outage_and_dropped_only_once_expired(
    make_sender, uow_factory, clock, bot, engine
):
    start = clock()
    expiry = start + timedelta(hours=2)
    await put(uow_factory, clock, notice(1), notice(2, chat=600, expires_at=expiry))
    bot.session.chaos = lambda method: TelegramNetworkError(ASK, "Connection refused")
    sender = make_sender()
    while clock() < start + timedelta(hours=3):
        await sender.run_once()
        clock.advance(seconds=7)
    state = await rows(engine)
    # Three hours of refusals: the backoff stays capped, no attempt limit gives up on item 1.
    assert state["test:1"].status == "pending" and state["test:1"].attempts > 100
    assert (state["test:2"].status, state["test:2"].error) == ("dropped", "expired")
    bot.session.chaos = None
    await drain(sender, clock, engine)
    assert delivered(bot) == {"item 1": 1}


# Refusals


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            TelegramBadRequest(ASK, "Bad Request: message is too long"),
            "bad request: Bad Request: message is too long",
        ),
        (
            TelegramNotFound(ASK, "Not Found"),
            "TelegramNotFound: Not Found",
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
    sender = make_sender(hold_seconds=600.0)
    await sender.run_once()
    state = await rows(engine)
    held = [r for r in state.values() if r.status == "pending" and r.retry_at]
    assert held and all(r.attempts == 0 for r in held)
    assert all(r.retry_at >= start + timedelta(seconds=600) for r in held), [
        (r.retry_at, r.error) for r in held
    ]
    clock.advance(seconds=300)
    assert await sender.run_once() == 0
    await drain(sender, clock, engine)
    assert delivered(bot) == {"item 1": 1, "item 2": 1}


async def test_a_notice_for_an_inactive_user_is_dropped_without_a_request(
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
    assert (row.status, row.error) == ("dropped", "inactive")
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
    await drain(make_sender(), clock, engine, rounds=4000)

    state = {k: r for k, r in (await rows(engine)).items() if r.kind == "test"}
    assert len(state) == 40
    assert {r.status for r in state.values()} <= {"sent", "failed"}
    assert all(r.error for r in state.values() if r.status == "failed")
    accepted = delivered(bot)
    assert all(n == 1 for n in accepted.values())
    assert {k for k, r in state.items() if r.status == "sent"} == {
        f"test:{text.split()[1]}" for text in accepted
    }


# Order, units, relevance, merging: what a person meets after faults


def texts_to(bot: MockedBot, chat: int) -> list[str]:
    """What reached the chat, in order: texts, captions, and '[album of N]'."""
    session: TimedSession = bot.session  # type: ignore[assignment]
    seen = []
    for _, m, ok in session.log:
        if not ok or getattr(m, "chat_id", None) != chat:
            continue
        if isinstance(m, SendMediaGroup):
            seen.append(f"[album of {len(m.media)}]")
        else:
            seen.append(getattr(m, "text", None) or getattr(m, "caption", None) or "")
    return seen


async def test_a_chats_notices_keep_their_order_through_retries(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, *(notice(n) for n in range(1, 6)), notice(9, chat=600))
    failures = iter([True, False, True, True, False] + [False] * 50)

    def flaky(method: TelegramMethod[Any]) -> BaseException | None:
        if getattr(method, "chat_id", None) == 500 and next(failures):
            return TelegramServerError(ASK, "Bad Gateway")
        return None

    bot.session.chaos = flaky
    await drain(make_sender(), clock, engine)
    assert texts_to(bot, 500) == [f"item {n}" for n in range(1, 6)]
    assert delivered(bot)["item 9"] == 1


async def test_429_on_one_item_holds_the_rest_of_its_chat_behind_it(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, notice(1), notice(2), notice(3))
    bot.queue_response(SendMessage, TelegramRetryAfter(ASK, "Too Many Requests", retry_after=7))
    await drain(make_sender(), clock, engine)
    assert texts_to(bot, 500) == ["item 1", "item 2", "item 3"]


async def test_the_digest_and_its_album_are_one_unit_with_nothing_between(
    make_sender, uow_factory, clock, bot, engine
):
    digest = notice(1, album=(b"png-1", b"png-2", b"png-3"))
    await put(uow_factory, clock, digest, notice(2))
    bot.queue_response(SendMediaGroup, TelegramNetworkError(ASK, "Connection reset"))
    await drain(make_sender(), clock, engine)
    # The album failed once and was retried alone: the text went once, item 2 waited.
    assert texts_to(bot, 500) == ["item 1", "[album of 3]", "item 2"]
    row = (await rows(engine))["test:1"]
    assert (row.status, row.parts_sent) == ("sent", 1)


async def test_a_single_picture_album_goes_as_a_photo(make_sender, uow_factory, clock, bot, engine):
    await put(uow_factory, clock, notice(1, album=(b"png-1",)))
    await drain(make_sender(), clock, engine)
    assert [type(m).__name__ for m in bot.requests] == ["SendMessage", "SendPhoto"]


async def test_a_notice_about_a_task_that_is_gone_is_dropped_not_sent(
    make_sender, uow_factory, clock, bot, engine
):
    due = clock()
    await put(
        uow_factory,
        clock,
        notice(1, ref=task_ref(999, due)),  # no such task: done and deleted, or never was
        notice(2, ref="weather:1"),  # a ref of a kind the outbox does not know stays live
    )
    await drain(make_sender(), clock, engine)
    state = await rows(engine)
    assert (state["test:1"].status, state["test:1"].error) == ("dropped", "stale")
    assert delivered(bot) == {"item 2": 1}


def listed(n: int, chat: int = 500, kind: str = "reminder", ref: str | None = None) -> Notice:
    button = {"text": f"✅ {n}", "callback_data": f"done:{n}"}
    entry = Entry(kind, f"line {n}", ((button,),), ref)
    return Notice(
        TelegramId(chat), kind, f"item {n}", dedup_key=f"test:{n}", entries=(entry,), ref=ref
    )


async def test_lists_due_together_for_one_person_go_as_one_message(
    make_sender, uow_factory, clock, bot, engine
):
    await put(
        uow_factory, clock, listed(1), listed(2, kind="stall"), listed(3), listed(4, chat=600)
    )
    await drain(make_sender(), clock, engine)
    [together] = texts_to(bot, 500)
    assert together.splitlines() == ["[together] 3 for -", "line 1", "line 2", "line 3"]
    markup = bot.sent(SendMessage)[0].reply_markup
    assert markup is not None and len(markup.inline_keyboard) == 3
    assert texts_to(bot, 600) == ["item 4"]  # alone and on time: its own words
    state = await rows(engine)
    assert [state[f"test:{n}"].status for n in (1, 2, 3)] == ["sent", "dropped", "dropped"]
    assert state["test:2"].merged_into == state["test:1"].id


async def test_a_plain_notice_keeps_its_place_between_lists(
    make_sender, uow_factory, clock, bot, engine
):
    # Lists wait LIST_GATHER to be sent together; a plain notice due at that moment, queued
    # between them, goes between them.
    gathered = clock() + LIST_GATHER
    await put(uow_factory, clock, listed(1), notice(2, not_before=gathered), listed(3), listed(4))
    await drain(make_sender(), clock, engine)
    assert [t.splitlines()[0] for t in texts_to(bot, 500)] == [
        "item 1",
        "item 2",
        "[together] 2 for -",
    ]


async def test_after_an_outage_a_persons_waiting_lists_come_as_one_catch_up(
    make_sender, uow_factory, clock, bot, engine
):
    bot.session.chaos = lambda method: TelegramNetworkError(ASK, "Connection refused")
    sender = make_sender()
    for n in range(1, 8):
        await put(uow_factory, clock, listed(n))
        await sender.run_once()
        clock.advance(minutes=1)
    bot.session.chaos = None
    await put(uow_factory, clock, listed(20, chat=600))  # came due after the outage
    await drain(sender, clock, engine)
    [catch_up] = texts_to(bot, 500)
    assert catch_up.splitlines()[0] == "[outage] 7 for -"
    assert catch_up.splitlines()[1:] == [f"line {n}" for n in range(1, 8)]
    assert texts_to(bot, 600) == ["item 20"]


async def test_past_the_hourly_cap_lists_wait_and_go_as_one_summary(
    make_sender, uow_factory, clock, bot, engine
):
    start = clock()
    sender = make_sender(hourly_cap=3)
    for n in range(1, 4):
        await put(uow_factory, clock, listed(n))
        await drain(sender, clock, engine)
        clock.advance(minutes=5)
    for n in range(4, 9):
        await put(uow_factory, clock, listed(n))
        await sender.run_once()
        clock.advance(minutes=5)
    assert len(texts_to(bot, 500)) == 3
    await drain(sender, clock, engine)
    sent = texts_to(bot, 500)
    assert len(sent) == 4
    assert sent[3].splitlines()[0] == "[held] 5 for -"
    summary_at = send_times(bot)[sent[3]]
    assert summary_at >= start + timedelta(hours=1)


async def test_stale_entries_are_left_out_of_a_list(make_sender, uow_factory, clock, bot, engine):
    await put(uow_factory, clock, listed(1, ref=task_ref(999, clock())), listed(2), listed(3))
    await drain(make_sender(), clock, engine)
    [message] = texts_to(bot, 500)
    assert message.splitlines() == ["[together] 2 for -", "line 2", "line 3"]


async def test_a_dead_process_of_this_host_has_its_leases_released_at_start(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, notice(1))
    host, namespace, _, _ = owner_name().split(":")
    dead = f"{host}:{namespace}:{2**22 + 12345}:abc123"  # above any pid this machine hands out
    async with uow_factory() as uow:
        await uow.outbox.claim(dead, clock(), clock() + timedelta(minutes=5), 10)
        await uow.commit()
    sender = make_sender(owner=owner_name())
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    for _ in range(2000):
        if delivered(bot):
            break
        await asyncio.sleep(0.001)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert delivered(bot) == {"item 1": 1}  # long before the five-minute lease ran out


def test_only_a_process_known_to_be_gone_is_dead():
    mine = owner_name()
    host, namespace, pid, _ = mine.split(":")
    assert _is_dead(f"{host}:{namespace}:{pid}:000000", mine)  # an earlier us: same pid
    assert not _is_dead(f"{host}:{namespace}:{os.getppid()}:000000", mine)  # alive
    assert _is_dead(f"{host}:{namespace}:{2**22 + 1}:000000", mine)  # no such pid
    # Another container of the same name, or another host: never released early.
    assert not _is_dead(f"{host}:other:{2**22 + 1}:000000", mine)
    assert not _is_dead(f"elsewhere:{namespace}:{2**22 + 1}:000000", mine)
    assert not _is_dead("worker-1", mine)


async def test_a_notice_committed_late_with_an_earlier_time_waits_for_the_one_in_flight(
    uow_factory, clock
):
    """Found in review: a job reads the clock, renders for a while, then commits a notice
    due at that earlier moment; the chat's list already in flight must not get company."""
    job_now = clock()
    await put(uow_factory, clock, listed(1))
    clock.advance(seconds=LIST_GATHER.total_seconds() + 0.5)
    async with uow_factory() as uow:
        in_flight = await uow.outbox.claim("A", clock(), clock() + timedelta(seconds=60), 10)
        await uow.commit()
    assert [i.notice.text for i in in_flight] == ["item 1"]
    async with uow_factory() as uow:
        await enqueue(uow, [notice(2)], job_now, MOSCOW, None)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.claim("B", clock(), clock() + timedelta(seconds=60), 10) == []
        await uow.commit()


async def test_a_list_held_by_the_cap_does_not_hold_the_chats_other_notices(
    make_sender, uow_factory, clock, bot, engine
):
    sender = make_sender(hourly_cap=2)
    for n in (1, 2):
        await put(uow_factory, clock, notice(n))
        await drain(sender, clock, engine)
        clock.advance(minutes=1)
    await put(uow_factory, clock, listed(3))  # past the cap: held
    clock.advance(seconds=4)
    await sender.run_once()
    queued = clock()
    await put(uow_factory, clock, notice(4))  # a hand-off, say: not a list
    await drain(sender, clock, engine)
    assert send_times(bot)["item 4"] - queued < timedelta(seconds=5)
    [held] = [text for text in texts_to(bot, 500) if text.startswith("[held]")]
    assert send_times(bot)[held] - queued > timedelta(minutes=50)


async def test_while_telegram_is_unreachable_one_probe_goes_not_every_claimed_send(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, *[notice(n, chat=1000 + n) for n in range(30)])
    bot.session.chaos = lambda method: TelegramNetworkError(ASK, "Connection refused")
    await make_sender().run_once()
    assert len(bot.session.log) == 1
    state = await rows(engine)
    assert sum(r.attempts for r in state.values()) == 1


async def test_pictures_of_delivered_notices_are_purged_a_day_later(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, notice(1, album=(b"png-1", b"png-2")), notice(2, album=(b"x",)))
    await drain(make_sender(), clock, engine)
    clock.advance(days=1, seconds=1)
    await put(uow_factory, clock, notice(3, album=(b"still waiting",)))
    async with uow_factory() as uow:
        await uow.outbox.purge_files(clock() - timedelta(days=1))
        await uow.commit()
    async with make_sessions(engine)() as session:
        kept = (await session.scalars(select(OutboxFileRow.data))).all()
    assert kept == [b"still waiting"]


async def test_a_persons_lists_go_a_minute_apart_and_what_comes_between_joins_the_next(
    make_sender, uow_factory, clock, bot, engine
):
    start = clock()
    sender = make_sender()
    await put(uow_factory, clock, listed(1))
    await drain(sender, clock, engine)
    first_at = send_times(bot)["item 1"]
    for n in (2, 3):  # the stall job's next run, a reminder: seconds after the first list
        clock.advance(seconds=10)
        await put(uow_factory, clock, listed(n, kind="stall" if n == 2 else "reminder"))
        await sender.run_once()
    assert texts_to(bot, 500) == ["item 1"]
    await drain(sender, clock, engine)
    _first, second = texts_to(bot, 500)
    assert second.splitlines() == ["[together] 2 for -", "line 2", "line 3"]
    assert send_times(bot)[second] >= first_at + timedelta(seconds=60)
    assert send_times(bot)[second] - start < timedelta(seconds=70)


async def test_a_chat_sent_to_by_another_process_a_moment_ago_waits_its_second(
    make_sender, uow_factory, clock, bot, engine
):
    await put(uow_factory, clock, notice(1))
    await make_sender(owner="worker-1").run_once()  # e.g. a process killed right after
    first_at = send_times(bot)["item 1"]
    clock.advance(seconds=0.3)
    await put(uow_factory, clock, notice(2))
    await drain(make_sender(owner="worker-2"), clock, engine)
    assert send_times(bot)["item 2"] - first_at >= timedelta(seconds=1)


async def test_the_chat_with_the_longest_queue_goes_first_and_each_chat_keeps_its_order(
    uow_factory, clock
):
    """A backlog ends at once in every chat (no tail of one chat's last notices a second
    apart) when the longest queues are served first; within a chat the order is the queue's."""
    await put(uow_factory, clock, notice(1, chat=501))  # the oldest, alone in its chat
    clock.advance(seconds=1)
    await put(uow_factory, clock, *(notice(n, chat=502) for n in (2, 3, 4)))
    lease = timedelta(seconds=60)
    async with uow_factory() as uow:
        [first] = await uow.outbox.claim("A", clock(), clock() + lease, 1)
        [second] = await uow.outbox.claim("A", clock(), clock() + lease, 1)
        await uow.commit()
    assert (first.notice.text, second.notice.text) == ("item 2", "item 1")
