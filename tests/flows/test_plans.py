"""/plan: a head sets each seller's month plan by buttons and typed amounts, copies last
month, imports a CSV (all rows or none); sellers and forged buttons change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.plans import month_index
from handlers.plans.callbacks import PlanAction, PlanCb
from storage.models import AuditRow, PlanRow, UserRow
from tests.flows.conftest import join
from tests.flows.harness import Person

NOV, DEC, OCT = date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1)
Row = tuple[str, date, int, int | None, int | None, int | None]


@pytest.fixture
async def head(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(3000, "Helen")
    await join(admin, newcomer, "руководитель")
    return newcomer


@pytest.fixture
async def petr(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(2001, "Petr", username="petr_sales")
    await join(admin, newcomer, "менеджер")
    return newcomer


async def stored(engine: AsyncEngine) -> list[Row]:
    query = (
        select(
            UserRow.name,
            PlanRow.month,
            PlanRow.revenue,
            PlanRow.won_deals,
            PlanRow.meetings,
            PlanRow.proposals,
        )
        .join(UserRow, UserRow.id == PlanRow.seller_id)
        .order_by(PlanRow.month, UserRow.name)
    )
    async with engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(query)).all()]  # type: ignore[misc]


async def seller_id(engine: AsyncEngine, tg_id: int) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(select(UserRow.id).where(UserRow.tg_id == tg_id))
    assert found is not None
    return int(found)


async def set_revenue(head: Person, name: str, amount: str) -> None:
    await head.send("/plan")
    await head.press(f"{name} —")
    await head.send(amount)


async def test_a_head_types_a_sellers_plan_and_adds_a_won_deals_target(
    head: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await head.send("/plan")
    assert head.text.startswith("📈 <b>Планы на ноябрь 2026</b>")
    assert "• Petr — нет плана\n• Sergey — нет плана" in head.text
    assert head.buttons(of="📈") == [
        "Petr — нет плана",
        "Sergey — нет плана",
        "◀️ октябрь 2026",
        "декабрь 2026 ▶️",
        "📋 Скопировать прошлый месяц",
        "📥 Загрузить CSV",
    ]
    await head.press("Sergey —")
    assert head.text.startswith("План для <b>Sergey</b>, ноябрь 2026. Сейчас: нет плана.")
    await head.send("150 000")
    assert head.text.startswith(
        "✅ План сохранён: <b>Sergey</b>, ноябрь 2026 — 150\u00a0000\u00a0₽."
    )
    await head.press("Выигранные сделки")
    assert head.text == "Сколько выигранных сделок на ноябрь 2026? Целое число от 0 до 100000."
    await head.send("три")
    assert head.text == "Введите целое число от 0 до 100000 или /cancel."
    await head.send("3")
    assert "150\u00a0000\u00a0₽ · сделок: 3" in head.text
    await head.press("Готово")
    assert "• Sergey — 150\u00a0000\u00a0₽ · сделок: 3" in head.text
    assert "Всего по отделу: <b>150\u00a0000\u00a0₽</b> (план есть у 1 из 2)" in head.text
    assert await stored(engine) == [("Sergey", NOV, 150_000_00, 3, None, None)]
    async with engine.connect() as conn:
        audit = (
            await conn.execute(select(AuditRow.subject, AuditRow.before, AuditRow.after))
        ).all()
    assert [tuple(a) for a in audit] == [
        ("Sergey · 2026-11", None, "150000"),
        ("Sergey · 2026-11", "150000", "150000; won 3"),
    ]


@pytest.mark.parametrize(
    ("typed", "revenue"),
    [
        ("1.5m", 1_500_000_00),
        ("1,5 млн", 1_500_000_00),
        ("150к", 150_000_00),
        ("99 999,50", 9_999_950),
    ],
)
async def test_the_revenue_is_typed_in_the_same_formats_as_deal_amounts(
    head: Person, seller: Person, engine: AsyncEngine, typed: str, revenue: int
) -> None:
    await set_revenue(head, "Sergey", typed)
    assert head.text.startswith("✅ План сохранён")
    assert await stored(engine) == [("Sergey", NOV, revenue, None, None, None)]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("много", "Не понял сумму."),
        ("-5000", "Сумма не может быть отрицательной."),
        ("200 млрд", "Это больше любого месячного плана."),
    ],
)
async def test_a_bad_revenue_is_explained_and_nothing_is_saved(
    head: Person, seller: Person, engine: AsyncEngine, typed: str, answer: str
) -> None:
    await set_revenue(head, "Sergey", typed)
    assert head.text.startswith(answer)
    assert await stored(engine) == []
    await head.send("/cancel")
    assert head.text == "Отменено."
    await head.send("100000")  # no step any more: not a plan
    assert await stored(engine) == []


async def test_retyping_a_plan_keeps_its_counts(
    head: Person, seller: Person, engine: AsyncEngine
) -> None:
    await set_revenue(head, "Sergey", "100k")
    await head.press("Встречи")
    await head.send("12")
    await set_revenue(head, "Sergey", "120k")
    assert await stored(engine) == [("Sergey", NOV, 120_000_00, None, 12, None)]


async def test_copy_last_month_fills_only_the_sellers_without_a_plan(
    head: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await set_revenue(head, "Sergey", "100k")
    await set_revenue(head, "Petr", "200k")
    await head.send("/plan")
    await head.press("декабрь 2026 ▶️")
    assert head.text.startswith("📈 <b>Планы на декабрь 2026</b>")
    await head.press("Petr —")
    await head.send("250k")
    await head.send("/plan")
    await head.press("декабрь 2026 ▶️")
    await head.press("Скопировать прошлый месяц")
    assert head.texts[0] == (
        "📋 Планы за ноябрь 2026 скопированы для 1 менеджера: Sergey. "
        "У кого план уже был, тот остался: 1."
    )
    assert "• Sergey — 100\u00a0000\u00a0₽" in head.text
    assert await stored(engine) == [
        ("Petr", NOV, 200_000_00, None, None, None),
        ("Sergey", NOV, 100_000_00, None, None, None),
        ("Petr", DEC, 250_000_00, None, None, None),
        ("Sergey", DEC, 100_000_00, None, None, None),
    ]
    await head.press("Скопировать прошлый месяц")
    assert head.text == "План на декабрь 2026 уже есть у всех менеджеров: ничего не изменилось."
    await head.send("/plan")
    await head.press("◀️ октябрь 2026")
    await head.press("Скопировать прошлый месяц")
    assert head.text == (
        "Копировать нечего: за сентябрь 2026 ни у одного активного менеджера не было плана."
    )
    assert len(await stored(engine)) == 4


GOOD_CSV = (
    "\ufeffseller;revenue;won_deals;meetings;proposals;month\n"
    "@petr_sales;1 500 000;5;;;\n"
    "Sergey;150k;;10;4;\n"
    "2000;175 000,50;;;;2026-12\n"
).encode()


async def test_a_head_imports_plans_from_an_excel_csv(
    head: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await head.send("/plan")
    await head.press("Загрузить CSV")
    assert head.text.startswith("Пришлите планы на ноябрь 2026 файлом CSV (до 256 КБ).")
    await head.send("вот файл")
    assert head.text == "Пришлите таблицу файлом CSV или нажмите /cancel."
    await head.send_document(GOOD_CSV, "plans.csv")
    assert head.texts[0] == (
        "✅ Загружено строк: 3, изменено планов: 3. Месяцы: ноябрь 2026, декабрь 2026."
    )
    assert "• Petr — 1\u00a0500\u00a0000\u00a0₽ · сделок: 5" in head.text
    assert await stored(engine) == [
        ("Petr", NOV, 1_500_000_00, 5, None, None),
        ("Sergey", NOV, 150_000_00, None, 10, 4),
        ("Sergey", DEC, 175_000_50, None, None, None),
    ]
    await head.send_document(GOOD_CSV, "plans.csv", caption="/plan")  # the same file again
    assert head.texts[0].startswith("✅ Загружено строк: 3, изменено планов: 0.")


BAD_CSV = (
    "seller,revenue,month\n"
    "Sergey,100000,\n"
    "Nobody,5000,\n"
    'Petr,"1,5 лимона",\n'
    "\n"
    "Helen,1000,\n"
    "Petr,-5,2027-13\n"
    "@petr_sales,5,2030-01\n"
).encode()


async def test_a_csv_with_bad_rows_is_refused_whole_with_line_numbers(
    head: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await head.send_document(BAD_CSV, "plans.csv", caption="/plan")
    assert head.text.split("\n") == [
        "Ничего не загружено. Исправьте файл и пришлите его снова:",
        "строка 3: нет такого сотрудника: «Nobody»",
        "строка 4: не удалось прочитать выручку «1,5 лимона»",
        "строка 6: «Helen» не активный менеджер",
        "строка 7: выручка «-5» отрицательная",
        "строка 7: не удалось прочитать месяц «2027-13» (нужно ГГГГ-ММ)",
        "строка 8: на 2030-01 план задать нельзя",
    ]
    assert await stored(engine) == []


@pytest.mark.parametrize(
    ("content", "name", "answer"),
    [
        (b"x" * 300_000, "big.csv", "файл больше 256 КБ"),
        (b"PK\x03\x04", "plans.xlsx", "это файл таблицы: сохраните его как CSV"),
        (b"seller;revenue\n", "plans.csv", "под названиями столбцов нет строк"),
        (b"name;amount\nSergey;5\n", "plans.csv", "строка 1: неизвестный столбец «name»"),
    ],
)
async def test_a_wrong_file_is_refused_with_the_reason(
    head: Person, seller: Person, engine: AsyncEngine, content: bytes, name: str, answer: str
) -> None:
    await head.send_document(content, name, caption="/plan")
    assert answer in head.text
    assert await stored(engine) == []


async def test_a_seller_cannot_see_or_set_plans(
    head: Person, seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/plan")
    assert seller.text == "Это доступно только руководителям и администраторам."
    sergey = await seller_id(engine, seller.tg_id)
    forged = PlanCb(action=PlanAction.SELLER, month=month_index(NOV), seller_id=sergey)
    await seller.press_data(forged.pack())
    assert seller.alert is not None
    assert seller.alert.startswith("Эта кнопка больше не действует.")
    await seller.send("100000")
    await seller.send_document(GOOD_CSV, "plans.csv", caption="/plan")
    assert seller.text == "Это доступно только руководителям и администраторам."
    assert await stored(engine) == []


async def test_forged_plan_buttons_are_refused_politely(
    head: Person, admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    anna = await seller_id(engine, admin.tg_id)
    now = month_index(NOV)
    for data, alert in [
        (PlanCb(action=PlanAction.SELLER, month=now, seller_id=anna), "План задаётся только"),
        (PlanCb(action=PlanAction.SELLER, month=now, seller_id=99_999), "План задаётся только"),
        (PlanCb(action=PlanAction.MONTH, month=now + 10), "Планы задаются от года назад"),
        (PlanCb(action=PlanAction.COPY, month=now - 40), "Планы задаются от года назад"),
        (PlanCb(action=PlanAction.IMPORT, month=now + 4), "Планы задаются от года назад"),
    ]:
        await head.press_data(data.pack())
        assert head.alert is not None
        assert head.alert.startswith(alert), data
    await head.press_data("pl:s:1:2:-")  # a month index no filter accepts
    assert head.alert is not None
    assert head.alert.startswith("Эта кнопка больше не действует.")
    await head.send("100000")  # no step was opened by any of them
    assert await stored(engine) == []


async def test_a_seller_switched_off_mid_step_gets_no_plan(
    head: Person, admin: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await head.send("/plan")
    await head.press("Sergey —")
    await admin.send("/team")
    await admin.press("Sergey")
    await admin.press("Отключить")
    await admin.press("Petr")
    await head.send("100000")
    assert head.text == "План задаётся только активным менеджерам, а этот сотрудник не такой."
    assert await stored(engine) == []
    await head.send("/plan")
    assert "Sergey" not in head.text


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_an_english_head_reads_and_sets_plans_in_english(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    admin.lang = "en"
    head, sam = person(3100, "Helen", "en"), person(2100, "Sam", "en")
    await join(admin, head, "head of sales")
    await join(admin, sam, "seller")
    await head.send("/plan")
    assert head.text.startswith("📈 <b>Plans for November 2026</b>\n• Sam — no plan")
    await head.press("Sam —")
    assert head.text.startswith("Plan for <b>Sam</b>, November 2026. Now: no plan.")
    await head.send("1.5m")
    assert head.text.startswith("✅ Plan saved: <b>Sam</b>, November 2026 — ₽1,500,000.")
    await head.press("Proposals")
    await head.send("8")
    await head.press("Done")
    assert "• Sam — ₽1,500,000 · proposals: 8" in head.text
    assert "Team total: <b>₽1,500,000</b> (plans set: 1 of 1)" in head.text
    await head.press("Copy last month")
    assert head.text == "Nothing to copy: no active seller had a plan in October 2026."
    await sam.send("/plan")
    assert sam.text == "This is for heads of sales and admins only."


async def test_rows_without_a_month_go_to_the_month_on_screen(
    head: Person, seller: Person, engine: AsyncEngine
) -> None:
    await head.send("/plan")
    await head.press("декабрь 2026 ▶️")
    await head.press("Загрузить CSV")
    assert head.text.startswith("Пришлите планы на декабрь 2026 файлом CSV")
    await head.send_document("менеджер;выручка\nsergey;300 000\n".encode(), "plans.csv")
    assert head.texts[0].startswith("✅ Загружено строк: 1, изменено планов: 1.")
    assert head.text.startswith("📈 <b>Планы на декабрь 2026</b>")
    assert await stored(engine) == [("Sergey", DEC, 300_000_00, None, None, None)]
