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
from tests.flows.harness import Person
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
    await join(admin, newcomer, "менеджер")
    return newcomer


@pytest.fixture
async def november(seller: Person, olga: Person, clock: FakeClock) -> None:
    """Sales from July to November by Sergey (seller) and Olga; the clock is put back."""
    start = clock.now
    on(clock, 7, 1)
    await create(seller, "Омега", "10000")
    on(clock, 7, 5)
    await seller.press("✅ Успешно")
    on(clock, 11, 3)
    await create(seller, "Альфа", "100000")
    on(clock, 11, 10)
    await seller.press("✅ Успешно")
    await create(seller, "Бета", "50000")
    await seller.press("➡️ Квалификация")
    on(clock, 11, 12)
    await seller.press("❌ Проиграно")
    await seller.press("Дорого")
    await create(olga, "Гамма", "300000")
    on(clock, 11, 15)
    await olga.press("✅ Успешно")
    on(clock, 11, 16)
    await seller.send("/new")
    await seller.send("Альфа")
    await seller.press("👤 Альфа")  # the client they already have
    await seller.send("40000")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    on(clock, 11, 20)
    await create(seller, "Дельта", "80000")
    await seller.press("➡️ Квалификация")
    on(clock, 11, 21)
    await seller.send("/deals")
    await seller.press("Альфа")
    await seller.press("✅ Успешно")
    clock.now = start


def last_text(bot: MockedBot, chat_id: int) -> str:
    return [r.text for r in bot.sent(SendMessage) if r.chat_id == chat_id][-1]


async def test_the_month_report_adds_up(admin: Person, november: None) -> None:
    await admin.send("/report")
    text = admin.text
    assert "📈 <b>Продажи команды</b> · 01.11.2026 — 23.11.2026" in text
    assert "🆕 Новых сделок: 5" in text
    assert f"✅ Выиграно: 3 на {rub('440 000')}" in text
    assert f"❌ Проиграно: 1 на {rub('50 000')}" in text
    assert "🎯 Конверсия в победу: 75%" in text
    # 440 000 / 3, in whole roubles: "146 666,67" was false precision (found in the sandbox)
    assert f"💰 Средний чек: {rub('146 667')}" in text
    assert "⏱ Цикл сделки (медиана): 5,0 дн." in text  # 7, 3 and 5 days
    assert "🔁 Из новых сделок периода выиграно: 60%" in text  # 3 of 5
    assert f"📂 В работе: 1 на {rub('80 000')}, взвешенно {rub('16 000')}" in text
    # 1 open × 146 666,67 × 0.75 / mean cycle 5 days
    assert f"🚀 Скорость продаж: {rub('22 000')} в день" in text
    new = "новых сделок 4, выиграно 2 на " + rub("400 000") + ", проиграно 1, конверсия 67%"
    assert f"🌱 <b>Новые клиенты</b>: {new}" in text
    current = "новых сделок 1, выиграно 1 на " + rub("40 000") + ", проиграно 0, конверсия 100%"
    assert f"🤝 <b>Действующие клиенты</b>: {current}" in text
    assert f"• Дорого — 1 на {rub('50 000')}" in text
    assert "nan" not in text.lower()
    await admin.press("Вчера")
    assert "22.11.2026" in admin.text
    assert "Закрытых сделок за период нет." in admin.text


async def test_a_custom_range_and_bad_ones(admin: Person, november: None) -> None:
    await admin.send("/report")
    await admin.press("Свои даты")
    assert "Напишите период" in admin.text
    await admin.send("15.11–01.11")
    assert admin.text.startswith("Конец периода раньше начала.")
    await admin.send("вчера")
    assert admin.text.startswith("Не понял даты.")
    await admin.send("2025-01-01 2026-11-01")
    assert admin.text == "Период длиннее года. Выберите не больше 366 дней."
    await admin.send("01.11–12.11")
    text = admin.text
    assert "01.11.2026 — 12.11.2026" in text
    assert "🆕 Новых сделок: 3" in text  # Альфа, Бета, Гамма
    assert f"✅ Выиграно: 1 на {rub('100 000')}" in text
    assert "🎯 Конверсия в победу: 50%" in text
    await admin.send("01.11–12.11")  # the step is over: plain text again
    assert "01.11.2026" not in admin.text


async def test_a_seller_sees_only_their_own_numbers(
    admin: Person, seller: Person, olga: Person, november: None
) -> None:
    await seller.send("/report")
    assert "📈 <b>Мои продажи</b>" in seller.text
    assert f"✅ Выиграно: 2 на {rub('140 000')}" in seller.text
    assert "🆕 Новых сделок: 4" in seller.text
    await olga.send("/report")
    assert f"✅ Выиграно: 1 на {rub('300 000')}" in olga.text
    assert "❌ Проиграно: 0 на 0" in olga.text
    assert "менеджер" not in olga.text


