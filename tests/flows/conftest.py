"""A dispatcher over a real migrated database, a mocked bot, and people to talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Dispatcher

from bot.app import build_dispatcher
from bot.services.team import prepare_installation
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.harness import Person
from tests.mocked_bot import MockedBot

ADMIN_ID = 1000


@pytest.fixture(params=["ru"])
def team_language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def dp(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, team_language: str
) -> AsyncIterator[Dispatcher]:
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN_ID], team_language)
    dispatcher = build_dispatcher(
        uow_factory, admins=[ADMIN_ID], language=team_language, clock=clock
    )
    yield dispatcher
    await dispatcher.storage.close()


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
    await join(admin, newcomer, "менеджер")
    return newcomer
