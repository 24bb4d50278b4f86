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
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.flows.test_lists import seed
from tests.flows.test_reminders import make_task
from tests.flows.test_surveys import client_opens_link

DEAL_HEADERS = (
    said("export.col.id"),
    said("export.col.title"),
    said("export.col.client"),
    said("export.col.pipeline"),
    said("export.col.stage"),
    said("export.col.status"),
    said("export.col.amount"),
    said("export.col.currency"),
    said("export.col.owner"),
    said("export.col.channel"),
    said("export.col.product"),
    said("export.col.new_client"),
    said("export.col.created_at"),
    said("export.col.expected_close_at"),
    said("export.col.closed_at"),
    said("export.col.lost_reason"),
)

ANSWER_COLUMNS = (
    "answered_at",
    "score",
    "group",
    "client",
    "seller",
    "pipeline",
    "deal",
    "comment",
)


@pytest.fixture
async def head(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(3000, "Helen", "ru")
    await join(admin, newcomer, said("role.head"))
    return newcomer


async def export(who: Person, period: str = said("export.period.m"), fmt: str = "XLSX") -> bytes:
    await who.send("/export")
    assert who.text == said("export.pick_period")
    await who.press(period)
    assert who.text == said("export.pick_format", period=period)
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
    period = said("export.range", start="01.11.2026", end="30.11.2026")
    assert sent.caption == said(
        "export.caption",
        scope=said("export.scope.team"),
        period=period,
        deals=2,
        tasks=1,
        plans=1,
        answers=1,
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        said("export.sheet.deals"),
        said("export.sheet.tasks"),
        said("export.sheet.plans"),
        said("export.sheet.answers"),
    ]
    deals = book[said("export.sheet.deals")]
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
        said("export.status.won"),
        150000.0,
        "RUB",
        "Sergey",
    )
    assert won[12] == datetime(2026, 11, 23, 10, 0)  # Moscow time, a real date
    assert won[14] == datetime(2026, 11, 23, 10, 0)
    assert (
        beta[1] == "Бета"
        and beta[5] == said("export.status.open")
        and beta[6] == 2000.5
        and beta[14] is None
    )
    assert deals["G2"].number_format == "#,##0.00"
    assert deals["M2"].number_format == "yyyy-mm-dd hh:mm"

    tasks = sheet(data, said("export.sheet.tasks"))
    assert tasks[0] == (
        said("export.col.id"),
        said("export.col.deal_id"),
        said("export.col.deal"),
        said("export.col.task"),
        said("export.col.assignee"),
        said("export.col.task_status"),
        said("export.col.due_at"),
        said("export.col.created_at"),
        said("export.col.done_at"),
    )
    assert tasks[1][3:8] == (
        "Позвонить в Бету",
        "Sergey",
        said("export.task_status.open"),
        datetime(2026, 11, 23, 12, 0),
        datetime(2026, 11, 23, 10, 0),
    )
    plans = sheet(data, said("export.sheet.plans"))
    assert plans == [
        (
            said("export.col.month"),
            said("export.col.seller"),
            said("export.col.revenue"),
            said("export.col.won_deals"),
            said("export.col.meetings"),
            said("export.col.proposals"),
        ),
        (datetime(2026, 11, 1), "Sergey", 500000.0, 3, None, None),
    ]
    answers = sheet(data, said("export.sheet.answers"))
    assert answers[0] == (
        said("export.col.answered_at"),
        said("export.col.score"),
        said("export.col.group"),
        said("export.col.client"),
        said("export.col.seller"),
        said("export.col.pipeline"),
        said("export.col.deal"),
        said("export.col.comment"),
    )
    assert answers[1] == (
        datetime(2026, 11, 23, 10, 0),
        9,
        said("export.group.promoter"),
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
        said("export.status.open"),
        "150000.00",
        "RUB",
        "Sergey",
    ]
    assert rows[1][12] == "2026-11-23 10:00"
    assert len(rows) == 2
    assert archive.read("answers.csv").decode("utf-8-sig").splitlines() == [
        ",".join(said(f"export.col.{c}") for c in ANSWER_COLUMNS)
    ]


