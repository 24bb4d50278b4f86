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
from tests.flows.harness import Person, said
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


def stage_line(no: int, name: str, probability: int, stall_days: int) -> str:
    """A stage's line in the pipeline view (no owner set), as the catalog words it."""
    return said(
        "pipes.view.stage",
        no=no,
        name=name,
        probability=probability,
        stall=said.n("days", stall_days),
        owner="",
    )


# The list and new pipelines


async def test_the_admin_sees_the_pipelines_with_their_stage_counts(admin: Person) -> None:
    await admin.send("/pipelines")
    assert said("pipes.title") in admin.text
    assert said("pipes.row", name=NEW, stages=said.n("pipes.stages_count", 7)) in admin.text
    stages = said.n("pipes.stages_count", 5)
    assert said("pipes.row", name="Возврат клиентов", stages=stages) in admin.text
    assert admin.buttons() == [
        NEW,
        "Действующие клиенты",
        "Возврат клиентов",
        said("pipes.btn.new"),
    ]
    await admin.press(NEW)
    assert said("pipes.view.title", name="Новые клиенты") in admin.text
    assert stage_line(1, "Первый контакт", 10, stall_days=2) in admin.text
    assert said("pipes.view.reasons", count=7) in admin.text


async def test_a_wholesale_pipeline_from_the_template_and_a_second_one_numbered(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press(said("pipes.btn.new"))
    assert admin.buttons() == [
        NEW,
        "Действующие клиенты",
        "Возврат клиентов",
        "Опт",
        "Розница",
        said("pipes.tpl.empty"),
        said("btn.back"),
    ]
    await admin.press("Опт")
    assert admin.alert == said("pipes.created", name="Опт")
    assert said("pipes.view.title", name="Опт") in admin.text
    assert stage_line(4, "Пробная партия", 50, stall_days=14) in admin.text
    assert len(await stages_of(engine, "Опт")) == 7
    await admin.send("/pipelines")
    await admin.press(said("pipes.btn.new"))
    await admin.press("Опт")
    assert admin.alert == said("pipes.created", name="Опт 2")
    reasons = await rows(
        engine,
        select(func.count())
        .select_from(LostReasonRow)
        .join(PipelineRow, PipelineRow.id == LostReasonRow.pipeline_id)
        .where(PipelineRow.name == "Опт 2"),
    )
    assert reasons == [(8,)]
    assert await audit_actions(engine) == ["pipeline.add", "pipeline.add"]
    await admin.send("/audit")
    # The template by the name the admin picked it by, not its code ("→ wholesale").
    added = said("audit.action.pipeline.add")
    row = said.part("audit.row", who="Anna", what=f"{added}: Опт 2", before="—", after="Опт")
    assert row in admin.text
    assert "wholesale" not in admin.text
    admin.lang = "en"
    await admin.send("/language")
    await admin.press("English")
    await admin.send("/audit")
    en = said.of("en")
    added = en("audit.action.pipeline.add")
    row = en.part("audit.row", who="Anna", what=f"{added}: Опт 2", before="—", after="Wholesale")
    assert row in admin.text


async def test_an_empty_pipeline_gets_a_typed_name_and_one_stage(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press(said("pipes.btn.new"))
    await admin.press(said("pipes.tpl.empty"))
    assert admin.text == said("pipes.ask_name", limit=64)
    before = await snapshot(engine)
    for bad, answer in (
        ("   ", said("error.text_empty")),
        (
            "Я" * 65,
            said("error.text_too_long", length=said.n("chars", 65), limit=said.n("chars", 64)),
        ),
        ("новые  КЛИЕНТЫ", said("error.name_taken", name="новые КЛИЕНТЫ")),
    ):
        await admin.send(bad)
        assert admin.text.startswith(answer), bad
    assert await snapshot(engine) == before
    await admin.send("Тендеры")
    assert admin.texts[0] == said("pipes.saved")
    assert said("pipes.view.title", name="Тендеры") in admin.text
    assert await stages_of(engine, "Тендеры") == [("Первый контакт", 10, 3)]
    await admin.send("/audit")
    added = said("audit.action.pipeline.add")
    empty = said("pipes.tpl.empty")
    row = said.part("audit.row", who="Anna", what=f"{added}: Тендеры", before="—", after=empty)
    assert row in admin.text


async def test_the_new_empty_pipeline_takes_deals_at_once(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press(said("pipes.btn.new"))
    await admin.press(said("pipes.tpl.empty"))
    await admin.send("Тендеры")
    await seller.send("/new")
    await seller.press("Тендеры")
    await seller.send("Альфа")
    await seller.press(said("btn.skip"))
    await seller.press(said("quick.btn.create"))
    assert said("card.pipeline", pipeline="Тендеры") in seller.card
    assert said.part("card.stage", stage="Первый контакт", no=1, total=1) in seller.card


# Renaming


async def test_rename_a_pipeline_and_a_duplicate_name_is_refused(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press(said("pipes.btn.rename"))
    assert admin.text == said("pipes.ask_rename", name=NEW, limit=64)
    before = await snapshot(engine)
    await admin.send("ВОЗВРАТ клиентов")
    assert admin.text == said("error.name_taken", name="ВОЗВРАТ клиентов")
    assert await snapshot(engine) == before
    await admin.send("  Новые   лиды ")
    assert said("pipes.view.title", name="Новые лиды") in admin.text
    assert await pipeline_id(engine, "Новые лиды")
    [(subject, old, new)] = await rows(
        engine, select(AuditRow.subject, AuditRow.before, AuditRow.after)
    )
    assert (subject, old, new) == ("Новые лиды", NEW, "Новые лиды")


async def test_cancel_leaves_a_typed_step_and_nothing_changes(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press(said("pipes.btn.rename"))
    before = await snapshot(engine)
    await admin.send("/cancel")
    assert admin.text == said("cancel.done")
    await admin.send("Другое имя")
    assert await snapshot(engine) == before


# Stages


async def test_add_a_stage_and_a_client_state_name_is_warned_about_but_kept(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press(said("pipes.btn.add_stage"))
    assert admin.text.startswith(said("pipes.ask_stage", limit=64))
    await admin.send("первый КОНТАКТ")
    assert admin.text == said("error.name_taken", name="первый КОНТАКТ")
    await admin.send("Клиент думает")
    assert admin.texts[0] == said("pipes.warn_client_state", name="Клиент думает")
    assert stage_line(8, "Клиент думает", 90, stall_days=5) in admin.text
    await admin.press("8. Клиент думает")
    await admin.press(said("pipes.btn.stage_rename"))
    await admin.send("Ждём ответа клиента")
    assert admin.texts[0] == said("pipes.warn_client_state", name="Ждём ответа клиента")
    await admin.press("8. Ждём ответа клиента")
    await admin.press(said("pipes.btn.stage_rename"))
    await admin.send("Повторная встреча")
    assert admin.texts == [said("pipes.saved"), admin.text]  # no warning for a seller's step
    assert (await stages_of(engine))[-1] == ("Повторная встреча", 90, 5)
    assert await audit_actions(engine) == ["stage.add", "stage.rename", "stage.rename"]


async def test_reorder_stages_up_and_down_and_the_ends_stay(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("3. Встреча / презентация")
    await admin.press(said("pipes.btn.up"))
    assert said.part("pipes.stage.title", name="Встреча / презентация", pipeline=NEW) in admin.text
    names = [n for n, _, _ in await stages_of(engine)]
    assert names[:3] == ["Первый контакт", "Встреча / презентация", "Квалификация"]
    await admin.press(said("pipes.btn.down"))
    await admin.press(said("pipes.btn.down"))
    names = [n for n, _, _ in await stages_of(engine)]
    assert names[1:4] == ["Квалификация", "Коммерческое предложение", "Встреча / презентация"]
    await admin.press(said("btn.back"))
    await admin.press("1. Первый контакт")
    before = await snapshot(engine)
    await admin.press(said("pipes.btn.up"))  # already first
    assert await snapshot(engine) == before
    assert await audit_actions(engine) == ["stage.order"] * 3


async def test_probability_and_stall_limit_accept_only_sane_numbers(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_pipeline(admin)
    await admin.press("2. Квалификация")
    await admin.press(said("pipes.btn.probability"))
    assert said("pipes.ask_probability", name="Квалификация", value=20) in admin.text
    before = await snapshot(engine)
    for bad in ("150", "-5", "сорок", "4.5", "", "1e2"):
        await admin.send(bad or " ")
        assert admin.text == said("error.probability_invalid"), bad
    assert await snapshot(engine) == before
    await admin.send("40 %")
    assert stage_line(2, "Квалификация", 40, stall_days=3) in admin.text
    await admin.press("2. Квалификация")
    await admin.press(said("pipes.btn.stall"))
    for bad in ("-1", "0", "366", "три"):
        await admin.send(bad)
        assert admin.text == said("error.stall_days_invalid", limit=365), bad
    await admin.send("10")
    assert stage_line(2, "Квалификация", 40, stall_days=10) in admin.text
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
    await admin.press(said("pipes.btn.owner"))
    assert admin.buttons() == ["Sergey", said("pipes.btn.no_owner"), said("btn.back")]
    await admin.press("Sergey")
    assert said.part("pipes.stage.title", owner="Sergey") in admin.text
    sid = await stage_id(engine, "Встреча / презентация")
    [(owner,)] = await rows(engine, select(StageRow.owner_id).where(StageRow.id == sid))
    assert owner is not None
    before = await snapshot(engine)
    await admin.press_data(f"st:sn:{sid}:{admin.tg_id}")  # a forged owner: no such member
    assert admin.alert == said("error.member_invalid")
    assert await snapshot(engine) == before
    await admin.press(said("pipes.btn.owner"))
    await admin.press(said("pipes.btn.no_owner"))
    assert said.part("pipes.stage.title", owner=said("pipes.stage.no_owner")) in admin.text
    assert await rows(engine, select(StageRow.owner_id).where(StageRow.id == sid)) == [(None,)]
    owners = await rows(engine, select(AuditRow.action, AuditRow.before, AuditRow.after))
    assert owners == [("stage.owner", None, "Sergey"), ("stage.owner", "Sergey", None)]


async def test_an_empty_stage_is_deleted_and_the_last_stage_never(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/pipelines")
    await admin.press(said("pipes.btn.new"))
    await admin.press(said("pipes.tpl.empty"))
    await admin.send("Тендеры")
    await admin.press("1. Первый контакт")
    await admin.press(said("pipes.btn.delete"))
    await admin.press(said("pipes.btn.delete_yes"))
    assert admin.alert == (said("error.last_stage"))
    await admin.press(said("btn.back"))  # to the stage
    await admin.press(said("btn.back"))  # to the pipeline
    await admin.press(said("pipes.btn.add_stage"))
    await admin.send("Заявка на тендер")
    await admin.press("1. Первый контакт")
    await admin.press(said("pipes.btn.delete"))
    assert admin.text == said("pipes.delete.confirm", name="Первый контакт")
    await admin.press(said("pipes.btn.delete_yes"))
    assert admin.alert == said("pipes.deleted", name="Первый контакт", count=0)
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
    await admin.press(said("pipes.btn.delete"))
    before = await snapshot(engine)
    await admin.press(said("pipes.btn.delete_yes"))
    has_deals = said(
        "pipes.delete.has_deals", name="Первый контакт", count=said.n("deals_count", 2)
    )
    assert admin.text.startswith(has_deals)
    assert await snapshot(engine) == before
    other_pipeline_stage = await stage_id(engine, "Оплата", "Возврат клиентов")
    sid = await stage_id(engine, "Первый контакт")
    await admin.press_data(f"st:sm:{sid}:{other_pipeline_stage}")  # forged: another pipeline
    assert admin.alert == said("error.stage_not_found")
    assert await snapshot(engine) == before
    await admin.press("➜ Квалификация")
    assert admin.alert == said("pipes.deleted", name="Первый контакт", count=2)
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
    await seller.press(said("card.btn.history"))
    moved = said("history.stage", src="Первый контакт", dst="Квалификация")
    assert said.part("history.row", who="Anna", what=moved) in seller.text
    assert said("history.created", stage="Первый контакт") in seller.text


# Archiving


async def test_archive_is_refused_while_deals_are_open_then_moves_them_all_in_one_go(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await create(seller, "Лютик")
    await open_pipeline(admin)
    await admin.press(said("pipes.btn.archive"))
    assert admin.text == said("pipes.archive.confirm", name=NEW)
    before = await snapshot(engine)
    await admin.press(said("pipes.btn.archive_yes"))
    assert admin.text == said("pipes.archive.has_deals", name=NEW, count=said.n("deals_count", 2))
    assert await snapshot(engine) == before
    await admin.press(said("pipes.btn.move_all"))
    assert admin.buttons() == ["➜ Действующие клиенты", "➜ Возврат клиентов", said("btn.back")]
    pid, own = await pipeline_id(engine, NEW), await stage_id(engine, "Договор")
    for forged in (f"pl:ax:{pid}:{own}", f"pl:at:{pid}:{pid}", f"pl:ax:{pid}:999999"):
        await admin.press_data(forged)  # its own stage, itself, nothing: refused
        assert admin.alert in (
            said("error.stage_not_found"),
            said("error.pipeline_not_found"),
        ), forged
    assert await snapshot(engine) == before
    await admin.press("➜ Возврат клиентов")
    await admin.press("➜ Специальное предложение")
    assert admin.texts[0] == said("pipes.archived", name="Новые клиенты", count=2)
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
    archived = said("audit.action.pipeline.archive")
    row = said.part("audit.row", who="Anna", what=f"{archived}: {NEW}", before="—", after=2)
    assert row in admin.text
    await admin.press_data(f"pl:ay:{pid}:0")  # a second press on an old button
    assert admin.alert == said("error.pipeline_not_found")
    await seller.send("/deals")
    await seller.press("Ромашка")
    assert said("card.pipeline", pipeline="Возврат клиентов") in seller.card
    await seller.press(said("card.btn.history"))
    assert said("history.stage", src="Первый контакт", dst="Специальное предложение") in seller.text


async def test_an_archived_pipelines_buttons_and_stages_are_refused(
    admin: Person, engine: AsyncEngine
) -> None:
    sid = await stage_id(engine, "Контакт с ушедшим", "Возврат клиентов")
    pid = await pipeline_id(engine, "Возврат клиентов")
    await open_pipeline(admin, "Возврат клиентов")
    await admin.press(said("pipes.btn.archive"))
    await admin.press(said("pipes.btn.archive_yes"))
    assert admin.texts[0] == said("pipes.archived", name="Возврат клиентов", count=0)
    before = await snapshot(engine)
    for data, alert in (
        (f"pl:op:{pid}:0", said("error.pipeline_not_found")),
        (f"pl:rn:{pid}:0", said("error.pipeline_not_found")),
        (f"st:sr:{sid}:0", said("error.pipeline_not_found")),
        ("pl:op:999999:0", said("error.pipeline_not_found")),
        ("st:so:999999:0", said("error.stage_not_found")),
        ("lr:oo:999999", said("error.lost_reason_not_found")),
        ("np:nosuchkind", said("error.stale_button")),
    ):
        await admin.press_data(data)
        assert admin.alert == alert, data
    assert await snapshot(engine) == before


async def test_the_last_pipeline_is_never_archived(admin: Person, engine: AsyncEngine) -> None:
    for name in ("Возврат клиентов", "Действующие клиенты"):
        await open_pipeline(admin, name)
        await admin.press(said("pipes.btn.archive"))
        await admin.press(said("pipes.btn.archive_yes"))
    await open_pipeline(admin)
    await admin.press(said("pipes.btn.archive"))
    await admin.press(said("pipes.btn.archive_yes"))
    assert admin.alert == said("error.last_pipeline")
    assert await rows(
        engine, select(PipelineRow.name).where(PipelineRow.is_archived.is_(False))
    ) == [(NEW,)]


# Lost reasons


async def test_lost_reasons_are_added_renamed_and_archived(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.lost"))
    await seller.press("Нет бюджета")
    await open_pipeline(admin)
    await admin.press(said("pipes.btn.reasons"))
    assert "• Нет бюджета" in admin.text
    await admin.press(said("pipes.btn.add_reason"))
    await admin.send("ДОРОГО")
    assert admin.text == said("error.name_taken", name="ДОРОГО")
    await admin.send("Заморозили проект")
    assert "• Заморозили проект" in admin.text
    await admin.press("Нет бюджета")
    await admin.press(said("pipes.btn.rename"))
    await admin.send("Бюджет не выделен")
    assert "• Бюджет не выделен" in admin.text
    await admin.press("Бюджет не выделен")
    await admin.press(said("pipes.btn.reason_archive"))
    assert admin.alert == said("pipes.reason_archived", name="Бюджет не выделен")
    assert "Бюджет не выделен" not in admin.text
    await seller.send("/find")
    await seller.send("Ромашка")
    await seller.press("Ромашка")
    assert said("card.lost", reason="Бюджет не выделен") in seller.card  # the deal keeps its reason
    await seller.press(said("card.btn.history"))
    assert "Нет бюджета" in seller.text  # the event keeps the words of its day
    await create(seller, "Лютик")
    await seller.press(said("card.btn.lost"))
    reasons = seller.buttons(of="💼")
    assert "Заморозили проект" in reasons and "Дорого" in reasons
    assert "Бюджет не выделен" not in reasons
    assert await audit_actions(engine) == ["reason.add", "reason.rename", "reason.archive"]


# Who may


@pytest.mark.parametrize("role", [said("role.seller"), said("role.head")])
async def test_sellers_and_heads_are_refused_politely(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine, role: str
) -> None:
    member = person(2100, "Petr")
    await join(admin, member, role)
    before = await snapshot(engine)
    await member.send("/pipelines")
    assert member.text == said("error.admins_only")
    pid = await pipeline_id(engine, NEW)
    for data in (f"pl:op:{pid}:0", f"pl:ay:{pid}:0", "np:wholesale", f"pl:ax:{pid}:1"):
        await member.press_data(data)
        assert member.alert == (said("error.stale_button"))
    assert await snapshot(engine) == before


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_in_english_bad_input_is_answered_in_english(
    person: Callable[..., Person], engine: AsyncEngine, team_language: str
) -> None:
    en = said.of(team_language)
    admin = person(1000, "Anna", "en")
    await admin.send("/pipelines")
    stages = en.n("pipes.stages_count", 7)
    assert en("pipes.row", name="New clients", stages=stages) in admin.text
    await admin.press(en("pipes.btn.new"))
    await admin.press("Retail")
    assert admin.alert == en("pipes.created", name="Retail")
    inquiry = {"name": "Inquiry", "probability": 15, "stall": en.n("days", 1), "owner": ""}
    assert en("pipes.view.stage", no=1, **inquiry) in admin.text
    await admin.press(en("btn.back"))
    await admin.press("New clients")
    await admin.press("2. Qualification")
    await admin.press(en("pipes.btn.probability"))
    before = await snapshot(engine)
    await admin.send("150")
    assert admin.text == en("error.probability_invalid")
    await admin.send("/cancel")
    await admin.press(en("pipes.btn.stall"))
    await admin.send("-1")
    assert admin.text == en("error.stall_days_invalid", limit=365)
    await admin.send("/cancel")
    await admin.press(en("pipes.btn.stage_rename"))
    await admin.send("first CONTACT")
    assert admin.text == en("error.name_taken", name="first CONTACT")
    await admin.send("Client is thinking")
    assert admin.texts[0] == en("pipes.warn_client_state", name="Client is thinking")
    assert len(await snapshot(engine)) == len(before)
    await admin.press(en("pipes.btn.archive"))
    await admin.press(en("pipes.btn.archive_yes"))
    assert admin.texts[0] == en("pipes.archived", name="New clients", count=0)
    member = person(2200, "Pat", "en")
    await join(admin, member, en("role.seller"))
    await member.send("/pipelines")
    assert member.text == en("error.admins_only")


# History and the funnel survive every change


async def find_card(seller: Person, client: str) -> None:
    await seller.send("/find")
    await seller.send(client)
    await seller.press(client)


async def history(seller: Person, client: str) -> str:
    await find_card(seller, client)
    await seller.press(said("card.btn.history"))
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
        "Альфа": [
            (said("card.btn.next", stage="Квалификация"),),
            (said("card.btn.next", stage="Встреча"),),
            (said("card.btn.next", stage="Коммерческое"),),
            (said("card.btn.won"),),
        ],
        "Бета": [(said("card.btn.next", stage="Квалификация"),), (said("card.btn.lost"), "Дорого")],
        "Гамма": [
            (said("card.btn.next", stage="Квалификация"),),
            (said("card.btn.next", stage="Встреча / презентация"),),
        ],
        "Дельта": [(said("card.btn.stages"), "Договор"), (said("card.btn.won"),)],
        "Эпсилон": [],
        "Зета": [(said("card.btn.stages"), "Переговоры"), (said("card.btn.lost"), "Нет бюджета")],
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
    await admin.press(NEW)
    bot.clear()
    await admin.press(said("rep.period.month"))  # it opens on the last 90 days
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
    assert (
        said("history.stage", src="Квалификация", dst="Встреча / презентация") in histories["Альфа"]
    )
    events_before = await rows(engine, select(DealEventRow).order_by(DealEventRow.id))
    report_before = await funnel_report(admin, bot)
    assert said.part("fun.stage", i=2, name="Квалификация") in report_before

    await open_pipeline(admin)
    await admin.press("2. Квалификация")
    await admin.press(said("pipes.btn.stage_rename"))
    await admin.send("Квалификация BANT")
    # The /funnel report reads the same numbers under the new name.
    renamed = report_before.replace("Квалификация", "Квалификация BANT")
    assert await funnel_report(admin, bot) == renamed
    await open_pipeline(admin)
    await admin.press("3. Встреча / презентация")
    await admin.press(said("pipes.btn.down"))  # now after the proposal
    await admin.press(said("btn.back"))
    await admin.press("5. Переговоры")  # only a closed deal sits here
    await admin.press(said("pipes.btn.delete"))
    await admin.press(said("pipes.btn.delete_yes"))
    assert admin.alert == said("pipes.deleted", name="Переговоры", count=0)
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
    assert said.part("fun.stage", i=1, name="Первый контакт", reached=2, rate="50%") in after
    meeting = said.part("fun.stage", i=4, name="Встреча / презентация", reached=1, rate="0%")
    assert meeting in after
    assert after.split("🏁")[1] == renamed.split("🏁")[1]  # won, lost, cycle, leak alike
    for client, before in histories.items():
        after = await history(seller, client)
        assert after == before.replace("«Квалификация»", "«Квалификация BANT»"), client
    lost = said("history.lost", stage="Переговоры", text="Нет бюджета")
    assert lost in histories["Зета"]
    await find_card(seller, "Зета")  # a closed deal in the deleted stage still opens
    assert said.part("card.stage", stage="Переговоры") in seller.card
    assert said("card.lost", reason="Нет бюджета") in seller.card
    await seller.press(said("card.btn.reopen"))  # back to work: the stage is gone, so the first
    assert said.part("card.stage", stage="Первый контакт", no=1, total=6) in seller.card


async def test_a_deal_begun_in_a_pipeline_archived_meanwhile_is_refused_and_not_half_written(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await open_pipeline(admin, "Возврат клиентов")
    await seller.press("Возврат клиентов")
    await seller.send("Омега")
    await seller.press(said("btn.skip"))
    await admin.press(said("pipes.btn.archive"))
    await admin.press(said("pipes.btn.archive_yes"))
    await seller.press(said("quick.btn.create"))
    assert seller.alert == said("error.pipeline_not_found")
    assert await rows(engine, select(DealRow.id)) == []
    assert await rows(engine, select(ClientRow.id)) == []
