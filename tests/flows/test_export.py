"""/export: a head picks a period and a format and gets the team's work as a file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
from aiogram.methods import SendChatAction, SendDocument
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.plans import Plan
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person
from tests.flows.test_deals import create
from tests.flows.test_lists import seed
from tests.flows.test_reminders import make_task
from tests.flows.test_surveys import client_opens_link

DEAL_HEADERS = (
    "№",
    "Сделка",
    "Клиент",
    "Воронка",
    "Этап",
    "Статус",
    "Сумма",
    "Валюта",
    "Ответственный",
    "Канал",
    "Продукт",
    "Новый клиент",
    "Создана",
    "Ожидаемое закрытие",
    "Закрыта",
    "Причина проигрыша",
)


@pytest.fixture
async def head(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(3000, "Helen", "ru")
    await join(admin, newcomer, "руководитель")
    return newcomer


async def export(who: Person, period: str = "Этот месяц", fmt: str = "XLSX") -> bytes:
    await who.send("/export")
    assert who.text.startswith("📦 <b>Выгрузка</b> сделок, задач, планов и ответов NPS.")
    await who.press(period)
    assert who.text == f"📦 <b>Выгрузка</b> за период: {period}. В каком формате?"
    await who.press(fmt)
    assert any(isinstance(r, SendChatAction) and r.action == "upload_document" for r in who.replies)
    [content] = who.documents.values()
    return content


def sheet(data: bytes, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return list(book[name].iter_rows(values_only=True))


async def save_plan(uow_factory: SqlUnitOfWorkFactory, who: Person, month: date) -> None:
    async with uow_factory() as uow:
        user = await uow.users.by_tg(TelegramId(who.tg_id))
        assert user is not None
        plan = Plan(user.id, month, revenue=500_000_00, won_deals=3)
        await uow.plans.save([plan], by=None, now=datetime(2026, 11, 1, tzinfo=UTC))
        await uow.commit()


async def test_a_head_exports_this_month_as_a_workbook(
    head: Person,
    seller: Person,
    person: Callable[..., Person],
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    client = await client_opens_link(seller, person)  # a won deal "Ромашка", 150 000 ₽
    await client.press_data(client.find_button("9")[1])
    await create(seller, "Бета", "2000,50")
    await make_task(seller, "Позвонить в Бету", "через 2 часа")
    await save_plan(uow_factory, seller, date(2026, 11, 1))
    await save_plan(uow_factory, seller, date(2026, 10, 1))  # not this month

    data = await export(head)
    [sent] = [r for r in head.replies if isinstance(r, SendDocument)]
    assert [*head.documents] == ["export-2026-11-01-2026-11-30.xlsx"]
    assert sent.caption == (
        "📦 Выгрузка по команде, 01.11.2026 — 30.11.2026\n"
        "Сделок: 2 · задач: 1 · планов: 1 · ответов NPS: 1"
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Сделки", "Задачи", "Планы", "Ответы NPS"]
    deals = book["Сделки"]
    assert deals.freeze_panes == "A2"
    assert deals["A1"].font.b
    assert deals.auto_filter.ref == "A1:P3"
    rows = list(deals.iter_rows(values_only=True))
    assert rows[0] == DEAL_HEADERS
    won, beta = rows[1], rows[2]
    assert won[1:9] == (
        "Ромашка",
        "Ромашка",
        "Новые клиенты",
        "Первый контакт",
        "выиграна",
        150000.0,
        "RUB",
        "Sergey",
    )
    assert won[12] == datetime(2026, 11, 23, 10, 0)  # Moscow time, a real date
    assert won[14] == datetime(2026, 11, 23, 10, 0)
    assert beta[1] == "Бета" and beta[5] == "открыта" and beta[6] == 2000.5 and beta[14] is None
    assert deals["G2"].number_format == "#,##0.00"
    assert deals["M2"].number_format == "yyyy-mm-dd hh:mm"

    tasks = sheet(data, "Задачи")
    assert tasks[0] == (
        "№",
        "№ сделки",
        "Сделка",
        "Задача",
        "Исполнитель",
        "Статус",
        "Срок",
        "Создана",
        "Выполнена",
    )
    assert tasks[1][3:8] == (
        "Позвонить в Бету",
        "Sergey",
        "открыта",
        datetime(2026, 11, 23, 12, 0),
        datetime(2026, 11, 23, 10, 0),
    )
    plans = sheet(data, "Планы")
    assert plans == [
        (
            "Месяц",
            "Менеджер",
            "План выручки",
            "План выигранных сделок",
            "План встреч",
            "План КП",
        ),
        (datetime(2026, 11, 1), "Sergey", 500000.0, 3, None, None),
    ]
    answers = sheet(data, "Ответы NPS")
    assert answers[0] == (
        "Дата ответа",
        "Оценка",
        "Группа",
        "Клиент",
        "Менеджер",
        "Воронка",
        "Сделка",
        "Комментарий",
    )
    assert answers[1] == (
        datetime(2026, 11, 23, 10, 0),
        9,
        "промоутер",
        "Ромашка",
        "Sergey",
        "Новые клиенты",
        "Ромашка",
        None,
    )


async def test_the_csv_variant_is_a_zip_of_files_excel_opens_in_cyrillic(
    admin: Person, seller: Person
) -> None:
    await create(seller, "Ромашка")
    data = await export(admin, fmt="CSV")
    assert [*admin.documents] == ["export-2026-11-01-2026-11-30.zip"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["deals.csv", "tasks.csv", "plans.csv", "answers.csv"]
    raw = archive.read("deals.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == DEAL_HEADERS
    assert rows[1][1:9] == [
        "Ромашка",
        "Ромашка",
        "Новые клиенты",
        "Первый контакт",
        "открыта",
        "150000.00",
        "RUB",
        "Sergey",
    ]
    assert rows[1][12] == "2026-11-23 10:00"
    assert len(rows) == 2
    assert archive.read("answers.csv").decode("utf-8-sig").splitlines() == [
        "Дата ответа,Оценка,Группа,Клиент,Менеджер,Воронка,Сделка,Комментарий"
    ]


async def test_a_seller_exports_only_their_own_work(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    olga = person(2001, "Olga", "ru")
    await join(admin, olga, "менеджер")
    await create(seller, "Мой клиент")
    await create(olga, "Чужой клиент")
    await make_task(olga, "Чужая задача", "через 2 часа")
    await save_plan(uow_factory, olga, date(2026, 11, 1))

    data = await export(seller)
    caption = next(r.caption for r in seller.replies if isinstance(r, SendDocument))
    assert caption is not None and caption.startswith("📦 Выгрузка по моим делам")
    assert [r[1] for r in sheet(data, "Сделки")[1:]] == ["Мой клиент"]
    assert sheet(data, "Задачи")[1:] == []
    assert sheet(data, "Планы")[1:] == []

    whole = await export(admin)
    assert [r[1] for r in sheet(whole, "Сделки")[1:]] == ["Мой клиент", "Чужой клиент"]


async def test_a_deal_counts_in_each_period_it_was_alive(seller: Person, clock: FakeClock) -> None:
    await create(seller, "Закрытая")
    await seller.press("✅ Успешно")
    await create(seller, "Открытая")
    clock.advance(days=10)  # 3 December

    december = await export(seller)
    assert [r[1] for r in sheet(december, "Сделки")[1:]] == ["Открытая"]
    november = await export(seller, "Прошлый месяц")
    assert [r[1] for r in sheet(november, "Сделки")[1:]] == ["Закрытая", "Открытая"]
    assert [*seller.documents] == ["export-2026-11-01-2026-11-30.xlsx"]
    everything = await export(seller, "Всё время")
    assert [*seller.documents] == ["export-all-2026-12-03.xlsx"]
    assert len(sheet(everything, "Сделки")) == 3


async def test_the_export_asks_the_database_the_same_number_of_times_for_more_deals(
    admin: Person,
    seller: Person,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        counts = []
        for names in (["Альфа"], [f"Клиент {i}" for i in range(30)]):
            await seed(uow_factory, seller.tg_id, names, clock)
            statements.clear()
            data = await export(admin)
            counts.append(len(statements))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert len(sheet(data, "Сделки")) == 1 + 31
    assert counts[0] == counts[1] > 4  # the four tables and the update's own reads


async def test_an_empty_period_still_gives_a_file_with_the_headings(
    admin: Person, seller: Person
) -> None:
    await create(seller, "Ромашка")
    data = await export(admin, "Прошлый месяц")
    assert admin.text == "За этот период данных нет: в файле только заголовки."
    assert sheet(data, "Сделки") == [DEAL_HEADERS]
    assert len(sheet(data, "Ответы NPS")) == 1


async def test_a_client_and_a_stranger_are_refused(
    seller: Person, person: Callable[..., Person]
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("9")[1])
    await client.send("Всё отлично")
    await client.send("/export")
    assert client.text.startswith("Спасибо, что вы с нами! Здесь я только задаю вопросы")
    await client.press_data("exf:m:xlsx")
    assert client.alert is not None and client.alert.startswith("Спасибо, что вы с нами!")
    stranger = person(7777, "Nobody")
    await stranger.send("/export")
    assert stranger.text.startswith("Здравствуйте! Этот бот работает только для сотрудников")
    await stranger.press_data("exp:m")
    assert stranger.alert is not None and stranger.alert.startswith("Здравствуйте!")
    assert not stranger.documents and not client.documents


@pytest.mark.parametrize("data", ["exp:zz", "exf:m:pdf", "exf:m", "exf:century:xlsx"])
async def test_forged_buttons_get_a_polite_alert(admin: Person, data: str) -> None:
    await admin.press_data(data)
    assert admin.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
    assert not admin.documents


async def test_the_export_speaks_english_to_an_english_head(
    admin: Person, person: Callable[..., Person]
) -> None:
    helen = person(3001, "Helen", "en")
    await join(admin, helen, "руководитель")
    await helen.send("/export")
    await helen.press("This month")
    assert helen.text == "📦 <b>Export</b>: This month. Which format?"  # not "for This month"
    await helen.press("XLSX")
    [data] = helen.documents.values()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Deals", "Tasks", "Plans", "NPS answers"]
    assert helen.text == "No data for the period: the file has the headings only."
