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
from tests.flows.harness import Person, said

NOV, DEC, OCT = date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1)
Row = tuple[str, date, int, int | None, int | None, int | None]


@pytest.fixture
async def head(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(3000, "Helen")
    await join(admin, newcomer, said("role.head"))
    return newcomer


@pytest.fixture
async def petr(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(2001, "Petr", username="petr_sales")
    await join(admin, newcomer, said("role.seller"))
    return newcomer


PREV = said("plan.btn.prev", month=said("plan.month_10", year=2026))
NEXT = said("plan.btn.next", month=said("plan.month_12", year=2026))


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
    november = said("plan.month_11", year=2026)
    assert head.text.startswith(said("plan.title", month=november))
    none = said("plan.none")
    rows = [said("plan.row", name=name, plan=none) for name in ("Petr", "Sergey")]
    assert "\n".join(rows) in head.text
    assert head.buttons(of="📈") == [
        f"Petr — {none}",  # the buttons are composed in code
        f"Sergey — {none}",
        PREV,
        NEXT,
        said("plan.btn.copy"),
        said("plan.btn.import"),
    ]
    await head.press("Sergey —")
    assert head.text.startswith(
        said.part("plan.ask_revenue", name="Sergey", month=november, current=none)
    )
    await head.send("150 000")
    assert head.text.startswith(
        said("plan.saved", name="Sergey", month=november, plan="150\xa0000\xa0₽")
    )
    await head.press(said("plan.btn.won"))
    assert head.text == said("plan.ask.won", month=said("plan.month_11", year=2026), max=100000)
    await head.send("три")
    assert head.text == said("plan.count_invalid", max=100000)
    await head.send("3")
    plan = f"150\u00a0000\u00a0₽ · {said('plan.count.won', n=3)}"  # joined in code
    assert plan in head.text
    await head.press(said("plan.btn.done"))
    assert said("plan.row", name="Sergey", plan=plan) in head.text
    assert said("plan.total", total="150\xa0000\xa0₽", planned=1, sellers=2) in head.text
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
    assert head.text.startswith(
        said.part("plan.saved", name="Sergey", month=said("plan.month_11", year=2026))
    )
    assert await stored(engine) == [("Sergey", NOV, revenue, None, None, None)]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("много", said("amount.format")),
        ("-5000", said("amount.negative")),
        ("200 млрд", said("plan.too_large")),
    ],
)
async def test_a_bad_revenue_is_explained_and_nothing_is_saved(
    head: Person, seller: Person, engine: AsyncEngine, typed: str, answer: str
) -> None:
    await set_revenue(head, "Sergey", typed)
    assert head.text.startswith(answer)
    assert await stored(engine) == []
    await head.send("/cancel")
    assert head.text == said("cancel.done")
    await head.send("100000")  # no step any more: not a plan
    assert await stored(engine) == []


async def test_retyping_a_plan_keeps_its_counts(
    head: Person, seller: Person, engine: AsyncEngine
) -> None:
    await set_revenue(head, "Sergey", "100k")
    await head.press(said("plan.btn.meetings"))
    await head.send("12")
    await set_revenue(head, "Sergey", "120k")
    assert await stored(engine) == [("Sergey", NOV, 120_000_00, None, 12, None)]


async def test_copy_last_month_fills_only_the_sellers_without_a_plan(
    head: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await set_revenue(head, "Sergey", "100k")
    await set_revenue(head, "Petr", "200k")
    await head.send("/plan")
    await head.press(NEXT)
    assert head.text.startswith(said("plan.title", month=said("plan.month_12", year=2026)))
    await head.press("Petr —")
    await head.send("250k")
    await head.send("/plan")
    await head.press(NEXT)
    await head.press(said("plan.btn.copy"))
    november = said("plan.month_11", year=2026)
    copied = said.n("plan.sellers", 1)
    assert head.texts[0] == said(
        "plan.copied", source=november, copied=copied, names="Sergey", kept=1
    )
    assert said("plan.row", name="Sergey", plan="100\u00a0000\u00a0₽") in head.text
    assert await stored(engine) == [
        ("Petr", NOV, 200_000_00, None, None, None),
        ("Sergey", NOV, 100_000_00, None, None, None),
        ("Petr", DEC, 250_000_00, None, None, None),
        ("Sergey", DEC, 100_000_00, None, None, None),
    ]
    await head.press(said("plan.btn.copy"))
    assert head.text == said("plan.copy_all_kept", month=said("plan.month_12", year=2026))
    await head.send("/plan")
    await head.press(PREV)
    await head.press(said("plan.btn.copy"))
    assert head.text == (said("plan.copy_nothing", source=said("plan.month_9", year=2026)))
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
    await head.press(said("plan.btn.import"))
    assert head.text == said("plan.import_ask", month=said("plan.month_11", year=2026), kb=256)
    await head.send("вот файл")
    assert head.text == said("plan.import_send_file")
    await head.send_document(GOOD_CSV, "plans.csv")
    assert head.texts[0] == (
        said(
            "plan.imported",
            rows=3,
            changed=3,
            months=f"{said('plan.month_11', year=2026)}, {said('plan.month_12', year=2026)}",
        )
    )
    plan = f"1\u00a0500\u00a0000\u00a0₽ · {said('plan.count.won', n=5)}"
    assert said("plan.row", name="Petr", plan=plan) in head.text
    assert await stored(engine) == [
        ("Petr", NOV, 1_500_000_00, 5, None, None),
        ("Sergey", NOV, 150_000_00, None, 10, 4),
        ("Sergey", DEC, 175_000_50, None, None, None),
    ]
    await head.send_document(GOOD_CSV, "plans.csv", caption="/plan")  # the same file again
    assert head.texts[0].startswith(said.part("plan.imported", rows=3, changed=0))


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
        said("plan.import_failed"),
        said("plan.csv_line", line=3, text=said("plan.csv.seller_unknown", value="Nobody")),
        said("plan.csv_line", line=4, text=said("plan.csv.amount_format", value="1,5 лимона")),
        said("plan.csv_line", line=6, text=said("plan.csv.seller_not_seller", value="Helen")),
        said("plan.csv_line", line=7, text=said("plan.csv.amount_negative", value="-5")),
        said("plan.csv_line", line=7, text=said("plan.csv.month", value="2027-13")),
        said("plan.csv_line", line=8, text=said("plan.csv.month_range", value="2030-01")),
    ]
    assert await stored(engine) == []


