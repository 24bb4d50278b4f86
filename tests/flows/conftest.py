"""A dispatcher over a real migrated database, a mocked bot, and people to talk to it."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher, Router

from bot.app import bot_routers, build_dispatcher
from bot.domain.company import CompanySettings
from bot.domain.notices import DeliveryPolicy, Notice
from bot.jobs import agenda, digest, reminders, stalled
from bot.jobs.context import JobContext
from bot.jobs.scheduler import JOBS
from bot.jobs.sender import Sender
from bot.services.team import prepare_installation
from handlers.notices import TelegramNotifier
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import DIALECTS, FakeClock, database_url
from tests.flows.harness import Person, said
from tests.mocked_bot import MockedBot

ADMIN_ID = 1000

# A flow runs on SQLite; these run on PostgreSQL too, because what they go through differs by
# dialect in storage: writers at once (row locks, the advisory lock, the outbox claimed with
# SKIP LOCKED), the outbox and its lists (INSERT … ON CONFLICT), the jobs' runs and due times
# (claims by ON CONFLICT, time zones: PostgreSQL keeps them, SQLite does not), the digest's and
# the reports' aggregates (CASE, window functions, PostgreSQL's stricter types), a member's
# work handed off (an UPDATE by CASE), the search's order and pages (the client match and the
# plain-text search too), and the one-tap moves from reminders and stall alerts. Every line of
# storage that differs by dialect is checked to run on PostgreSQL (tests/dialect_coverage.py);
# storage's and the integration tests run on both.
ON_POSTGRES_TOO = {
    "test_contention",
    "test_delivery",
    "test_notice_lists",
    "test_reminders",
    "test_digest",
    "test_reports",
    "test_members",
    "test_lists",
    "test_quick_deal",
    "test_plain_find",
    "test_next_step",
    "test_one_tap",
    "test_deal_contacts",
    "test_deal_inbox",
    "test_calendar",
    "test_digest_days",
    "test_standup",
    "test_escalation",
}


# Timed against SQLite's busy timeout cut to 5 ms: beside another busy worker it fails on a
# loaded machine, so `make test` runs it after the parallel part, by itself, with the e2e tests.
ALONE = {"test_contention"}


def pytest_itemcollected(item: pytest.Item) -> None:
    if item.path.parent == Path(__file__).parent and item.path.stem in ALONE:
        item.add_marker(pytest.mark.alone)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        dialects = DIALECTS if module in ON_POSTGRES_TOO else ["sqlite"]
        metafunc.parametrize("db_url", dialects, indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The flow's database: SQLite, or for ON_POSTGRES_TOO each dialect in turn."""
    return database_url(request.param, request, tmp_path)


@pytest.fixture(autouse=True)
def no_errors_in_the_log(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Bad input is the user's to fix: it must never reach the log as an error."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture(params=["ru"])
def team_language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def dp(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, team_language: str
) -> AsyncIterator[Dispatcher]:
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN_ID], team_language)
    routers = _routers()
    dispatcher = build_dispatcher(
        uow_factory, admins=[ADMIN_ID], language=team_language, clock=clock, routers=routers
    )
    yield dispatcher
    await dispatcher.storage.close()
    # Lent back: aiogram attaches a router to one parent for good, so it is taken off by hand.
    dispatcher.sub_routers.remove(routers)
    routers._parent_router = None


@functools.cache
def _routers() -> Router:
    """The bot's routers, built once per test process and lent to each flow's dispatcher in
    turn: building them costs ~50 ms (aiogram reads the signature of each of ~1,400 handlers
    and filters), a tenth of a flow test's CPU. They hold no state of their own (bot/app.py)."""
    return bot_routers()


@pytest.fixture
def bot() -> MockedBot:
    return MockedBot()


@pytest.fixture
def person(dp: Dispatcher, bot: MockedBot) -> Callable[..., Person]:
    def make(
        tg_id: int, name: str = "Ivan", lang: str = "ru", username: str | None = None
    ) -> Person:
        return Person(dp, bot, tg_id, name, lang, username)

    return make


@pytest.fixture
def admin(person: Callable[..., Person]) -> Person:
    return person(ADMIN_ID, "Anna", "ru")


async def join(inviter: Person, newcomer: Person, role_label: str) -> None:
    """The inviter makes a link for the role; the newcomer opens it."""
    await inviter.send("/invite")
    await inviter.press(role_label)
    link = inviter.text.split("?start=")[1].split()[0]
    await newcomer.send(f"/start {link}")


@pytest.fixture
async def seller(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(2000, "Sergey", "ru")
    await join(admin, newcomer, said("role.seller"))
    return newcomer


class Jobs:
    """The scheduled side of the bot, run by hand: jobs queue notices, the sender delivers."""

    def __init__(self, ctx: JobContext, sender: Sender, clock: FakeClock) -> None:
        self.ctx, self.sender, self.clock = ctx, sender, clock

    async def tick(self) -> int:
        """One run of every job, then deliver whatever is due now."""
        for job, _ in JOBS:
            await job(self.ctx)
        return await self.deliver()

    async def deliver(self) -> int:
        """Send what is due, letting a few seconds pass for the per-chat spacing."""
        sent, idle = 0, 0
        for _ in range(50):  # bounded: a test never hangs on a stuck outbox
            done = await self.sender.run_once()
            sent += done
            idle = 0 if done else idle + 1
            if idle == 5:  # past LIST_GATHER, the moment lists wait to be sent together
                break
            if not done:
                self.clock.advance(seconds=1.1)
        return sent


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[Notice]:
    """Every notice the jobs queue, as they built it: albums, entries, refs and expiry
    included, which the sender's tests see only once the outbox keeps them."""
    seen: list[Notice] = []
    for module in (agenda, digest, reminders, stalled):

        async def spy(uow: Any, notices: Any, *args: Any, _enqueue: Any = module.enqueue) -> int:
            seen.extend(notices)
            return int(await _enqueue(uow, notices, *args))

        monkeypatch.setattr(module, "enqueue", spy)
    return seen


@pytest.fixture
def jobs(
    bot: MockedBot, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, team_language: str
) -> Jobs:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    defaults = CompanySettings(language=team_language)  # as the dispatcher's, like bot.app
    ctx = JobContext(
        uow_factory=uow_factory,
        clock=clock,
        notifier=TelegramNotifier.of(defaults),
        defaults=defaults,
    )
    sender = Sender(
        bot,
        uow_factory,
        clock,
        DeliveryPolicy(),
        "test",
        ctx.defaults.tz,
        ctx.defaults.quiet,
        ctx.notifier,
        sleep,
    )
    return Jobs(ctx, sender, clock)
