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
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.mocked_bot import MockedBot


def sent_to(bot: MockedBot, chat_id: int) -> list[str]:
    return [r.text for r in bot.sent(SendMessage) if r.chat_id == chat_id]


BOT_LINK = "https://t.me/salesbot_test_bot?start="


async def one(engine: AsyncEngine, stmt: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(stmt)).one()


async def win_and_ask(seller: Person, client: str = "Ромашка") -> str:
    """The seller wins a deal and asks for feedback; returns the client's link token."""
    await create(seller, client)
    await seller.press(said("card.btn.won"))
    assert seller.text == said("feedback.prompt")
    await seller.press(said("feedback.btn.ask"))
    link, forward = seller.texts
    assert link.startswith(said.part("feedback.link", company=client) + BOT_LINK)
    assert forward.startswith(said.part("feedback.forward") + BOT_LINK)
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
    assert said("survey.hello", name="Ромашка") in client.text
    assert said("survey.about", seller="Sergey") in client.text
    assert said("survey.question") in client.text
    assert client.buttons() == [*map(str, range(11)), said("survey.btn.opt_out")]
    _, three = client.find_button("3")
    await client.press_data(three)
    assert client.alert == said("survey.thanks_toast")
    assert client.text == said("survey.why")
    await jobs.deliver()
    alert = said("nps.alert.detractor", company="Ромашка", score=3)
    assert sent_to(bot, seller.tg_id)[-1] == alert
    assert sent_to(bot, admin.tg_id)[-1] == alert
    await client.send("Долго везли заказ")
    assert client.text == said("survey.thanks")
    await jobs.deliver()
    comment = said("nps.alert.comment", company="Ромашка", score=3, comment="Долго везли заказ")
    assert sent_to(bot, seller.tg_id)[-1] == comment
    assert sent_to(bot, admin.tg_id)[-1] == comment

    await client.press_data(three)
    assert client.alert == said("error.survey_answered")
    score, note = await one(engine, select(SurveyRow.score, SurveyRow.comment))
    assert (score, note) == (3, "Долго везли заказ")

    _, recovery = seller.find_button(said("nps.btn.recovery"))
    await seller.press_data(recovery)
    assert seller.alert == said("nps.recovery_created", due=said("when.tomorrow_at", time="10:00"))
    await seller.press_data(recovery)
    assert seller.alert == said("nps.recovery_exists", due=said("when.tomorrow_at", time="10:00"))
    async with engine.connect() as conn:
        tasks = (await conn.execute(select(TaskRow.text, TaskRow.assignee_id))).all()
    seller_id = (await one(engine, select(UserRow.id).where(UserRow.tg_id == seller.tg_id)))[0]
    assert tasks == [(said("nps.recovery_text"), seller_id)]


async def test_a_promoter_prompts_the_seller_to_ask_for_a_referral(
    admin: Person, seller: Person, person: Callable[..., Person], jobs: Jobs, bot: MockedBot
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("10")[1])
    await client.press(said("btn.skip"))
    assert client.text == said("survey.thanks")
    await jobs.deliver()
    promoter = said("nps.alert.promoter", company="Ромашка", score=10)
    assert sent_to(bot, seller.tg_id)[-1].startswith(promoter)
    assert not [t for t in sent_to(bot, admin.tg_id) if said.part("nps.alert.promoter") in t]


