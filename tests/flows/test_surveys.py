"""NPS: the seller wins a deal and asks; the client answers; detractors reach the team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.methods import SendChatAction, SendMessage, SendPhoto
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ClientRow, SurveyRow, TaskRow, UserRow
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person
from tests.flows.test_deals import create
from tests.mocked_bot import MockedBot


def sent_to(bot: MockedBot, chat_id: int) -> list[str]:
    return [r.text for r in bot.sent(SendMessage) if r.chat_id == chat_id]


async def one(engine: AsyncEngine, stmt: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(stmt)).one()


async def win_and_ask(seller: Person, client: str = "Ромашка") -> str:
    """The seller wins a deal and asks for feedback; returns the client's link token."""
    await create(seller, client)
    await seller.press("✅ Успешно")
    assert seller.text == "🎉 Сделка выиграна! Попросите клиента оценить работу — это одна ссылка."
    await seller.press("⭐ Попросить отзыв")
    link, forward = seller.texts
    assert link.startswith(f"⭐ Опрос для «{client}» готов: https://t.me/salesbot_test_bot?start=")
    assert forward.startswith("Здравствуйте! Нам очень важно ваше мнение.")
    return forward.split("?start=")[1]


async def client_opens_link(seller: Person, person: Callable[..., Person]) -> Person:
    """The seller wins a deal and asks; Пётр, the client, opens the link."""
    token = await win_and_ask(seller)
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    return client


