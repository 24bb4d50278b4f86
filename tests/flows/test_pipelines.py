"""`/pipelines`: an admin shapes pipelines, stages and lost reasons in the chat."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import StageId
from bot.domain.stage_metrics import FunnelDeal, stage_conversions
from storage.models import (
    AuditRow,
    ClientRow,
    DealEventRow,
    DealRow,
    LostReasonRow,
    PipelineRow,
    StageRow,
)
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person
from tests.flows.test_deals import create, rows
from tests.flows.test_reports import last_text
from tests.mocked_bot import MockedBot

NEW = "Новые клиенты"


async def open_pipeline(admin: Person, name: str = NEW) -> None:
    await admin.send("/pipelines")
    await admin.press(name)


async def stages_of(engine: AsyncEngine, pipeline: str = NEW) -> list[tuple[str, int, int]]:
    """Active stages of a pipeline in order: name, probability, stall days."""
    return [
        (name, p, s)
        for name, p, s in await rows(
            engine,
            select(StageRow.name, StageRow.probability, StageRow.stall_days)
            .join(PipelineRow, PipelineRow.id == StageRow.pipeline_id)
            .where(PipelineRow.name == pipeline, StageRow.is_archived.is_(False))
            .order_by(StageRow.position),
        )
    ]


async def snapshot(engine: AsyncEngine) -> list[Any]:
    """Everything an edit could touch: a refused edit leaves it exactly as it was."""
    tables = (PipelineRow, StageRow, LostReasonRow, DealRow, DealEventRow, AuditRow)
    return [sorted(map(tuple, await rows(engine, select(t)))) for t in tables]


async def stage_id(engine: AsyncEngine, name: str, pipeline: str = NEW) -> int:
    [(sid,)] = await rows(
        engine,
        select(StageRow.id)
        .join(PipelineRow, PipelineRow.id == StageRow.pipeline_id)
        .where(StageRow.name == name, PipelineRow.name == pipeline),
    )
    return int(sid)


async def pipeline_id(engine: AsyncEngine, name: str) -> int:
    [(pid,)] = await rows(engine, select(PipelineRow.id).where(PipelineRow.name == name))
    return int(pid)


async def audit_actions(engine: AsyncEngine) -> list[str]:
    return [a for (a,) in await rows(engine, select(AuditRow.action).order_by(AuditRow.id))]


# The list and new pipelines


async def test_the_admin_sees_the_pipelines_with_their_stage_counts(admin: Person) -> None:
    await admin.send("/pipelines")
    assert "🧭 <b>Воронки</b>" in admin.text
    assert "• Новые клиенты — 7 этапов" in admin.text
    assert "• Возврат клиентов — 5 этапов" in admin.text
    assert admin.buttons() == [NEW, "Действующие клиенты", "Возврат клиентов", "➕ Новая воронка"]
    await admin.press(NEW)
    assert "🧭 <b>Новые клиенты</b>, этапы:" in admin.text
    assert "1. Первый контакт · 10% · застой через 2 дня" in admin.text
    assert "Причин проигрыша в списке: 7." in admin.text


async def test_a_wholesale_pipeline_from_the_template_and_a_second_one_numbered(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press("➕ Новая воронка")
    assert admin.buttons() == [
        NEW,
        "Действующие клиенты",
        "Возврат клиентов",
        "Опт",
        "Розница",
        "Пустая",
        "◀️ Назад",
    ]
    await admin.press("Опт")
    assert admin.alert == "✅ Воронка «Опт» создана."
    assert "🧭 <b>Опт</b>, этапы:" in admin.text
    assert "4. Пробная партия · 50% · застой через 14 дней" in admin.text
    assert len(await stages_of(engine, "Опт")) == 7
    await admin.send("/pipelines")
    await admin.press("➕ Новая воронка")
    await admin.press("Опт")
    assert admin.alert == "✅ Воронка «Опт 2» создана."
    reasons = await rows(
        engine,
        select(func.count())
        .select_from(LostReasonRow)
        .join(PipelineRow, PipelineRow.id == LostReasonRow.pipeline_id)
        .where(PipelineRow.name == "Опт 2"),
    )
    assert reasons == [(8,)]
    assert await audit_actions(engine) == ["pipeline.add", "pipeline.add"]


async def test_an_empty_pipeline_gets_a_typed_name_and_one_stage(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press("➕ Новая воронка")
    await admin.press("Пустая")
    assert admin.text.startswith("Как назвать воронку?")
    before = await snapshot(engine)
    for bad, answer in (
        ("   ", "Пустой текст. Напишите, пожалуйста, словами."),
        ("Я" * 65, "Слишком длинно: 65 символов, можно не больше 64 символа."),
        ("новые  КЛИЕНТЫ", "Название «новые КЛИЕНТЫ» уже занято. Придумайте другое."),
    ):
        await admin.send(bad)
        assert admin.text.startswith(answer), bad
    assert await snapshot(engine) == before
    await admin.send("Тендеры")
    assert admin.texts[0] == "✅ Сохранено."
    assert "🧭 <b>Тендеры</b>, этапы:" in admin.text
    assert await stages_of(engine, "Тендеры") == [("Первый контакт", 10, 3)]


async def test_the_new_empty_pipeline_takes_deals_at_once(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press("➕ Новая воронка")
    await admin.press("Пустая")
    await admin.send("Тендеры")
    await seller.send("/new")
    await seller.press("Тендеры")
    await seller.send("Альфа")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    assert "Воронка: Тендеры" in seller.card
    assert "Этап: Первый контакт (1/1)" in seller.card


# Renaming


async def test_rename_a_pipeline_and_a_duplicate_name_is_refused(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("✏️ Переименовать")
    assert admin.text.startswith("Новое название для «Новые клиенты»")
    before = await snapshot(engine)
    await admin.send("ВОЗВРАТ клиентов")
    assert admin.text == "Название «ВОЗВРАТ клиентов» уже занято. Придумайте другое."
    assert await snapshot(engine) == before
    await admin.send("  Новые   лиды ")
    assert "🧭 <b>Новые лиды</b>, этапы:" in admin.text
    assert await pipeline_id(engine, "Новые лиды")
    [(subject, old, new)] = await rows(
        engine, select(AuditRow.subject, AuditRow.before, AuditRow.after)
    )
    assert (subject, old, new) == ("Новые лиды", NEW, "Новые лиды")


async def test_cancel_leaves_a_typed_step_and_nothing_changes(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("✏️ Переименовать")
    before = await snapshot(engine)
    await admin.send("/cancel")
    assert admin.text == "Отменено."
    await admin.send("Другое имя")
    assert await snapshot(engine) == before


# Stages


async def test_add_a_stage_and_a_client_state_name_is_warned_about_but_kept(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("➕ Этап")
    assert admin.text.startswith("Название нового этапа")
    await admin.send("первый КОНТАКТ")
    assert admin.text == "Название «первый КОНТАКТ» уже занято. Придумайте другое."
    await admin.send("Клиент думает")
    assert admin.texts[0].startswith("⚠️ «Клиент думает» звучит как состояние клиента")
    assert "8. Клиент думает · 90% · застой через 5 дней" in admin.text
    await admin.press("8. Клиент думает")
    await admin.press("✏️ Название")
    await admin.send("Ждём ответа клиента")
    assert admin.texts[0].startswith("⚠️ «Ждём ответа клиента»")
    await admin.press("8. Ждём ответа клиента")
    await admin.press("✏️ Название")
    await admin.send("Повторная встреча")
    assert admin.texts == ["✅ Сохранено.", admin.text]  # no warning for a seller's step
    assert (await stages_of(engine))[-1] == ("Повторная встреча", 90, 5)
    assert await audit_actions(engine) == ["stage.add", "stage.rename", "stage.rename"]


async def test_reorder_stages_up_and_down_and_the_ends_stay(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("3. Встреча / презентация")
    await admin.press("⬆️ Выше")
    assert "Этап «Встреча / презентация» воронки «Новые клиенты»" in admin.text
    names = [n for n, _, _ in await stages_of(engine)]
    assert names[:3] == ["Первый контакт", "Встреча / презентация", "Квалификация"]
    await admin.press("⬇️ Ниже")
    await admin.press("⬇️ Ниже")
    names = [n for n, _, _ in await stages_of(engine)]
    assert names[1:4] == ["Квалификация", "Коммерческое предложение", "Встреча / презентация"]
    await admin.press("◀️ Назад")
    await admin.press("1. Первый контакт")
    before = await snapshot(engine)
    await admin.press("⬆️ Выше")  # already first
    assert await snapshot(engine) == before
    assert await audit_actions(engine) == ["stage.order"] * 3


async def test_probability_and_stall_limit_accept_only_sane_numbers(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("2. Квалификация")
    await admin.press("🎯 Вероятность")
    assert "сейчас 20%" in admin.text
    before = await snapshot(engine)
    for bad in ("150", "-5", "сорок", "4.5", "", "1e2"):
        await admin.send(bad or " ")
        assert admin.text == "Вероятность — целое число от 0 до 100, например 40.", bad
    assert await snapshot(engine) == before
    await admin.send("40 %")
    assert "2. Квалификация · 40% · застой через 3 дня" in admin.text
    await admin.press("2. Квалификация")
    await admin.press("⏱ Срок застоя")
    for bad in ("-1", "0", "366", "три"):
        await admin.send(bad)
        assert admin.text == "Срок застоя — целое число дней от 1 до 365.", bad
    await admin.send("10")
    assert "2. Квалификация · 40% · застой через 10 дней" in admin.text
    assert (await stages_of(engine))[1] == ("Квалификация", 40, 10)
    [(a1, b1, c1), (a2, b2, c2)] = await rows(
        engine, select(AuditRow.action, AuditRow.before, AuditRow.after).order_by(AuditRow.id)
    )
    assert (a1, b1, c1) == ("stage.probability", "20", "40")
    assert (a2, b2, c2) == ("stage.stall", "3", "10")


async def test_a_stage_owner_is_an_active_seller_or_nobody(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("3. Встреча / презентация")
    await admin.press("👤 Ответственный")
    assert admin.buttons() == ["Sergey", "Никому", "◀️ Назад"]
    await admin.press("Sergey")
    assert "Ответственный: Sergey" in admin.text
    sid = await stage_id(engine, "Встреча / презентация")
    [(owner,)] = await rows(engine, select(StageRow.owner_id).where(StageRow.id == sid))
    assert owner is not None
    before = await snapshot(engine)
    await admin.press_data(f"st:sn:{sid}:{admin.tg_id}")  # a forged owner: no such member
    assert admin.alert == "Такого сотрудника нет или с ним так нельзя."
    assert await snapshot(engine) == before
    await admin.press("👤 Ответственный")
    await admin.press("Никому")
    assert "Ответственный: нет" in admin.text
    assert await rows(engine, select(StageRow.owner_id).where(StageRow.id == sid)) == [(None,)]
    owners = await rows(engine, select(AuditRow.action, AuditRow.before, AuditRow.after))
    assert owners == [("stage.owner", None, "Sergey"), ("stage.owner", "Sergey", None)]


async def test_an_empty_stage_is_deleted_and_the_last_stage_never(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press("➕ Новая воронка")
    await admin.press("Пустая")
    await admin.send("Тендеры")
    await admin.press("1. Первый контакт")
    await admin.press("🗑 Удалить")
    await admin.press("🗑 Да, удалить")
    assert admin.alert == ("Это последний этап воронки: без этапов в неё нельзя завести сделку.")
    await admin.press("◀️ Назад")  # to the stage
    await admin.press("◀️ Назад")  # to the pipeline
    await admin.press("➕ Этап")
    await admin.send("Заявка на тендер")
    await admin.press("1. Первый контакт")
    await admin.press("🗑 Удалить")
    assert admin.text.startswith("Удалить этап «Первый контакт»?")
    await admin.press("🗑 Да, удалить")
    assert admin.alert == "🗑 Этап «Первый контакт» удалён. Перенесено сделок: 0."
    assert "1. Заявка на тендер" in admin.text
    assert await stages_of(engine, "Тендеры") == [("Заявка на тендер", 10, 3)]
    archived = await rows(engine, select(StageRow.name).where(StageRow.is_archived.is_(True)))
    assert archived == [("Первый контакт",)]  # kept for history, not erased
    assert await audit_actions(engine) == ["pipeline.add", "stage.add", "stage.delete"]


async def test_a_stage_with_deals_is_deleted_only_by_moving_them_with_history(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await create(seller, "Лютик")
    await open_pipeline(admin)
    await admin.press("1. Первый контакт")
    await admin.press("🗑 Удалить")
    before = await snapshot(engine)
    await admin.press("🗑 Да, удалить")
    assert admin.text.startswith("На этапе «Первый контакт» 2 сделки в работе.")
    assert await snapshot(engine) == before
    other_pipeline_stage = await stage_id(engine, "Оплата", "Возврат клиентов")
    sid = await stage_id(engine, "Первый контакт")
    await admin.press_data(f"st:sm:{sid}:{other_pipeline_stage}")  # forged: another pipeline
    assert admin.alert == "Такого этапа в воронке этой сделки нет."
    assert await snapshot(engine) == before
    await admin.press("➜ Квалификация")
    assert admin.alert == "🗑 Этап «Первый контакт» удалён. Перенесено сделок: 2."
    assert "1. Квалификация" in admin.text
    target = await stage_id(engine, "Квалификация")
    assert await rows(engine, select(DealRow.stage_id).distinct()) == [(target,)]
    moves = await rows(
        engine,
        select(DealEventRow.from_stage_id, DealEventRow.to_stage_id, DealEventRow.actor_id).where(
            DealEventRow.kind == "stage"
        ),
    )
    assert len(moves) == 2 and {(f, t) for f, t, _ in moves} == {(sid, target)}
    await seller.send("/deals")
    await seller.press("Ромашка")
    await seller.press("📜 История")
    assert "Anna: «Первый контакт» → «Квалификация»" in seller.text
    assert "создал(а) сделку на этапе «Первый контакт»" in seller.text


# Archiving


async def test_archive_is_refused_while_deals_are_open_then_moves_them_all_in_one_go(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await create(seller, "Лютик")
    await open_pipeline(admin)
    await admin.press("🗄 В архив")
    assert admin.text.startswith("Отправить воронку «Новые клиенты» в архив?")
    before = await snapshot(engine)
    await admin.press("🗄 Да, в архив")
    assert admin.text.startswith("В воронке «Новые клиенты» 2 сделки в работе")
    assert await snapshot(engine) == before
    await admin.press("➡️ Перенести все и архивировать")
    assert admin.buttons() == ["➜ Действующие клиенты", "➜ Возврат клиентов", "◀️ Назад"]
    pid, own = await pipeline_id(engine, NEW), await stage_id(engine, "Договор")
    for forged in (f"pl:ax:{pid}:{own}", f"pl:at:{pid}:{pid}", f"pl:ax:{pid}:999999"):
        await admin.press_data(forged)  # its own stage, itself, nothing: refused
        assert admin.alert in (
            "Такого этапа в воронке этой сделки нет.",
            "Воронка не найдена. Выберите другую.",
        ), forged
    assert await snapshot(engine) == before
    await admin.press("➜ Возврат клиентов")
    await admin.press("➜ Специальное предложение")
    assert admin.texts[0] == "🗄 Воронка «Новые клиенты» в архиве. Перенесено сделок: 2."
    assert NEW not in admin.buttons()
    target = await stage_id(engine, "Специальное предложение", "Возврат клиентов")
    winback = await pipeline_id(engine, "Возврат клиентов")
    assert await rows(engine, select(DealRow.pipeline_id, DealRow.stage_id).distinct()) == [
        (winback, target)
    ]
    assert len(await rows(engine, select(DealEventRow).where(DealEventRow.kind == "stage"))) == 2
    assert await rows(engine, select(PipelineRow.is_archived).where(PipelineRow.name == NEW)) == [
        (True,)
    ]
    await admin.send("/audit")
    assert "Anna: воронка в архиве (перенесено сделок): Новые клиенты: — → 2" in admin.text
    await admin.press_data(f"pl:ay:{pid}:0")  # a second press on an old button
    assert admin.alert == "Воронка не найдена. Выберите другую."
    await seller.send("/deals")
    await seller.press("Ромашка")
    assert "Воронка: Возврат клиентов" in seller.card
    await seller.press("📜 История")
    assert "«Первый контакт» → «Специальное предложение»" in seller.text


async def test_an_archived_pipelines_buttons_and_stages_are_refused(
    admin: Person, engine: AsyncEngine
) -> None:
    sid = await stage_id(engine, "Контакт с ушедшим", "Возврат клиентов")
    pid = await pipeline_id(engine, "Возврат клиентов")
    await open_pipeline(admin, "Возврат клиентов")
    await admin.press("🗄 В архив")
    await admin.press("🗄 Да, в архив")
    assert admin.texts[0] == "🗄 Воронка «Возврат клиентов» в архиве. Перенесено сделок: 0."
    before = await snapshot(engine)
    for data, alert in (
        (f"pl:op:{pid}:0", "Воронка не найдена. Выберите другую."),
        (f"pl:rn:{pid}:0", "Воронка не найдена. Выберите другую."),
        (f"st:sr:{sid}:0", "Воронка не найдена. Выберите другую."),
        ("pl:op:999999:0", "Воронка не найдена. Выберите другую."),
        ("st:so:999999:0", "Такого этапа в воронке этой сделки нет."),
        ("lr:oo:999999", "Такой причины нет. Выберите из списка или напишите свою."),
        ("np:nosuchkind", "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"),
    ):
        await admin.press_data(data)
        assert admin.alert == alert, data
    assert await snapshot(engine) == before


async def test_the_last_pipeline_is_never_archived(admin: Person, engine: AsyncEngine) -> None:
    for name in ("Возврат клиентов", "Действующие клиенты"):
        await open_pipeline(admin, name)
        await admin.press("🗄 В архив")
        await admin.press("🗄 Да, в архив")
    await open_pipeline(admin)
    await admin.press("🗄 В архив")
    await admin.press("🗄 Да, в архив")
    assert admin.alert == "Это последняя воронка: без неё сделку завести негде."
    assert await rows(
        engine, select(PipelineRow.name).where(PipelineRow.is_archived.is_(False))
    ) == [(NEW,)]


# Lost reasons


async def test_lost_reasons_are_added_renamed_and_archived(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press("❌ Проиграно")
    await seller.press("Нет бюджета")
    await open_pipeline(admin)
    await admin.press("📋 Причины проигрыша")
    assert "• Нет бюджета" in admin.text
    await admin.press("➕ Причина")
    await admin.send("ДОРОГО")
    assert admin.text == "Название «ДОРОГО» уже занято. Придумайте другое."
    await admin.send("Заморозили проект")
    assert "• Заморозили проект" in admin.text
    await admin.press("Нет бюджета")
    await admin.press("✏️ Переименовать")
    await admin.send("Бюджет не выделен")
    assert "• Бюджет не выделен" in admin.text
    await admin.press("Бюджет не выделен")
    await admin.press("🗄 Убрать из списка")
    assert (admin.alert or "").startswith("Причина «Бюджет не выделен» убрана из списка")
    assert "Бюджет не выделен" not in admin.text
    await seller.send("/find")
    await seller.send("Ромашка")
    await seller.press("Ромашка")
    assert "❌ <b>Проиграно</b>: Бюджет не выделен" in seller.card  # the deal keeps its reason
    await seller.press("📜 История")
    assert "Нет бюджета" in seller.text  # the event keeps the words of its day
    await create(seller, "Лютик")
    await seller.press("❌ Проиграно")
    reasons = seller.buttons(of="💼")
    assert "Заморозили проект" in reasons and "Дорого" in reasons
    assert "Бюджет не выделен" not in reasons
    assert await audit_actions(engine) == ["reason.add", "reason.rename", "reason.archive"]


# Who may


@pytest.mark.parametrize("role", ["менеджер", "руководитель"])
async def test_sellers_and_heads_are_refused_politely(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine, role: str
) -> None:
    member = person(2100, "Petr")
    await join(admin, member, role)
    before = await snapshot(engine)
    await member.send("/pipelines")
    assert member.text == "Это доступно только администраторам."
    pid = await pipeline_id(engine, NEW)
    for data in (f"pl:op:{pid}:0", f"pl:ay:{pid}:0", "np:wholesale", f"pl:ax:{pid}:1"):
        await member.press_data(data)
        assert member.alert == (
            "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
        )
    assert await snapshot(engine) == before


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_in_english_bad_input_is_answered_in_english(
    person: Callable[..., Person], engine: AsyncEngine
) -> None:
    admin = person(1000, "Anna", "en")
    await admin.send("/pipelines")
    assert "• New clients — 7 stages" in admin.text
    await admin.press("➕ New pipeline")
    await admin.press("Retail")
    assert admin.alert == "✅ Pipeline “Retail” created."
    assert "1. Inquiry · 15% · stalls after 1 day" in admin.text
    await admin.press("◀️ Back")
    await admin.press("New clients")
    await admin.press("2. Qualification")
    await admin.press("🎯 Probability")
    before = await snapshot(engine)
    await admin.send("150")
    assert admin.text == "A probability is a whole number from 0 to 100, e.g. 40."
    await admin.send("/cancel")
    await admin.press("⏱ Stall limit")
    await admin.send("-1")
    assert admin.text == "A stall limit is a whole number of days from 1 to 365."
    await admin.send("/cancel")
    await admin.press("✏️ Name")
    await admin.send("first CONTACT")
    assert admin.text == "The name “first CONTACT” is already taken. Please choose another."
    await admin.send("Client is thinking")
    assert admin.texts[0].startswith("⚠️ “Client is thinking” sounds like the client's state")
    assert len(await snapshot(engine)) == len(before)
    await admin.press("🗄 Archive")
    await admin.press("🗄 Yes, archive")
    assert admin.texts[0] == "🗄 Pipeline “New clients” archived. Deals moved: 0."
    member = person(2200, "Pat", "en")
    await join(admin, member, "seller")
    await member.send("/pipelines")
    assert member.text == "This is for admins only."


# History and the funnel survive every change


async def find_card(seller: Person, client: str) -> None:
    await seller.send("/find")
    await seller.send(client)
    await seller.press(client)


async def history(seller: Person, client: str) -> str:
    await find_card(seller, client)
    await seller.press("📜 История")
    return seller.text


async def funnel(engine: AsyncEngine, stage_ids: list[int]) -> list[tuple[int, int, int]]:
    """Reached and passed per stage, from the deal events alone (bot.domain.stage_metrics)."""
    entered: dict[int, set[StageId]] = defaultdict(set)
    won: set[int] = set()
    for deal, kind, to in await rows(
        engine, select(DealEventRow.deal_id, DealEventRow.kind, DealEventRow.to_stage_id)
    ):
        if to is not None:
            entered[deal].add(StageId(to))
        if kind == "won":
            won.add(deal)
    deals = [FunnelDeal(frozenset(stages), deal in won) for deal, stages in entered.items()]
    ids = [StageId(i) for i in stage_ids]
    return [(c.stage_id, c.reached, c.passed) for c in stage_conversions(ids, deals)]


async def a_month_of_sales(seller: Person, clock: FakeClock) -> None:
    """Six deals over four weeks: won, lost, still open, one jumping ahead."""
    route: dict[str, list[tuple[str, ...]]] = {
        "Альфа": [("➡️ Квалификация",), ("➡️ Встреча",), ("➡️ Коммерческое",), ("✅ Успешно",)],
        "Бета": [("➡️ Квалификация",), ("❌ Проиграно", "Дорого")],
        "Гамма": [("➡️ Квалификация",), ("➡️ Встреча / презентация",)],
        "Дельта": [("🔀 Этап", "Договор"), ("✅ Успешно",)],
        "Эпсилон": [],
        "Зета": [("🔀 Этап", "Переговоры"), ("❌ Проиграно", "Нет бюджета")],
    }
    for client in route:
        await create(seller, client)
        clock.advance(days=2)
    for step in range(4):
        for client, moves in route.items():
            if step < len(moves):
                await find_card(seller, client)
                for label in moves[step]:
                    await seller.press(label)
        clock.advance(days=5)


async def funnel_report(admin: Person, bot: MockedBot) -> str:
    """The text of /funnel for the new-clients pipeline, this month, as a head reads it."""
    await admin.send("/funnel")
    bot.clear()
    await admin.press(NEW)
    return last_text(bot, admin.tg_id)


async def test_renames_reorders_and_deletions_keep_history_and_funnel_as_they_were(
    admin: Person, seller: Person, engine: AsyncEngine, clock: FakeClock, bot: MockedBot
) -> None:
    await a_month_of_sales(seller, clock)
    order = [
        int(i)
        for (i,) in await rows(
            engine,
            select(StageRow.id)
            .join(PipelineRow, PipelineRow.id == StageRow.pipeline_id)
            .where(PipelineRow.name == NEW)
            .order_by(StageRow.position),
        )
    ]
    funnel_before = await funnel(engine, order)
    # Furthest points: first contact 1, qualification 1, meeting 1, negotiation 1, won 2.
    assert [(r, p) for _, r, p in funnel_before] == [
        (6, 5),
        (5, 4),
        (4, 3),
        (3, 3),
        (3, 2),
        (2, 2),
        (2, 2),
    ]
    histories = {c: await history(seller, c) for c in ("Альфа", "Бета", "Зета")}
    assert "«Квалификация» → «Встреча / презентация»" in histories["Альфа"]
    events_before = await rows(engine, select(DealEventRow).order_by(DealEventRow.id))
    report_before = await funnel_report(admin, bot)
    assert "2. Квалификация: " in report_before

    await open_pipeline(admin)
    await admin.press("2. Квалификация")
    await admin.press("✏️ Название")
    await admin.send("Квалификация BANT")
    # The /funnel report reads the same numbers under the new name.
    renamed = report_before.replace("Квалификация", "Квалификация BANT")
    assert await funnel_report(admin, bot) == renamed
    await open_pipeline(admin)
    await admin.press("3. Встреча / презентация")
    await admin.press("⬇️ Ниже")  # now after the proposal
    await admin.press("◀️ Назад")
    await admin.press("5. Переговоры")  # only a closed deal sits here
    await admin.press("🗑 Удалить")
    await admin.press("🗑 Да, удалить")
    assert admin.alert == "🗑 Этап «Переговоры» удалён. Перенесено сделок: 0."
    assert [n for n, _, _ in await stages_of(engine)] == [
        "Первый контакт",
        "Квалификация BANT",
        "Коммерческое предложение",
        "Встреча / презентация",
        "Договор",
        "Оплата",
    ]

    assert await rows(engine, select(DealEventRow).order_by(DealEventRow.id)) == events_before
    assert await funnel(engine, order) == funnel_before
    after = await funnel_report(admin, bot)
    # Every deal still counts: the one that got to the deleted stage stops just before it.
    assert "1. Первый контакт: 2 → дальше 50%" in after
    assert "4. Встреча / презентация: 1 → дальше 0%" in after
    assert after.split("🏁")[1] == renamed.split("🏁")[1]  # won, lost, cycle, leak alike
    for client, before in histories.items():
        after = await history(seller, client)
        assert after == before.replace("«Квалификация»", "«Квалификация BANT»"), client
    assert "на этапе «Переговоры»: Нет бюджета" in histories["Зета"]
    await find_card(seller, "Зета")  # a closed deal in the deleted stage still opens
    assert "Этап: Переговоры" in seller.card
    assert "❌ <b>Проиграно</b>: Нет бюджета" in seller.card
    await seller.press("↩️ Вернуть в работу")  # back to work: the stage is gone, so the first
    assert "Этап: Первый контакт (1/6)" in seller.card


async def test_a_deal_begun_in_a_pipeline_archived_meanwhile_is_refused_and_not_half_written(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await open_pipeline(admin, "Возврат клиентов")
    await seller.press("Возврат клиентов")
    await seller.send("Омега")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    await admin.press("🗄 В архив")
    await admin.press("🗄 Да, в архив")
    await seller.press("Пропустить")
    assert seller.alert == "Воронка не найдена. Выберите другую."
    assert await rows(engine, select(DealRow.id)) == []
    assert await rows(engine, select(ClientRow.id)) == []