@pytest.mark.parametrize(
    ("content", "name", "answer"),
    [
        (b"x" * 300_000, "big.csv", said("plan.csv.too_big", value=256)),
        (b"PK\x03\x04", "plans.xlsx", said("plan.csv.not_csv")),
        (b"seller;revenue\n", "plans.csv", said("plan.csv.no_rows")),
        (
            b"name;amount\nSergey;5\n",
            "plans.csv",
            said("plan.csv_line", line=1, text=said("plan.csv.unknown_column", value="name")),
        ),
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
    assert seller.text == said("error.managers_only")
    sergey = await seller_id(engine, seller.tg_id)
    forged = PlanCb(action=PlanAction.SELLER, month=month_index(NOV), seller_id=sergey)
    await seller.press_data(forged.pack())
    assert seller.alert is not None
    assert seller.alert == said("error.stale_button")
    await seller.send("100000")
    await seller.send_document(GOOD_CSV, "plans.csv", caption="/plan")
    assert seller.text == said("error.managers_only")
    assert await stored(engine) == []


async def test_forged_plan_buttons_are_refused_politely(
    head: Person, admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    anna = await seller_id(engine, admin.tg_id)
    now = month_index(NOV)
    for data, alert in [
        (PlanCb(action=PlanAction.SELLER, month=now, seller_id=anna), said("error.plan_seller")),
        (PlanCb(action=PlanAction.SELLER, month=now, seller_id=99_999), said("error.plan_seller")),
        (PlanCb(action=PlanAction.MONTH, month=now + 10), said("error.plan_month")),
        (PlanCb(action=PlanAction.COPY, month=now - 40), said("error.plan_month")),
        (PlanCb(action=PlanAction.IMPORT, month=now + 4), said("error.plan_month")),
    ]:
        await head.press_data(data.pack())
        assert head.alert is not None
        assert head.alert == alert, data
    await head.press_data("pl:s:1:2:-")  # a month index no filter accepts
    assert head.alert is not None
    assert head.alert == said("error.stale_button")
    await head.send("100000")  # no step was opened by any of them
    assert await stored(engine) == []


async def test_a_seller_switched_off_mid_step_gets_no_plan(
    head: Person, admin: Person, seller: Person, petr: Person, engine: AsyncEngine
) -> None:
    await head.send("/plan")
    await head.press("Sergey —")
    await admin.send("/team")
    await admin.press("Sergey")
    await admin.press(said("member.btn.deactivate"))
    await admin.press("Petr")
    await head.send("100000")
    assert head.text == said("error.plan_seller")
    assert await stored(engine) == []
    await head.send("/plan")
    assert "Sergey" not in head.text


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_an_english_head_reads_and_sets_plans_in_english(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine, team_language: str
) -> None:
    admin.lang = "en"
    en = said.of(team_language)
    head, sam = person(3100, "Helen", "en"), person(2100, "Sam", "en")
    await join(admin, head, en("role.head"))
    await join(admin, sam, en("role.seller"))
    await head.send("/plan")
    november, none = en("plan.month_11", year=2026), en("plan.none")
    title = en("plan.title", month=november) + "\n" + en("plan.row", name="Sam", plan=none)
    assert head.text.startswith(title)
    await head.press("Sam —")
    assert head.text.startswith(
        en.part("plan.ask_revenue", name="Sam", month=november, current=none)
    )
    await head.send("1.5m")
    assert head.text.startswith(en("plan.saved", name="Sam", month=november, plan="₽1,500,000"))
    await head.press(en("plan.btn.proposals"))
    await head.send("8")
    await head.press(en("plan.btn.done"))
    plan = f"₽1,500,000 · {en('plan.count.proposals', n=8)}"
    assert en("plan.row", name="Sam", plan=plan) in head.text
    assert en("plan.total", total="₽1,500,000", planned=1, sellers=1) in head.text
    await head.press(en("plan.btn.copy"))
    assert head.text == en("plan.copy_nothing", source=en("plan.month_10", year=2026))
    await sam.send("/plan")
    assert sam.text == en("error.managers_only")


async def test_rows_without_a_month_go_to_the_month_on_screen(
    head: Person, seller: Person, engine: AsyncEngine
) -> None:
    await head.send("/plan")
    await head.press(NEXT)
    await head.press(said("plan.btn.import"))
    assert head.text == said("plan.import_ask", month=said("plan.month_12", year=2026), kb=256)
    await head.send_document("менеджер;выручка\nsergey;300 000\n".encode(), "plans.csv")
    assert head.texts[0].startswith(said.part("plan.imported", rows=1, changed=1))
    assert head.text.startswith(said("plan.title", month=said("plan.month_12", year=2026)))
    assert await stored(engine) == [("Sergey", DEC, 300_000_00, None, None, None)]
