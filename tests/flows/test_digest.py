"""The morning stand-up digest: heads get the figures and pictures, sellers their line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
)
from aiogram.types import BufferedInputFile
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.company import CompanySettings
from bot.domain.ids import UserId
from bot.domain.notices import Notice
from bot.domain.plans import Plan
from bot.jobs.context import JobContext
from bot.jobs.digest import send_morning_digest
from handlers.digest.callbacks import DigestCb, DigestView
from handlers.notices import TelegramNotifier
from storage.models import DealRow, UserRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.flows.test_reminders import make_task
from tests.mocked_bot import MockedBot

PNG = b"\x89PNG\r\n\x1a\n"
MSK = timedelta(hours=3)


def texts_to(bot: MockedBot, chat_id: int) -> list[str]:
    return [
        r.text.replace("\u00a0", " ")
        for r in bot.sent(SendMessage)
        if r.chat_id == chat_id and r.text is not None
    ]


def digests_to(bot: MockedBot, chat_id: int) -> list[str]:
    return [t for t in texts_to(bot, chat_id) if t.startswith("📊")]


def photos_to(bot: MockedBot, chat_id: int) -> list[bytes]:
    photos = [r.photo for r in bot.sent(SendPhoto) if r.chat_id == chat_id]
    return [p.data for p in photos if isinstance(p, BufferedInputFile)]


def msk(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC) - MSK


async def _close(engine: AsyncEngine, title: str, status: str, at: datetime, new: bool) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(DealRow)
            .where(DealRow.title == title)
            .values(status=status, closed_at=at, is_new_client=new)
        )


async def _user_id(engine: AsyncEngine, tg_id: int) -> UserId:
    async with engine.connect() as conn:
        return UserId(
            (await conn.execute(select(UserRow.id).where(UserRow.tg_id == tg_id))).one()[0]
        )


@pytest.fixture
async def kate(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(2700, "Kate", "ru")
    await join(admin, newcomer, said("role.seller"))
    return newcomer


@pytest.fixture
async def seeded(
    seller: Person,
    kate: Person,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    """November 2026 (20 working days in Russia: the 4th, Unity Day, is off): Sergey plans 2.1 M and has won 450 000, Kate plans
    1 M and has won 100 000; one deal lost, one big deal open and stalled, a task overdue."""
    for title, amount in (("Альфа", "300000"), ("Бета", "150000"), ("Гамма", "10000000")):
        await create(seller, title, amount)
    await create(kate, "Дельта", "100000")
    await create(kate, "Эпсилон", "200000")
    await make_task(seller, "Позвонить", "сегодня 12:00")
    await _close(engine, "Альфа", "won", msk(10, 12), new=True)
    await _close(engine, "Бета", "won", msk(23, 15), new=False)  # yesterday, seen from the 24th
    await _close(engine, "Дельта", "won", msk(5, 12), new=True)
    await _close(engine, "Эпсилон", "lost", msk(20, 12), new=True)
    async with engine.begin() as conn:
        await conn.execute(
            update(DealRow)
            .where(DealRow.title == "Гамма")
            .values(stage_entered_at=clock.now - timedelta(days=5))
        )
    sergey_id, kate_id = await _user_id(engine, seller.tg_id), await _user_id(engine, kate.tg_id)
    async with uow_factory() as uow:
        month = date(2026, 11, 1)
        await uow.plans.save(
            [Plan(sergey_id, month, 210_000_000), Plan(kate_id, month, 100_000_000)],
            None,
            clock.now,
        )
        await uow.commit()


async def test_heads_get_the_figures_and_pictures_and_sellers_their_line(
    admin: Person,
    seller: Person,
    kate: Person,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    queued: list[Notice],
    seeded: None,
) -> None:
    clock.now = msk(24, 9)  # Tuesday 09:00
    bot.clear()
    await jobs.tick()
    [digest] = digests_to(bot, admin.tg_id)
    assert digest.startswith(said("digest.title", day="24.11"))
    # Yesterday: Бета won; the daily plan is 3 100 000 / 20 working days (4 November off).
    yesterday = said(
        "digest.yesterday", won=1, amount="150 000 ₽", plan="155 000 ₽", percent="97 %"
    )
    assert yesterday in digest
    assert said.part("digest.activity", new=5) in digest
    # 550 000 of 3 100 000; 15 working days passed (2-23 November less the 4th), 5 left
    # including today: 550 000 / 15 × 20 = 733 333.33.
    assert said("digest.month", fact="550 000 ₽", plan="3 100 000 ₽", percent="18 %") in digest
    assert said("digest.forecast", forecast="733 333 ₽", gap="2 366 667 ₽") in digest
    assert said("digest.needed", needed="510 000 ₽", left=5) in digest
    # Гамма: 10 M at 10 %: 1 M weighted against the 2 550 000 still to do.
    pipeline = said("digest.pipeline", open="10 000 000 ₽", weighted="1 000 000 ₽", coverage="0,4×")
    assert pipeline in digest
    assert said("digest.coverage_low", level=3) in digest
    assert "Новые клиенты: Первый контакт</b>" not in digest
    assert (
        said("digest.leak", stage="Новые клиенты: Первый контакт", count=1, amount="200 000 ₽")
        in digest
    )
    assert (
        said(
            "digest.clients",
            new_count=2,
            new_amount="400 000 ₽",
            cur_count=1,
            cur_amount="150 000 ₽",
        )
        in digest
    )
    sergey_plan = {"fact": "450 000 ₽", "plan": "2 100 000 ₽", "percent": "21 %"}
    assert said(
        "digest.seller", mark="🏆 ", place="1.", name="Sergey", **sergey_plan, won=1, overdue=1,
        bare=1, stalled=1, nps=said("digest.no_data"),
    ) in digest  # fmt: skip
    kate_plan = {"fact": "100 000 ₽", "plan": "1 000 000 ₽", "percent": "10 %"}
    line = said.part(
        "digest.seller", mark="🔻 ", place="2.", name="Kate", **kate_plan, won=0, overdue=0
    )
    assert line in digest
    # One unit: the text, then its three pictures as one album, until that day is over.
    [unit] = [n for n in queued if n.chat_id == admin.tg_id and n.kind == "digest"]
    assert unit.text.replace("\u00a0", " ") == digest
    assert len(unit.album) == 3 and all(p.startswith(PNG) and len(p) > 5000 for p in unit.album)
    assert unit.expires_at == msk(25, 0)  # midnight in Moscow
    assert [t for t in texts_to(bot, seller.tg_id) if t.startswith("🎯")] == [
        said("digest.line", name="Sergey", **sergey_plan, needed="330 000 ₽", overdue=1)
    ]
    assert [t for t in texts_to(bot, kate.tg_id) if t.startswith("🎯")] == [
        said("digest.line", name="Kate", **kate_plan, needed="180 000 ₽", overdue=0)
    ]
    assert photos_to(bot, seller.tg_id) == []  # the pictures are the heads'
    assert not [n.album for n in queued if n.chat_id in (seller.tg_id, kate.tg_id) and n.album]
    assert {n.expires_at for n in queued if n.kind == "digest_line"} == {msk(25, 0)}


async def test_a_head_gets_the_digest_text_then_its_pictures_as_one_album(
    admin: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, seeded: None
) -> None:
    clock.now = msk(24, 9)
    bot.clear()
    await jobs.tick()
    to_admin = [r for r in bot.requests if getattr(r, "chat_id", None) == admin.tg_id]
    at = next(
        i for i, r in enumerate(to_admin) if isinstance(r, SendMessage) and r.text.startswith("📊")
    )
    album = to_admin[at + 1]
    assert isinstance(album, SendMediaGroup)
    assert [m.media.data[:8] for m in album.media if isinstance(m.media, BufferedInputFile)] == [
        PNG
    ] * 3


async def test_never_twice_not_even_from_a_second_process(
    admin: Person,
    uow_factory: SqlUnitOfWorkFactory,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    queued: list[Notice],
    seeded: None,
) -> None:
    clock.now = msk(24, 9)
    bot.clear()
    await jobs.tick()
    other_process = JobContext(
        uow_factory=uow_factory, clock=clock, notifier=TelegramNotifier.of(CompanySettings())
    )
    assert await send_morning_digest(other_process) == 0
    clock.advance(hours=2)
    await jobs.tick()
    assert len(digests_to(bot, admin.tg_id)) == 1
    assert len([n for n in queued if n.chat_id == admin.tg_id and n.kind == "digest"]) == 1


async def test_a_late_start_that_morning_still_sends_it_once(
    admin: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, seeded: None
) -> None:
    clock.now = msk(24, 8)  # before the digest time: nothing yet
    bot.clear()
    await jobs.tick()
    assert digests_to(bot, admin.tg_id) == []
    clock.now = msk(24, 14)  # the bot was down at 09:00 and comes back after lunch
    await jobs.tick()
    assert len(digests_to(bot, admin.tg_id)) == 1


async def test_nothing_on_a_weekend(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, seeded: None
) -> None:
    clock.now = msk(28, 9)  # Saturday
    bot.clear()
    await jobs.tick()
    assert digests_to(bot, admin.tg_id) == []
    assert [t for t in texts_to(bot, seller.tg_id) if t.startswith("🎯")] == []


async def test_an_empty_team_gets_no_digest(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    clock.now = msk(24, 9)
    bot.clear()
    await jobs.tick()
    assert digests_to(bot, admin.tg_id) == []
    assert photos_to(bot, admin.tg_id) == []


async def test_the_buttons_drill_down_for_heads_only(
    admin: Person,
    seller: Person,
    engine: AsyncEngine,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    seeded: None,
) -> None:
    clock.now = msk(24, 9)
    await jobs.tick()
    await admin.press("👤 Sergey")
    assert admin.text.startswith(said("digest.seller_deals", name="Sergey"))
    assert "Гамма" in admin.text and "Альфа" not in admin.text
    await admin.press(said("digest.btn.overdue"))
    assert admin.text.startswith(said("digest.overdue_title", count=1))
    assert "Позвонить" in admin.text and "Sergey" in admin.text
    await admin.press(said("digest.btn.stalled"))
    assert "Гамма" in admin.text
    # A seller replaying a head's button, and a forged seller id, get a polite answer.
    sergey_id = await _user_id(engine, seller.tg_id)
    await seller.press_data(DigestCb(view=DigestView.SELLER, seller_id=sergey_id).pack())
    assert seller.alert == said("digest.heads_only")
    await admin.press_data(DigestCb(view=DigestView.SELLER, seller_id=99_999).pack())
    assert admin.alert == said("digest.gone")
    await seller.send("/digest")
    assert seller.text == said("digest.heads_only")


async def test_the_stalled_button_lists_the_deals_apart_and_keeps_the_digest(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, seeded: None
) -> None:
    """Found in the sandbox: the stalled list replaced the digest text it was pressed on."""
    clock.now = msk(24, 9)
    await jobs.tick()
    digest, _ = admin.find_button(said("digest.btn.stalled"))
    replies = await admin.press(said("digest.btn.stalled"))
    assert not [r for r in replies if isinstance(r, EditMessageText | EditMessageReplyMarkup)]
    [listing] = [r for r in replies if isinstance(r, SendMessage)]
    assert "Гамма" in listing.text and "Альфа" not in listing.text
    assert admin.find_button(said("digest.btn.stalled"))[0].message_id == digest.message_id
    await seller.press_data(DigestCb(view=DigestView.STALLED).pack())
    assert seller.alert == said("digest.heads_only")


async def test_a_pace_ahead_of_the_plan_reads_as_ahead_not_as_a_negative_gap(
    admin: Person,
    seller: Person,
    kate: Person,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    seeded: None,
) -> None:
    sergey_id, kate_id = await _user_id(engine, seller.tg_id), await _user_id(engine, kate.tg_id)
    async with uow_factory() as uow:  # 550 000 won in 15 of 20 days: 733 333 at this pace
        month = date(2026, 11, 1)
        await uow.plans.save(
            [Plan(sergey_id, month, 30_000_000), Plan(kate_id, month, 20_000_000)],
            None,
            clock.now,
        )
        await uow.commit()
    clock.now = msk(24, 9)
    await jobs.tick()
    [digest] = digests_to(bot, admin.tg_id)
    assert said("digest.forecast_ahead", forecast="733 333 ₽", gap="233 333 ₽") in digest
    assert "−" not in digest.split(said("digest.label.forecast"))[1].split("\n")[0]


async def test_a_head_asks_for_the_digest_on_demand(
    admin: Person, clock: FakeClock, bot: MockedBot, seeded: None
) -> None:
    clock.now = msk(24, 16)
    await admin.send("/digest")
    assert admin.texts[0].replace("\u00a0", " ").startswith(said("digest.title", day="24.11"))
    assert "Sergey" in admin.texts[0]


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_an_english_head_reads_it_in_english(
    admin: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    queued: list[Notice],
    team_language: str,
) -> None:
    admin.lang = "en"
    en = said.of(team_language)
    await admin.send("/invite")
    await admin.press(en("role.seller"))
    token = admin.text.split("?start=")[1].split()[0]
    sam = person(2100, "Sam", "en")
    await sam.send(f"/start {token}")
    await create(sam, "Acme", "300000")
    await _close(engine, "Acme", "won", msk(23, 15), new=True)
    sam_id = await _user_id(engine, sam.tg_id)
    async with uow_factory() as uow:
        await uow.plans.save([Plan(sam_id, date(2026, 11, 1), 100_000_000)], None, clock.now)
        await uow.commit()
    clock.now = msk(24, 9)
    bot.clear()
    await jobs.tick()
    [digest] = digests_to(bot, admin.tg_id)
    assert digest.startswith(en("digest.title", day="24.11"))
    plan = {"fact": "₽300,000", "plan": "₽1,000,000", "percent": "30 %"}
    assert en("digest.month", **plan) in digest
    assert en.part("digest.seller", name="Sam", **plan) in digest
    [unit] = [n for n in queued if n.chat_id == admin.tg_id and n.kind == "digest"]
    assert len(unit.album) == 3
    [line] = [t for t in texts_to(bot, sam.tg_id) if t.startswith("🎯")]
    assert line == en("digest.line", name="Sam", **plan, needed="₽140,000", overdue=0)


async def test_a_sellers_deals_from_the_digest_are_theirs_and_page_in_place(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, seeded: None
) -> None:
    """Found in the sandbox: a head opening Sergey's deals read "My open deals", and each
    ▶️ sent one more list instead of turning the page of the one pressed."""
    for n in range(8):  # with Гамма, nine open deals: two pages
        await create(seller, f"Клиент {n}", "1000")
    clock.now = msk(24, 9)
    await jobs.tick()
    await admin.press("👤 Sergey")
    first = admin.text
    assert first.startswith(said("digest.seller_deals", name="Sergey"))
    assert "Мои" not in first
    assert said("digest.seller_deals_count", count=9, page=1, pages=2) in first
    listing, _ = admin.find_button("▶️")
    replies = await admin.press("▶️")
    assert not [r for r in replies if isinstance(r, SendMessage)]
    [edit] = [r for r in replies if isinstance(r, EditMessageText)]
    assert edit.message_id == listing.message_id
    assert (
        edit.text is not None
        and said("digest.seller_deals_count", count=9, page=2, pages=2) in edit.text
        and "Мои" not in edit.text
    )
    await admin.press("◀️")
    assert said("digest.seller_deals_count", count=9, page=1, pages=2) in admin.text