async def test_a_detractor_reaches_the_seller_and_the_head_with_a_recovery_task(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    token = await win_and_ask(seller)
    assert len(token) >= 32  # 192 random bits
    client = person(5000, "Пётр", "ru")
    await client.send(f"/start {token}")
    assert "Здравствуйте, Ромашка!" in client.text
    assert "Ваш менеджер — Sergey." in client.text
    assert "порекомендуете нас другу или коллеге" in client.text
    assert client.buttons() == [*map(str, range(11)), "🔕 Больше не спрашивать"]
    _, three = client.find_button("3")
    await client.press_data(three)
    assert client.alert == "Спасибо за оценку!"
    assert client.text.startswith("Какая главная причина вашей оценки?")
    await jobs.deliver()
    alert = "🚨 Критик: «Ромашка» оценил(а) нас на 3 из 10. Свяжитесь с клиентом и разберитесь."
    assert sent_to(bot, seller.tg_id)[-1] == alert
    assert sent_to(bot, admin.tg_id)[-1] == alert
    await client.send("Долго везли заказ")
    assert client.text == "Спасибо! Ваш ответ очень важен для нас 🙏"
    await jobs.deliver()
    comment = "💬 «Ромашка» (3 из 10) объясняет: Долго везли заказ"
    assert sent_to(bot, seller.tg_id)[-1] == comment
    assert sent_to(bot, admin.tg_id)[-1] == comment

    await client.press_data(three)
    assert client.alert == "Ваш ответ уже записан. Спасибо!"
    score, note = await one(engine, select(SurveyRow.score, SurveyRow.comment))
    assert (score, note) == (3, "Долго везли заказ")

    _, recovery = seller.find_button("🛟 Задача: вернуть клиента")
    await seller.press_data(recovery)
    assert seller.alert == "Задача поставлена на завтра 10:00"
    await seller.press_data(recovery)
    assert seller.alert == "Задача уже есть: завтра 10:00"
    async with engine.connect() as conn:
        tasks = (await conn.execute(select(TaskRow.text, TaskRow.assignee_id))).all()
    seller_id = (await one(engine, select(UserRow.id).where(UserRow.tg_id == seller.tg_id)))[0]
    assert tasks == [("Связаться с недовольным клиентом и разобраться", seller_id)]


async def test_a_promoter_prompts_the_seller_to_ask_for_a_referral(
    admin: Person, seller: Person, person: Callable[..., Person], jobs: Jobs, bot: MockedBot
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("10")[1])
    await client.press("Пропустить")
    assert client.text == "Спасибо! Ваш ответ очень важен для нас 🙏"
    await jobs.deliver()
    assert sent_to(bot, seller.tg_id)[-1].startswith(
        "💚 Промоутер: «Ромашка» поставил(а) 10 из 10."
    )
    assert not [t for t in sent_to(bot, admin.tg_id) if "Промоутер" in t]


async def test_a_client_sees_nothing_but_surveys(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("8")[1])
    await client.press("Пропустить")
    polite = "Спасибо, что вы с нами! Здесь я только задаю вопросы об оценке нашей работы."
    for text in ("/new", "/deals", "/nps", "привет", "/start", "/invite"):
        await client.send(text)
        assert client.text.startswith(polite), text
    await client.press_data("d:w:1:0")
    assert str(client.alert).startswith(polite)
    status = (await one(engine, select(SurveyRow.status)))[0]
    assert status == "answered"


async def test_bad_tokens_and_forged_scores_are_refused(
    seller: Person, person: Callable[..., Person], clock: FakeClock, engine: AsyncEngine
) -> None:
    token = await win_and_ask(seller)
    stranger = person(5001, "Ева")
    await stranger.send("/start " + "A" * 43)
    assert stranger.text.startswith("Эта ссылка недействительна")
    await seller.send(f"/start {token}")
    assert seller.text == "Это ссылка для клиента: перешлите её ему."
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    survey_id = (await one(engine, select(SurveyRow.id)))[0]
    await client.press_data(f"nps:{survey_id}:11")
    assert client.alert == "Оценка — число от 0 до 10."
    await stranger.press_data(f"nps:{survey_id}:9")
    assert (
        stranger.alert
        == "Эта ссылка на опрос недействительна или устарела. Спасибо, что хотели ответить!"
    )
    clock.advance(days=15)
    await client.press_data(f"nps:{survey_id}:9")
    assert str(client.alert).startswith("Эта ссылка на опрос недействительна")
    late = person(5002, "Поздний")
    await late.send(f"/start {token}")
    assert late.text.startswith("Эта ссылка на опрос недействительна")
    assert (await one(engine, select(SurveyRow.score)))[0] is None


async def test_opt_out_is_honoured_by_follow_ups(
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    client = await client_opens_link(seller, person)
    await client.press("Больше не спрашивать")
    assert client.text == "Понятно, больше не будем спрашивать. Спасибо!"
    assert (await one(engine, select(ClientRow.do_not_survey)))[0] is True
    clock.advance(days=100)
    bot.clear()
    await jobs.tick()
    assert sent_to(bot, client.tg_id) == []


async def test_follow_up_surveys_go_straight_to_a_client_who_answered_before(
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("8")[1])
    clock.advance(days=31)  # past the minimum gap
    await seller.send("/new")  # a second deal with the same client
    await seller.send("Ромашка")
    await seller.press("👤 Ромашка")
    await seller.send("100000")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    await seller.press("✅ Успешно")
    clock.advance(days=7, hours=1)
    bot.clear()
    await jobs.tick()
    await jobs.tick()
    questions = [t for t in sent_to(bot, client.tg_id) if "порекомендуете" in t]
    assert len(questions) == 1
    await client.press_data(client.find_button("9")[1])
    assert client.alert == "Спасибо за оценку!"
    async with engine.connect() as conn:
        kinds = (
            await conn.execute(select(SurveyRow.kind, SurveyRow.score).order_by(SurveyRow.id))
        ).all()
    assert kinds == [("link", 8), ("after_won", 9)]


async def test_the_nps_report_matches_the_answers(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    for i, score in enumerate([10, 9, 8, 3]):
        token = await win_and_ask(seller, f"Клиент {i}")
        client = person(6000 + i, f"К{i}")
        await client.send(f"/start {token}")
        await client.press_data(client.find_button(str(score))[1])
        if score == 3:
            await client.send("Дорого")
    await win_and_ask(seller, "Молчун")  # sent, never answered
    bot.clear()
    await admin.send("/nps")
    text = sent_to(bot, admin.tg_id)[0]
    assert "📊 <b>NPS команды</b> · 01.11.2026 — 30.11.2026" in text
    assert "Индекс: <b>+25</b>" in text  # (2 − 1) / 4
    assert "💚 Промоутеры: 2 (50%)" in text
    assert "😐 Пассивные: 1 (25%)" in text
    assert "🚨 Критики: 1 (25%)" in text
    assert "Опросов за период: 5, ответили 4 (80%)" in text
    assert "• Sergey: +25 (n=4)" in text
    assert "• Новые клиенты: +25 (n=4)" in text
    assert "• 3: Дорого" in text
    assert bot.sent(SendChatAction)[-1].action == "upload_photo"
    photo = bot.last(SendPhoto)
    assert photo.chat_id == admin.tg_id
    await admin.press("Квартал")
    assert "01.10.2026 — 31.12.2026" in sent_to(bot, admin.tg_id)[-1]
    await seller.send("/nps")
    assert "📊 <b>Мой NPS</b>" in seller.texts[0]


async def test_an_english_client_gets_english(
    seller: Person, person: Callable[..., Person]
) -> None:
    token = await win_and_ask(seller)
    client = person(5003, "John", "en")
    await client.send(f"/start {token}")
    assert "How likely are you to recommend us to a friend or colleague?" in client.text
    assert client.buttons()[-1] == "🔕 Don't ask me again"


async def test_a_deactivated_client_chat_is_not_reused(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, "менеджер")
    async with engine.begin() as conn:
        await conn.execute(update(UserRow).where(UserRow.tg_id == 2500).values(is_active=False))
    token = await win_and_ask(seller)
    await olga.send(f"/start {token}")
    assert olga.text == "Это ссылка для клиента: перешлите её ему."


async def test_a_survey_about_a_reopened_deal_still_records_for_its_seller(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    # The answer rates the seller and the company, not the deal's current stage: it counts.
    token = await win_and_ask(seller)
    await seller.press("↩️ Вернуть в работу")
    assert "Этап: Первый контакт" in seller.card
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    await client.press_data(client.find_button("7")[1])
    assert client.alert == "Спасибо за оценку!"
    score, seller_id = await one(engine, select(SurveyRow.score, SurveyRow.seller_id))
    owner = (await one(engine, select(UserRow.id).where(UserRow.tg_id == seller.tg_id)))[0]
    assert (score, seller_id) == (7, owner)


async def test_two_contacts_of_one_client_answer_their_own_links(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    first = await win_and_ask(seller)
    await seller.press("⭐ Отзыв клиента")
    assert seller.texts[-1].split("?start=")[1] == first  # not opened yet: the same link
    anna, boris = person(5010, "Анна"), person(5011, "Борис")
    await anna.send(f"/start {first}")
    await seller.press("⭐ Отзыв клиента")
    second = seller.texts[-1].split("?start=")[1]
    assert second != first
    await boris.send(f"/start {second}")
    await boris.press_data(boris.find_button("9")[1])
    await anna.press_data(anna.find_button("6")[1])
    assert anna.alert == "Спасибо за оценку!"
    eve = person(5012, "Ева")
    await eve.send(f"/start {first}")  # the link, forwarded on
    assert eve.text == "Эта ссылка больше не действует."
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(SurveyRow.chat_id, SurveyRow.score).order_by(SurveyRow.id))
        ).all()
    assert rows == [(5010, 6), (5011, 9)]


async def test_a_client_typing_instead_of_pressing_gets_the_buttons_again(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    client = await client_opens_link(seller, person)
    await client.send("десять")
    assert client.text == "Пожалуйста, выберите оценку кнопкой: от 0 (точно нет) до 10 (точно да)."
    await client.press_data(client.find_button("10")[1])
    assert (await one(engine, select(SurveyRow.score)))[0] == 10
    await client.press("Пропустить")
    await client.send("ещё раз")
    assert client.text.startswith("Спасибо, что вы с нами!")


async def test_a_spent_link_tells_only_its_client_that_the_answer_is_recorded(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    token = await win_and_ask(seller)
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    await client.press_data(client.find_button("9")[1])
    await client.send(f"/start {token}")
    assert client.text == "Ваш ответ уже записан. Спасибо!"
    stranger, english = person(5001, "Ева"), person(5002, "Eve", "en")
    for other, expected in (
        (stranger, "Эта ссылка больше не действует."),
        (english, "This link is no longer valid."),
        (seller, "Эта ссылка больше не действует."),
        (admin, "Эта ссылка больше не действует."),
    ):
        await other.send(f"/start {token}")
        assert other.text == expected
        assert "ответ" not in other.text and "answer" not in other.text
