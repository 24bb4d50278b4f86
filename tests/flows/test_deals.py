"""A seller creates a deal from a phone and moves it to won or lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ClientRow, DealEventRow, DealRow, StageRow
from tests.flows.conftest import join
from tests.flows.harness import Person, said


async def create(seller: Person, client: str, amount: str | None = "150000") -> None:
    await seller.send("/new")
    await seller.send(client)
    if said.of(seller.lang)("new.client_matches") in seller.text:
        await seller.press("➕")
    if amount is None:
        await seller.press(said.of(seller.lang)("btn.skip"))
    else:
        await seller.send(amount)
    await seller.press(said.of(seller.lang)("quick.btn.create"))  # no channel, no product


async def rows(engine: AsyncEngine, stmt: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(stmt)).all())


async def test_seller_creates_a_deal_step_by_step(seller: Person, engine: AsyncEngine) -> None:
    await seller.send(said("menu.new_deal"))
    assert said("quick.ask", pipeline="Новые клиенты") in seller.text
    assert seller.buttons() == [
        "🔀 Действующие клиенты",
        "🔀 Возврат клиентов",
        said("quick.pref.asked"),
    ]
    await seller.send("ООО Ромашка")
    assert said("new.ask_amount") in seller.text
    await seller.send("1,5 млн")
    assert said("quick.btn.create") in seller.buttons()
    await seller.press(said("channel.referral"))
    await seller.send("CRM внедрение")
    card = seller.card
    assert "💼 <b>ООО Ромашка</b>" in card
    assert "1\u00a0500\u00a0000\u00a0₽" in card
    assert said.part("card.stage", stage="Первый контакт", no=1, total=7) in card
    assert said("card.owner", owner="Sergey") in card
    assert said("card.channel", channel=said("channel.referral")) in card
    assert seller.card_buttons()[0] == said("card.btn.next", stage="Квалификация")

    [(title, amount, channel, product, status)] = await rows(
        engine,
        select(DealRow.title, DealRow.amount, DealRow.channel, DealRow.product, DealRow.status),
    )
    assert (title, amount, channel, product, status) == (
        "ООО Ромашка",
        150_000_000,
        "referral",
        "CRM внедрение",
        "open",
    )
    assert [r[0] for r in await rows(engine, select(DealEventRow.kind))] == ["created"]


async def test_usual_pipeline_is_preselected_and_can_be_switched(seller: Person) -> None:
    await seller.send("/new")
    await seller.press("Возврат клиентов")
    assert said("quick.ask", pipeline="Возврат клиентов") in seller.text
    await seller.send("Альфа")
    await seller.press(said("btn.skip"))
    await seller.press(said("quick.btn.create"))
    assert said("card.pipeline", pipeline="Возврат клиентов") in seller.card
    await seller.send("/new")
    assert said("quick.ask", pipeline="Возврат клиентов") in seller.text


async def test_an_existing_client_is_offered_instead_of_a_double(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "ООО Ромашка")
    await seller.send("/new")
    await seller.send("ромашка")
    assert said("new.client_matches") in seller.text
    assert seller.buttons() == ["👤 ООО Ромашка", said("new.btn.new_client", name="ромашка")]
    await seller.press("👤 ООО Ромашка")
    await seller.send("200к")
    await seller.press(said("quick.btn.create"))
    assert (await rows(engine, select(func.count()).select_from(ClientRow)))[0][0] == 1
    assert [
        r[0] for r in await rows(engine, select(DealRow.is_new_client).order_by(DealRow.id))
    ] == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("сто тысяч", said("amount.format")),
        ("-5000", said("amount.negative")),
        ("9" * 40, said("amount.too_large")),
    ],
)
async def test_a_malformed_amount_is_asked_again(
    seller: Person, engine: AsyncEngine, typed: str, answer: str
) -> None:
    await seller.send("/new")
    await seller.send("Бета")
    await seller.send(typed)
    assert answer in seller.text
    await seller.send("150 000 ₽")
    assert said("quick.btn.create") in seller.buttons()


async def test_cancel_leaves_the_flow_and_writes_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await seller.send("Гамма")
    await seller.send("/cancel")
    assert seller.text == said("cancel.done")
    await seller.send("150000")  # outside any step: a search, which finds nothing
    assert seller.text == said("plain.nothing", text="150000")
    assert await rows(engine, select(DealRow.id)) == []


async def test_an_overlong_client_name_is_refused_and_can_be_retyped(seller: Person) -> None:
    await seller.send("/new")
    await seller.send("Я" * 101)
    assert (
        said("error.text_too_long", length=said.n("chars", 101), limit=said.n("chars", 100))
        in seller.text
    )
    await seller.send("Эпсилон")
    assert said("new.ask_amount") in seller.text


async def test_next_stage_edits_the_card_in_place_and_records_history(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.next", stage="Квалификация"))
    edit = seller.bot.last(EditMessageText)
    assert said.part("card.stage", stage="Квалификация", no=2, total=7) in str(edit.text)
    assert seller.alert == said("card.moved", stage="Квалификация")
    assert isinstance(seller.replies[0], AnswerCallbackQuery)  # the press is answered first
    # The answer, and the card edited to ask for the next step: nothing sent (the prompt the
    # new deal asked with is taken away: one live prompt a deal).
    assert [type(r) for r in seller.replies][:2] == [AnswerCallbackQuery, EditMessageText]
    assert not [r for r in seller.replies if isinstance(r, SendMessage)]
    assert str(edit.text).endswith("\n\n" + said("task.next_step_ask", deal="Ромашка"))
    buttons = seller.card_buttons()
    assert buttons[0] == said("when.today_18")  # the quick picks first, then the card's own
    assert said("card.btn.next", stage="Встреча / презентация") in buttons
    assert buttons.index(said("task.btn.own")) < buttons.index(
        said("card.btn.next", stage="Встреча / презентация")
    )
    events = await rows(
        engine,
        select(DealEventRow.kind, DealEventRow.from_stage_id, DealEventRow.to_stage_id).order_by(
            DealEventRow.id
        ),
    )
    assert [e[0] for e in events] == ["created", "stage"]
    assert events[1][2] == events[1][1] + 1
    await seller.press(said("card.btn.next", stage="Встреча / презентация"))
    assert [type(r) for r in seller.replies] == [AnswerCallbackQuery, EditMessageText]


async def test_choose_any_stage_and_the_same_stage_is_a_no_op(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.stages"))
    assert said("card.choose_stage") in seller.text
    await seller.press("Договор")
    assert said.part("card.stage", stage="Договор", no=6, total=7) in seller.card
    await seller.press(said("card.btn.stages"))
    await seller.press("• Договор")
    assert seller.alert == said("card.already_there", stage="Договор")
    kinds = [r[0] for r in await rows(engine, select(DealEventRow.kind))]
    assert kinds.count("stage") == 1


async def test_won_closes_the_deal_and_a_second_press_changes_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button(said("card.btn.won"))
    await seller.press_data(data, message.message_id)
    assert seller.alert == said("card.won_toast")
    assert said("card.won") in seller.card
    assert said("card.btn.reopen") in seller.card_buttons()
    await seller.press_data(data, message.message_id)
    assert seller.alert == said("error.deal_closed")
    [(status, closed_at)] = await rows(engine, select(DealRow.status, DealRow.closed_at))
    assert status == "won" and closed_at is not None
    kinds = [r[0] for r in await rows(engine, select(DealEventRow.kind))]
    assert kinds == ["created", "won"]


async def test_lost_with_a_listed_reason_and_reopen(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.next", stage="Квалификация"))
    await seller.press(said("card.btn.lost"))
    assert said("lost.choose") in seller.text
    await seller.press("Дорого")
    assert said("card.lost", reason="Дорого") in seller.card
    await seller.press(said("card.btn.reopen"))
    assert said.part("card.stage", stage="Квалификация") in seller.card
    lost = await rows(
        engine,
        select(DealEventRow.text, DealEventRow.from_stage_id).where(DealEventRow.kind == "lost"),
    )
    stage = await rows(engine, select(StageRow.name).where(StageRow.id == lost[0][1]))
    assert lost[0][0] == "Дорого" and stage[0][0] == "Квалификация"


async def test_lost_with_a_typed_reason(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.lost"))
    await seller.press(said("lost.btn.other"))
    assert seller.text == said("lost.ask_text")
    await seller.send("Ушли к <конкуренту> & партнёру")
    assert said("card.lost", reason="Ушли к &lt;конкуренту&gt; &amp; партнёру") in seller.card
    [(reason,)] = await rows(engine, select(DealRow.lost_reason_text))
    assert reason == "Ушли к <конкуренту> & партнёру"


async def test_a_note_is_kept_in_the_history(seller: Person) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.note"))
    await seller.send("Перезвонить после обеда")
    assert said("note.saved") in seller.texts[0]
    await seller.press(said("card.btn.history"))
    assert said("history.note", text="Перезвонить после обеда") in seller.text
    created = said("history.created", stage="Первый контакт")
    assert said.part("history.row", who="Sergey", what=created) in seller.text


async def test_a_seller_cannot_touch_a_colleagues_deal(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button(said("card.btn.next", stage="Квалификация"))
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    await olga.press_data(data, message.message_id)
    assert olga.alert == said("error.access_denied")
    assert olga.texts == []  # nothing edited, nothing revealed
    assert [r[0] for r in await rows(engine, select(DealEventRow.kind))] == ["created"]


async def test_a_head_acts_on_any_deal(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    await create(seller, "Ромашка")
    _, data = seller.find_button(said("card.btn.next", stage="Квалификация"))
    head = person(3000, "Helen")
    await join(admin, head, said("role.head"))
    await head.press_data(data, 5)
    assert said.part("card.stage", stage="Квалификация") in head.card
    await head.send("/deals")
    assert said.part("deals.title_all") in head.text
    assert "Sergey" in head.text


@pytest.mark.parametrize(
    "data", ["d:m:999999:1", "garbage", "d:zz:1:1", "d:m:abc:1", "nd:p:1", "dl:x:y:z"]
)
async def test_forged_or_stale_buttons_get_a_polite_alert(seller: Person, data: str) -> None:
    await seller.press_data(data)
    assert seller.alert in (
        said("error.deal_not_found"),
        said("error.stale_button"),
    )


async def test_a_stranger_pressing_a_sellers_button_gets_the_door(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    _, data = seller.find_button(said("card.btn.next", stage="Квалификация"))
    eve = person(9999, "Eve")
    await eve.press_data(data)
    assert said("start.stranger") in str(eve.alert)
    assert [r[0] for r in await rows(engine, select(DealEventRow.kind))] == ["created"]


async def test_two_concurrent_presses_move_the_deal_once(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button(said("card.btn.next", stage="Квалификация"))
    await asyncio.gather(
        seller.press_data(data, message.message_id), seller.press_data(data, message.message_id)
    )
    kinds = [r[0] for r in await rows(engine, select(DealEventRow.kind))]
    assert kinds.count("stage") == 1
    [(version,)] = await rows(engine, select(DealRow.version))
    assert version == 2


async def test_a_command_or_menu_button_mid_flow_is_not_taken_as_an_answer(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await seller.send("/deals")
    assert said("deals.empty") in seller.text
    await seller.send("/new")
    await seller.send("Омега")
    await seller.send(said("menu.deals"))
    assert said("deals.empty") in seller.text
    await seller.send("/new")
    await seller.send("/nonsense")
    assert seller.text == said("fallback.unknown_command")
    assert await rows(engine, select(ClientRow.id)) == []


async def test_forged_huge_numbers_are_refused_politely(seller: Person) -> None:
    for data in (
        "d:o:99999999999999999999999:0",
        "t:h:1:99999999999999",
        "ns:1:99999999999999",
        "du:99999999999999",
        "dl:0:0:99999999",
    ):
        await seller.press_data(data)
        assert seller.alert == said("error.stale_button"), data


async def test_a_change_on_an_outdated_card_shows_the_card_as_it_is_now(
    seller: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.deals import SqlDealRepo

    await create(seller, "Ромашка")

    async def someone_was_faster(self: SqlDealRepo, change: Any) -> bool:
        return False

    monkeypatch.setattr(SqlDealRepo, "apply", someone_was_faster)
    await seller.press(said("card.btn.next", stage="Квалификация"))
    assert seller.alert == said("error.stale_action")
    assert said.part("card.stage", stage="Первый контакт", no=1, total=7) in seller.card


async def test_a_bare_slash_is_answered_like_any_unknown_command(seller: Person) -> None:
    for typed in ("/", "/ ", "/  help"):
        await seller.send(typed)
        assert seller.text == said("fallback.unknown_command")
    await seller.send("/new")
    await seller.send("/")
    assert seller.text == said("fallback.unknown_command")