async def test_the_funnel_shows_conversions_and_a_picture_and_cuts_by_seller(
    admin: Person, bot: MockedBot, november: None
) -> None:
    await admin.send("/funnel")
    assert admin.text == "Какую воронку показать?"
    bot.clear()
    await admin.press("Новые клиенты")
    text = last_text(bot, admin.tg_id)
    assert "🔻 <b>Воронка «Новые клиенты»</b> · 01.11.2026 — 23.11.2026" in text
    assert "Срез: все сделки" in text
    # Five deals: three won, Бета lost and Дельта open at Qualification. In First contact:
    # Альфа 7 days, Бета 0, Гамма 3, Альфа again 5, Дельта 0 → median 3.
    assert "1. Первый контакт: 5 → дальше 100% · медиана 3,0 дн." in text
    assert "2. Квалификация: 5 → дальше 60%" in text
    assert "3. Встреча / презентация: 3 → дальше 100% · медиана —" in text
    assert "🏁 Из них выиграно: 3" in text
    assert f"🕳 Больше всего проиграно на этапе «Квалификация»: 1 на {rub('50 000')}" in text
    assert bot.sent(SendChatAction)[-1].action == "upload_photo"
    photo = bot.last(SendPhoto)
    assert photo.chat_id == admin.tg_id
    await admin.press("менеджер")
    assert admin.text == "Выберите: менеджер"
    bot.clear()
    await admin.press("Olga")
    text = last_text(bot, admin.tg_id)
    assert "Срез: менеджер — Olga" in text
    assert "1. Первый контакт: 1 → дальше 100%" in text
    assert "🏁 Из них выиграно: 1" in text
    assert bot.last(SendPhoto).chat_id == admin.tg_id
    await admin.press("действующие")
    text = last_text(bot, admin.tg_id)
    assert "Срез: действующие" in text
    assert "1. Первый контакт: 1 → дальше 100% · медиана 5,0 дн." in text  # Альфа again
    await admin.press("канал")
    await admin.press("Email")
    text = last_text(bot, admin.tg_id)
    assert "Срез: канал — ✉️ Email" in text
    assert "За период в этой воронке не создано ни одной сделки." in text
    await admin.press("продукт")
    assert admin.text == "Для среза «продукт» в сделках ещё нет значений."


async def test_abc_table_cell_list_and_lost_clients(
    admin: Person, seller: Person, november: None
) -> None:
    await admin.send("/abc")
    text = admin.text
    assert "🧮 <b>ABC-XYZ клиентов</b> · 01.06.2026 — 23.11.2026 (6 мес.)" in text
    table = text.split("<pre>")[1].split("</pre>")[0].splitlines()
    assert table[0].split() == ["X", "Y", "Z"]
    # Гамма 300 000 and Альфа 140 000 make A; Омега's 10 000 is the last 5 %: C.
    assert table[1].split() == ["A", "0", "0", "2"] and table[2].split() == ["0", "0", "440К"]
    assert table[5].split() == ["C", "0", "0", "1"] and table[6].split() == ["0", "0", "10К"]
    assert f"• AZ: клиентов 2, LTV {rub('440 000')}" in text
    assert "😴 <b>Ушедшие клиенты</b> (без покупок больше 90 дн.): 1" in text
    assert "• Омега — последняя покупка 05.07.2026" in text
    assert admin.buttons(of="🧮") == ["AZ (2)", "CZ (1)", "3 мес.", "✓ 6 мес.", "12 мес."]
    await admin.press("AZ (2)")
    cell = admin.text
    assert "🧮 <b>Сегмент AZ</b>" in cell
    # LTV = check × purchases a month × 12 months: 300 000 × 1/6 × 12, 70 000 × 2/6 × 12.
    assert f"• Гамма — {rub('300 000')}, покупок 1, LTV {rub('600 000')}" in cell
    assert f"• Альфа — {rub('140 000')}, покупок 2, LTV {rub('280 000')}" in cell
    assert cell.index("Гамма") < cell.index("Альфа")
    await seller.send("/abc")
    assert "🧮 <b>ABC-XYZ моих клиентов</b>" in seller.text
    assert "Гамма" not in seller.text
    await seller.press("AZ")
    assert "Альфа" in seller.text and "Гамма" not in seller.text


async def test_empty_periods_say_so(admin: Person) -> None:
    await admin.send("/report")
    assert "🆕 Новых сделок: 0" in admin.text
    assert "Закрытых сделок за период нет." in admin.text
    assert "🎯" not in admin.text
    assert "🚀 Скорость продаж: не посчитать — за период нет выигранных сделок" in admin.text
    await admin.send("/abc")
    assert "За период нет выигранных сделок с клиентами." in admin.text
    assert "Ушедших клиентов нет" in admin.text
    await admin.send("/funnel")
    await admin.press("Новые клиенты")
    assert any("За период в этой воронке не создано ни одной сделки." in t for t in admin.texts)