async def test_a_client_sees_nothing_but_surveys(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    client = await client_opens_link(seller, person)
    await client.press_data(client.find_button("8")[1])
    await client.press(said("btn.skip"))
    polite = said("client.only_surveys")
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
    assert stranger.text == said("error.invite_invalid")
    await seller.send(f"/start {token}")
    assert seller.text == said("error.survey_for_staff")
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    survey_id = (await one(engine, select(SurveyRow.id)))[0]
    await client.press_data(f"nps:{survey_id}:11")
    assert client.alert == said("error.score_invalid")
    await stranger.press_data(f"nps:{survey_id}:9")
    assert stranger.alert == said("error.survey_invalid")
    clock.advance(days=15)
    await client.press_data(f"nps:{survey_id}:9")
    assert client.alert == said("error.survey_invalid")
    late = person(5002, "Поздний")
    await late.send(f"/start {token}")
    assert late.text == said("error.survey_invalid")
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
    await client.press(said("survey.btn.opt_out"))
    assert client.text == said("survey.opted_out")
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
    await seller.send("Ромашка")  # the same client, taken without asking
    await seller.send("100000")
    await seller.press(said("quick.btn.create"))
    await seller.press(said("card.btn.won"))
    clock.advance(days=7, hours=1)
    bot.clear()
    await jobs.tick()
    await jobs.tick()
    questions = [t for t in sent_to(bot, client.tg_id) if said("survey.question") in t]
    assert len(questions) == 1
    await client.press_data(client.find_button("9")[1])
    assert client.alert == said("survey.thanks_toast")
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
    assert said("nps.title_team", start="01.11.2026", end="30.11.2026") in text
    assert said("nps.index", score="+25") in text  # (2 − 1) / 4
    assert said("nps.group.promoter", count=2, share=50) in text
    assert said("nps.group.passive", count=1, share=25) in text
    assert said("nps.group.detractor", count=1, share=25) in text
    assert said("nps.answers", sent=5, answers=4, rate="80%") in text
    assert "• Sergey: +25 (n=4)" in text
    assert "• Новые клиенты: +25 (n=4)" in text
    assert "• 3: Дорого" in text
    assert bot.sent(SendChatAction)[-1].action == "upload_photo"
    photo = bot.last(SendPhoto)
    assert photo.chat_id == admin.tg_id
    await admin.press(said("nps.period.quarter"))
    quarter = said("nps.title_team", start="01.10.2026", end="31.12.2026")
    assert quarter in sent_to(bot, admin.tg_id)[-1]
    await seller.send("/nps")
    assert said.part("nps.title_mine") in seller.texts[0]


async def test_an_english_client_gets_english(
    seller: Person, person: Callable[..., Person]
) -> None:
    token = await win_and_ask(seller)
    client = person(5003, "John", "en")
    await client.send(f"/start {token}")
    en = said.of("en")
    assert en("survey.question") in client.text
    assert client.buttons()[-1] == en("survey.btn.opt_out")


async def test_a_deactivated_client_chat_is_not_reused(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    async with engine.begin() as conn:
        await conn.execute(update(UserRow).where(UserRow.tg_id == 2500).values(is_active=False))
    token = await win_and_ask(seller)
    await olga.send(f"/start {token}")
    assert olga.text == said("error.survey_for_staff")


async def test_a_survey_about_a_reopened_deal_still_records_for_its_seller(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    # The answer rates the seller and the company, not the deal's current stage: it counts.
    token = await win_and_ask(seller)
    await seller.press(said("card.btn.reopen"))
    assert said.part("card.stage", stage="Первый контакт") in seller.card
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    await client.press_data(client.find_button("7")[1])
    assert client.alert == said("survey.thanks_toast")
    score, seller_id = await one(engine, select(SurveyRow.score, SurveyRow.seller_id))
    owner = (await one(engine, select(UserRow.id).where(UserRow.tg_id == seller.tg_id)))[0]
    assert (score, seller_id) == (7, owner)


async def test_two_contacts_of_one_client_answer_their_own_links(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    first = await win_and_ask(seller)
    await seller.press(said("card.btn.feedback"))
    assert seller.texts[-1].split("?start=")[1] == first  # not opened yet: the same link
    anna, boris = person(5010, "Анна"), person(5011, "Борис")
    await anna.send(f"/start {first}")
    await seller.press(said("card.btn.feedback"))
    second = seller.texts[-1].split("?start=")[1]
    assert second != first
    await boris.send(f"/start {second}")
    await boris.press_data(boris.find_button("9")[1])
    await anna.press_data(anna.find_button("6")[1])
    assert anna.alert == said("survey.thanks_toast")
    eve = person(5012, "Ева")
    await eve.send(f"/start {first}")  # the link, forwarded on
    assert eve.text == said("error.survey_link_spent")
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
    assert client.text == said("survey.press_score")
    await client.press_data(client.find_button("10")[1])
    assert (await one(engine, select(SurveyRow.score)))[0] == 10
    await client.press(said("btn.skip"))
    await client.send("ещё раз")
    assert client.text == said("client.only_surveys")


async def test_a_spent_link_tells_only_its_client_that_the_answer_is_recorded(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    token = await win_and_ask(seller)
    client = person(5000, "Пётр")
    await client.send(f"/start {token}")
    await client.press_data(client.find_button("9")[1])
    await client.send(f"/start {token}")
    assert client.text == said("error.survey_answered")
    stranger, english = person(5001, "Ева"), person(5002, "Eve", "en")
    for other, expected in (
        (stranger, said("error.survey_link_spent")),
        (english, said.of("en")("error.survey_link_spent")),
        (seller, said("error.survey_link_spent")),
        (admin, said("error.survey_link_spent")),
    ):
        await other.send(f"/start {token}")
        assert other.text == expected
        assert "ответ" not in other.text and "answer" not in other.text