async def test_a_seller_exports_only_their_own_work(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    olga = person(2001, "Olga", "ru")
    await join(admin, olga, said("role.seller"))
    await create(seller, "Мой клиент")
    await create(olga, "Чужой клиент")
    await make_task(olga, "Чужая задача", "через 2 часа")
    await save_plan(uow_factory, olga, date(2026, 11, 1))

    data = await export(seller)
    caption = next(r.caption for r in seller.replies if isinstance(r, SendDocument))
    assert caption is not None and caption.startswith(
        said.part("export.caption", scope=said("export.scope.mine"))
    )
    assert [r[1] for r in sheet(data, said("export.sheet.deals"))[1:]] == ["Мой клиент"]
    assert sheet(data, said("export.sheet.tasks"))[1:] == []
    assert sheet(data, said("export.sheet.plans"))[1:] == []

    whole = await export(admin)
    assert [r[1] for r in sheet(whole, said("export.sheet.deals"))[1:]] == [
        "Мой клиент",
        "Чужой клиент",
    ]


async def test_a_deal_counts_in_each_period_it_was_alive(seller: Person, clock: FakeClock) -> None:
    await create(seller, "Закрытая")
    await seller.press(said("card.btn.won"))
    await create(seller, "Открытая")
    clock.advance(days=10)  # 3 December

    december = await export(seller)
    assert [r[1] for r in sheet(december, said("export.sheet.deals"))[1:]] == ["Открытая"]
    november = await export(seller, said("export.period.lm"))
    assert [r[1] for r in sheet(november, said("export.sheet.deals"))[1:]] == [
        "Закрытая",
        "Открытая",
    ]
    assert [*seller.documents] == ["export-2026-11-01-2026-11-30.xlsx"]
    everything = await export(seller, said("export.period.all"))
    assert [*seller.documents] == ["export-all-2026-12-03.xlsx"]
    assert len(sheet(everything, said("export.sheet.deals"))) == 3


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
            await export(admin)  # fills the process's cache of the team's rules, if it must
            statements.clear()
            data = await export(admin)
            counts.append(len(statements))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert len(sheet(data, said("export.sheet.deals"))) == 1 + 31
    # The four tables; the update's own reads (settings, member) come from the rules' cache.
    assert counts[0] == counts[1] == 4


async def test_an_empty_period_still_gives_a_file_with_the_headings(
    admin: Person, seller: Person
) -> None:
    await create(seller, "Ромашка")
    data = await export(admin, said("export.period.lm"))
    assert admin.text == said("export.empty")
    assert sheet(data, said("export.sheet.deals")) == [DEAL_HEADERS]
    assert len(sheet(data, said("export.sheet.answers"))) == 1


async def test_a_client_and_a_stranger_are_refused(
    seller: Person, person: Callable[..., Person]
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("9")[1])
    await client.send("Всё отлично")
    await client.send("/export")
    assert client.text == said("client.only_surveys")
    await client.press_data("exf:m:xlsx")
    assert client.alert is not None and client.alert == said("client.only_surveys")
    stranger = person(7777, "Nobody")
    await stranger.send("/export")
    assert stranger.text == said("start.stranger")
    await stranger.press_data("exp:m")
    assert stranger.alert is not None and stranger.alert == said("start.stranger")
    assert not stranger.documents and not client.documents


@pytest.mark.parametrize("data", ["exp:zz", "exf:m:pdf", "exf:m", "exf:century:xlsx"])
async def test_forged_buttons_get_a_polite_alert(admin: Person, data: str) -> None:
    await admin.press_data(data)
    assert admin.alert == said("error.stale_button")
    assert not admin.documents


async def test_the_export_speaks_english_to_an_english_head(
    admin: Person, person: Callable[..., Person]
) -> None:
    helen = person(3001, "Helen", "en")
    await join(admin, helen, said("role.head"))
    await helen.send("/export")
    en = said.of("en")
    await helen.press(en("export.period.m"))
    # "Export: This month", not "for This month"
    assert helen.text == en("export.pick_format", period=en("export.period.m"))
    await helen.press("XLSX")
    [data] = helen.documents.values()
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheets = ("deals", "tasks", "plans", "answers")
    assert book.sheetnames == [en(f"export.sheet.{sheet}") for sheet in sheets]
    assert helen.text == en("export.empty")