async def test_outsiders_and_forged_buttons_are_refused(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    stranger = person(7000, "Кто-то")
    for command in ("/report", "/funnel", "/abc"):
        await stranger.send(command)
        assert "Кто-то" not in stranger.text and "📈" not in stranger.text
    admin_id = 1  # Anna joined first
    await seller.press_data(f"fu:1:month:seller:{admin_id}")
    assert seller.alert == "Это вам недоступно."
    await seller.press_data("fu:1:month:seller:-1")
    assert seller.alert == "Это вам недоступно."
    await admin.press_data("fu:1:month:channel:99")
    assert admin.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
    await admin.press_data("fu:999999:month:all:-1")
    assert admin.alert is not None and "Воронк" in admin.alert
    await admin.press_data("abc:6:QQ")
    assert admin.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
    await admin.press_data("abc:7:")
    assert admin.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
    await admin.press_data("rp:forever")
    assert admin.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"


async def test_english_reports(
    admin: Person, person: Callable[..., Person], clock: FakeClock
) -> None:
    john = person(3000, "John", "en")
    await join(admin, john, "менеджер")
    await create(john, "Acme", "1000")
    await john.press("Won")
    await john.send("/report")
    assert "📈 <b>My sales</b>" in john.text
    assert "✅ Won: 1 worth ₽1,000" in john.text
    assert "🎯 Win rate: 100%" in john.text
    await john.send("/funnel")
    await john.press("🔻 Новые клиенты")  # the team's pipelines are named in Russian
    assert any("🔻 <b>Funnel “Новые клиенты”</b>" in t for t in john.texts)
    assert any("1. Первый контакт: 1 → on 100%" in t for t in john.texts)
    await john.send("/abc")
    assert "🧮 <b>ABC-XYZ of my clients</b>" in john.text


async def test_abc_thresholds_and_lost_days_come_from_the_settings(
    admin: Person, november: None
) -> None:
    await admin.send("/settings")
    assert "• ABC: доли A/B, %: <b>80/15</b>" in admin.text
    assert "• Клиент ушёл через, дн.: <b>90</b>" in admin.text
    await admin.press("ABC: доли")
    await admin.send("90/20")  # more than 100 % together
    assert admin.text.startswith("Не подходит для «ABC: доли A/B, %».")
    await admin.send("60/30")
    assert "• ABC: доли A/B, %: <b>60/30</b>" in admin.text
    await admin.send("/settings")
    await admin.press("Клиент ушёл через")
    await admin.send("200")
    await admin.send("/abc")
    # Гамма's 300 000 is A; Альфа starts at 68 % of the revenue, past 60 %: B.
    assert admin.buttons(of="🧮")[:3] == ["AZ (1)", "BZ (1)", "CZ (1)"]
    assert "Ушедших клиентов нет (без покупок больше 200 дн.)." in admin.text


async def test_english_abc_counts_take_the_singular_for_one(
    admin: Person, person: Callable[..., Person], clock: FakeClock
) -> None:
    john = person(3000, "John", "en")
    await join(admin, john, "менеджер")
    await create(john, "Acme", "1000")
    await john.press("Won")
    clock.now += timedelta(minutes=1)
    await john.send("/abc")
    assert "• AZ: 1 client, LTV ₽2,000" in john.text
    assert "1 clients" not in john.text
    await john.press("AZ (1)")
    assert "• Acme — ₽1,000, 1 purchase, LTV ₽2,000" in john.text


async def test_the_funnels_won_line_says_it_counts_the_deals_created_in_the_period(
    admin: Person, seller: Person, clock: FakeClock, bot: MockedBot
) -> None:
    """Found in the sandbox: "🏁 Выиграно: 6" above "✅ Выиграно: 19" in one message; the
    first counts the period's new deals that were won, the second every deal won in it."""
    start = clock.now
    on(clock, 10, 30)
    await create(seller, "Октябрь", "1000")
    on(clock, 11, 2)
    await seller.press("✅ Успешно")  # created in October, won in November
    await create(seller, "Ноябрь", "2000")
    on(clock, 11, 5)
    await seller.press("✅ Успешно")
    clock.now = start
    await admin.send("/funnel")
    await admin.press("Новые клиенты")
    text = last_text(bot, admin.tg_id)
    assert "🏁 Из них выиграно: 1" in text
    assert f"✅ Выиграно: 2 на {rub('3 000')}" in text


async def test_a_range_typed_without_a_year_is_never_in_the_future(
    admin: Person, clock: FakeClock
) -> None:
    """Found in the sandbox: on 23 November "01.12–05.12" gave December to come, all zeros;
    a head means the last December. Over New Year, "20.12–10.01" was "reversed"."""
    await admin.send("/report")
    await admin.press("Свои даты")
    await admin.send("01.12–05.12")
    assert "01.12.2025 — 05.12.2025" in admin.text
    clock.now = datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
    await admin.send("/report")
    await admin.press("Свои даты")
    await admin.send("20.12–10.01")
    assert "20.12.2026 — 10.01.2027" in admin.text
