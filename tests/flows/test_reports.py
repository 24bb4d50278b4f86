"""/report, /funnel and /abc over a November played through the bot, counted by hand.

Sergey and Olga sell in the "New clients" pipeline (10:00 Moscow each day):
  Альфа  Sergey 100 000  3 Nov → won 10 Nov (7 days in "First contact")
  Бета   Sergey  50 000 10 Nov → Qualification 10 Nov → lost 12 Nov "Дорого"
  Гамма  Olga   300 000 12 Nov → won 15 Nov
  Альфа  Sergey  40 000 16 Nov, the same client again (current) → won 21 Nov
  Дельта Sergey  80 000 20 Nov → Qualification 20 Nov, open (20 %)
  Омега  Sergey  10 000  1 Jul → won 5 Jul: a client silent since then
The reports are read on Monday 23 November.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendChatAction, SendMessage, SendPhoto

from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.mocked_bot import MockedBot

NBSP = "\u00a0"


def rub(text: str) -> str:
    return text.replace(" ", NBSP) + f"{NBSP}₽"


def on(clock: FakeClock, month: int, day: int) -> None:
    clock.now = datetime(2026, month, day, 7, 0, tzinfo=UTC)


@pytest.fixture
async def olga(admin: Person, person: Callable[..., Person]) -> Person:
    newcomer = person(2100, "Olga")
    await join(admin, newcomer, said("role.seller"))
    return newcomer


@pytest.fixture
async def november(seller: Person, olga: Person, clock: FakeClock) -> None:
    """Sales from July to November by Sergey (seller) and Olga; the clock is put back."""
    start = clock.now
    on(clock, 7, 1)
    await create(seller, "Омега", "10000")
    on(clock, 7, 5)
    await seller.press(said("card.btn.won"))
    on(clock, 11, 3)
    await create(seller, "Альфа", "100000")
    on(clock, 11, 10)
    await seller.press(said("card.btn.won"))
    await create(seller, "Бета", "50000")
    await seller.press(said("card.btn.next", stage="Квалификация"))
    on(clock, 11, 12)
    await seller.press(said("card.btn.lost"))
    await seller.press("Дорого")
    await create(olga, "Гамма", "300000")
    on(clock, 11, 15)
    await olga.press(said("card.btn.won"))
    on(clock, 11, 16)
    await seller.send("/new")
    await seller.send("Альфа")
    # "Альфа" is the client they already have: taken without asking
    await seller.send("40000")
    await seller.press(said("quick.btn.create"))
    on(clock, 11, 20)
    await create(seller, "Дельта", "80000")
    await seller.press(said("card.btn.next", stage="Квалификация"))
    on(clock, 11, 21)
    await seller.send("/deals")
    await seller.press("Альфа")
    await seller.press(said("card.btn.won"))
    clock.now = start


def last_text(bot: MockedBot, chat_id: int) -> str:
    return [r.text for r in bot.sent(SendMessage) if r.chat_id == chat_id][-1]


async def test_the_month_report_adds_up(admin: Person, november: None) -> None:
    await admin.send("/report")
    text = admin.text
    assert said("rep.title_team", window="01.11.2026 — 23.11.2026") in text
    assert said("rep.created", n=5) in text
    assert said("rep.won", n=3, amount=rub("440 000")) in text
    assert said("rep.lost", n=1, amount=rub("50 000")) in text
    assert said("rep.win_rate", rate="75%") in text
    # 440 000 / 3, in whole roubles: "146 666,67" was false precision (found in the sandbox)
    assert said("rep.average_check", amount=rub("146 667")) in text
    assert said("rep.cycle", days=said("rep.days", d="5,0")) in text  # 7, 3 and 5 days
    assert said("rep.lead_to_sale", rate="60%") in text  # 3 of 5
    assert said("rep.pipe", n=1, value=rub("80 000"), weighted=rub("16 000")) in text
    # 1 open × 146 666,67 × 0.75 / mean cycle 5 days
    assert said("rep.velocity", amount=rub("22 000")) in text
    new = said("rep.segment", created=4, won=2, amount=rub("400 000"), lost=1, rate="67%")
    assert said("rep.new_clients", line=new) in text
    current = said("rep.segment", created=1, won=1, amount=rub("40 000"), lost=0, rate="100%")
    assert said("rep.current_clients", line=current) in text
    assert said("rep.reason", reason="Дорого", n=1, amount=rub("50 000")) in text
    assert "nan" not in text.lower()
    await admin.press(said("rep.period.yesterday"))
    assert "22.11.2026" in admin.text
    assert said("rep.no_closed") in admin.text


async def test_a_custom_range_and_bad_ones(admin: Person, november: None) -> None:
    await admin.send("/report")
    await admin.press(said("rep.period.custom"))
    assert said("rep.range.ask") in admin.text
    await admin.send("15.11–01.11")
    assert admin.text == said("rep.range.reversed")
    await admin.send("вчера")
    assert admin.text == said("rep.range.format")
    await admin.send("2025-01-01 2026-11-01")
    assert admin.text == said("rep.range.too_long")
    await admin.send("01.11–12.11")
    text = admin.text
    assert said("rep.title_team", window="01.11.2026 — 12.11.2026") in text
    assert said("rep.created", n=3) in text  # Альфа, Бета, Гамма
    assert said("rep.won", n=1, amount=rub("100 000")) in text
    assert said("rep.win_rate", rate="50%") in text
    await admin.send("01.11–12.11")  # the step is over: plain text again
    assert "01.11.2026" not in admin.text


async def test_a_seller_sees_only_their_own_numbers(
    admin: Person, seller: Person, olga: Person, november: None
) -> None:
    await seller.send("/report")
    assert said.part("rep.title_mine") in seller.text
    assert said("rep.won", n=2, amount=rub("140 000")) in seller.text
    assert said("rep.created", n=4) in seller.text
    await olga.send("/report")
    assert said("rep.won", n=1, amount=rub("300 000")) in olga.text
    assert said("rep.lost", n=0, amount=0) in olga.text
    assert said("role.seller") not in olga.text


async def test_the_funnel_shows_conversions_and_a_picture_and_cuts_by_seller(
    admin: Person, bot: MockedBot, november: None
) -> None:
    await admin.send("/funnel")
    assert admin.text == said("fun.pick")
    bot.clear()
    await admin.press("Новые клиенты")
    text = last_text(bot, admin.tg_id)
    assert said("fun.title", name="Новые клиенты", window="01.11.2026 — 23.11.2026") in text
    assert said("fun.cut_line", what=said("fun.cut.all")) in text
    # Five deals: three won, Бета lost and Дельта open at Qualification. In First contact:
    # Альфа 7 days, Бета 0, Гамма 3, Альфа again 5, Дельта 0 → median 3.
    assert (
        said(
            "fun.stage",
            i=1,
            name="Первый контакт",
            reached=5,
            rate="100%",
            days=said("rep.days", d="3,0"),
        )
        in text
    )
    assert "2. Квалификация: 5 → дальше 60%" in text
    assert (
        said("fun.stage", i=3, name="Встреча / презентация", reached=3, rate="100%", days="—")
        in text
    )
    assert said("fun.won", n=3) in text
    assert said("fun.leak", name="Квалификация", n=1, amount=rub("50 000")) in text
    assert bot.sent(SendChatAction)[-1].action == "upload_photo"
    photo = bot.last(SendPhoto)
    assert photo.chat_id == admin.tg_id
    await admin.press(said("fun.cut.seller"))
    assert admin.text == said("fun.pick_value", what=said("fun.cut.seller"))
    bot.clear()
    await admin.press("Olga")
    text = last_text(bot, admin.tg_id)
    assert said("fun.cut_value", what=said("fun.cut.seller"), value="Olga") in text
    assert said.part("fun.stage", i=1, name="Первый контакт", reached=1, rate="100%") in text
    assert said("fun.won", n=1) in text
    assert bot.last(SendPhoto).chat_id == admin.tg_id
    await admin.press(said("fun.cut.current"))
    text = last_text(bot, admin.tg_id)
    assert said("fun.cut_line", what=said("fun.cut.current")) in text
    assert (
        said(
            "fun.stage",
            i=1,
            name="Первый контакт",
            reached=1,
            rate="100%",
            days=said("rep.days", d="5,0"),
        )
        in text
    )  # Альфа again
    await admin.press(said("fun.cut.channel"))
    await admin.press("Email")
    text = last_text(bot, admin.tg_id)
    assert said("fun.cut_value", what=said("fun.cut.channel"), value=said("channel.email")) in text
    assert said("fun.no_deals") in text
    await admin.press(said("fun.cut.product"))
    assert admin.text == said("fun.no_values", what=said("fun.cut.product"))


async def test_abc_table_cell_list_and_lost_clients(
    admin: Person, seller: Person, november: None
) -> None:
    await admin.send("/abc")
    text = admin.text
    assert said("abc.title_team", window="01.06.2026 — 23.11.2026", months=6) in text
    table = text.split("<pre>")[1].split("</pre>")[0].splitlines()
    assert table[0].split() == ["X", "Y", "Z"]
    # Гамма 300 000 and Альфа 140 000 make A; Омега's 10 000 is the last 5 %: C.
    assert table[1].split() == ["A", "0", "0", "2"] and table[2].split() == [
        "0",
        "0",
        said("abc.thousands", n=440),
    ]
    assert table[5].split() == ["C", "0", "0", "1"] and table[6].split() == [
        "0",
        "0",
        said("abc.thousands", n=10),
    ]
    assert said.n("abc.segment_ltv", 2, code="AZ", ltv=rub("440 000")) in text
    assert said("abc.lost", days=90, n=1) in text
    assert said("abc.lost_row", name="Омега", at="05.07.2026") in text
    months = [said("abc.months", n=n) for n in (3, 6, 12)]
    assert admin.buttons(of="🧮") == ["AZ (2)", "CZ (1)", months[0], f"✓ {months[1]}", months[2]]
    await admin.press("AZ (2)")
    cell = admin.text
    assert said("abc.cell_title", code="AZ") in cell
    # LTV = check × purchases a month × 12 months: 300 000 × 1/6 × 12, 70 000 × 2/6 × 12.
    assert (
        said.n("abc.client_row", 1, name="Гамма", revenue=rub("300 000"), ltv=rub("600 000"))
        in cell
    )
    assert (
        said.n("abc.client_row", 2, name="Альфа", revenue=rub("140 000"), ltv=rub("280 000"))
        in cell
    )
    assert cell.index("Гамма") < cell.index("Альфа")
    await seller.send("/abc")
    assert said.part("abc.title_mine") in seller.text
    assert "Гамма" not in seller.text
    await seller.press("AZ")
    assert "Альфа" in seller.text and "Гамма" not in seller.text


async def test_empty_periods_say_so(admin: Person) -> None:
    await admin.send("/report")
    assert said("rep.created", n=0) in admin.text
    assert said("rep.no_closed") in admin.text
    assert "🎯" not in admin.text
    assert said("rep.velocity_none") in admin.text
    await admin.send("/abc")
    assert said("abc.no_clients") in admin.text
    assert said("abc.no_lost", days=90) in admin.text
    await admin.send("/funnel")
    await admin.press("Новые клиенты")
    assert any(said("fun.no_deals") in t for t in admin.texts)


async def test_outsiders_and_forged_buttons_are_refused(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    stranger = person(7000, "Кто-то")
    for command in ("/report", "/funnel", "/abc"):
        await stranger.send(command)
        assert "Кто-то" not in stranger.text and "📈" not in stranger.text
    admin_id = 1  # Anna joined first
    await seller.press_data(f"fu:1:month:seller:{admin_id}")
    assert seller.alert == said("error.access_denied")
    await seller.press_data("fu:1:month:seller:-1")
    assert seller.alert == said("error.access_denied")
    await admin.press_data("fu:1:month:channel:99")
    assert admin.alert == said("error.stale_button")
    await admin.press_data("fu:999999:month:all:-1")
    assert admin.alert == said("error.pipeline_not_found")
    await admin.press_data("abc:6:QQ")
    assert admin.alert == said("error.stale_button")
    await admin.press_data("abc:7:")
    assert admin.alert == said("error.stale_button")
    await admin.press_data("rp:forever")
    assert admin.alert == said("error.stale_button")


async def test_english_reports(
    admin: Person, person: Callable[..., Person], clock: FakeClock
) -> None:
    john = person(3000, "John", "en")
    await join(admin, john, said("role.seller"))
    await create(john, "Acme", "1000")
    en = said.of("en")
    await john.press(en("card.btn.won"))
    await john.send("/report")
    assert en.part("rep.title_mine") in john.text
    assert en("rep.won", n=1, amount="₽1,000") in john.text
    assert en("rep.win_rate", rate="100%") in john.text
    await john.send("/funnel")
    await john.press("🔻 Новые клиенты")  # the team's pipelines are named in Russian
    assert any(en.part("fun.title", name="Новые клиенты") in t for t in john.texts)
    stage = en.part("fun.stage", i=1, name="Первый контакт", reached=1, rate="100%")
    assert any(stage in t for t in john.texts)
    await john.send("/abc")
    assert en.part("abc.title_mine") in john.text


async def test_abc_thresholds_and_lost_days_come_from_the_settings(
    admin: Person, november: None
) -> None:
    await admin.send("/settings")
    abc = said("settings.key.abc_thresholds")
    assert f"• {abc}: <b>80/15</b>" in admin.text  # the settings lines are composed in code
    assert f"• {said('settings.key.lost_after_days')}: <b>90</b>" in admin.text
    await admin.press(said("settings.key.abc_thresholds"))
    await admin.send("90/20")  # more than 100 % together
    assert admin.text == said(
        "settings.invalid", name=abc, hint=said("settings.hint.abc_thresholds")
    )
    await admin.send("60/30")
    assert f"• {abc}: <b>60/30</b>" in admin.text
    await admin.send("/settings")
    await admin.press(said("settings.key.lost_after_days"))
    await admin.send("200")
    await admin.send("/abc")
    # Гамма's 300 000 is A; Альфа starts at 68 % of the revenue, past 60 %: B.
    assert admin.buttons(of="🧮")[:3] == ["AZ (1)", "BZ (1)", "CZ (1)"]
    assert said("abc.no_lost", days=200) in admin.text


async def test_english_abc_counts_take_the_singular_for_one(
    admin: Person, person: Callable[..., Person], clock: FakeClock
) -> None:
    john = person(3000, "John", "en")
    await join(admin, john, said("role.seller"))
    await create(john, "Acme", "1000")
    en = said.of("en")
    await john.press(en("card.btn.won"))
    clock.now += timedelta(minutes=1)
    await john.send("/abc")
    assert en.n("abc.segment_ltv", 1, code="AZ", ltv="₽2,000") in john.text
    assert "1 clients" not in john.text
    await john.press("AZ (1)")
    assert en.n("abc.client_row", 1, name="Acme", revenue="₽1,000", ltv="₽2,000") in john.text


async def test_the_funnels_won_line_says_it_counts_the_deals_created_in_the_period(
    admin: Person, seller: Person, clock: FakeClock, bot: MockedBot
) -> None:
    """Found in the sandbox: "🏁 Выиграно: 6" above "✅ Выиграно: 19" in one message; the
    first counts the period's new deals that were won, the second every deal won in it."""
    start = clock.now
    on(clock, 10, 30)
    await create(seller, "Октябрь", "1000")
    on(clock, 11, 2)
    await seller.press(said("card.btn.won"))  # created in October, won in November
    await create(seller, "Ноябрь", "2000")
    on(clock, 11, 5)
    await seller.press(said("card.btn.won"))
    clock.now = start
    await admin.send("/funnel")
    await admin.press("Новые клиенты")
    text = last_text(bot, admin.tg_id)
    assert said("fun.won", n=1) in text
    assert said("rep.won", n=2, amount=rub("3 000")) in text


async def test_a_range_typed_without_a_year_is_never_in_the_future(
    admin: Person, clock: FakeClock
) -> None:
    """Found in the sandbox: on 23 November "01.12–05.12" gave December to come, all zeros;
    a head means the last December. Over New Year, "20.12–10.01" was "reversed"."""
    await admin.send("/report")
    await admin.press(said("rep.period.custom"))
    await admin.send("01.12–05.12")
    assert "01.12.2025 — 05.12.2025" in admin.text
    clock.now = datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
    await admin.send("/report")
    await admin.press(said("rep.period.custom"))
    await admin.send("20.12–10.01")
    assert "20.12.2026 — 10.01.2027" in admin.text
